// The community feature's route module: the viewer hook, account pages, paper-side pages,
// the write API, and the RSS feed of a public collection.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.ts';
import { accountArea } from '../context.ts';
import { html } from '../html.ts';
import { installViewer } from './community-session.ts';
import { accountPages } from './community-account.ts';
import { communityPaperPages } from './community-papers.ts';
import { communityApiRoutes } from '../api/community.ts';
import { rss } from '../feeds/xml.ts';

export function communityRoutes(app: FastifyInstance, ctx: HttpContext) {
  installViewer(app, ctx);
  accountPages(app, ctx);
  communityPaperPages(app, ctx);
  communityApiRoutes(app, ctx);

  // Signed-in pages carry vote forms: load the small script that posts them in the background.
  const render = accountArea.render!;
  accountArea.render = (req) =>
    req.viewer?.csrf ? html`${render(req)}<script src="${ctx.assets.url('community.js')}" defer></script>` : render(req);

  const base = ctx.pb.config.publicUrl;
  app.get<{ Params: { id: string } }>('/collections/:id/feed.rss', async (req, reply) => {
    const id = Number(req.params.id);
    // Feeds are public: a private collection is a 404 even for its owner's feed reader.
    const col = await ctx.pb.community.collections.get(Number.isInteger(id) ? id : -1, null);
    const xml = rss(
      {
        title: `Paperboy · ${col.name}`,
        description: col.description ?? `A reading list by ${col.owner.displayName || col.owner.username}.`,
        pageUrl: `${base}/collections/${col.id}`,
        selfUrl: `${base}/collections/${col.id}/feed.rss`,
      },
      col.items.map((it) => ({ paper: it.paper, date: it.addedAt })),
      base,
    );
    return reply.type('application/rss+xml; charset=utf-8').header('Cache-Control', 'public, max-age=300').send(xml);
  });
}
