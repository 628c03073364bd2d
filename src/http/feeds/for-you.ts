// The reader's "For you" list as RSS 2.0 or Atom 1.0, behind a private feed token
// (/feeds/for-you/<token>.atom): feed readers cannot send a session or a Bearer header, so the
// token is the credential; it only reads this list, and making a new one or revoking ends it.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { errors } from '../../domain/errors.ts';
import { atom, rss } from './xml.ts';

const TYPES = { rss: 'application/rss+xml; charset=utf-8', atom: 'application/atom+xml; charset=utf-8' };

export function forYouFeedRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const base = pb.config.publicUrl;
  app.get<{ Params: { feed: string } }>(
    '/feeds/for-you/:feed',
    {
      schema: {
        params: Type.Object({ feed: Type.String({ maxLength: 100, description: 'Your feed token and a format: pbf_….atom or pbf_….rss' }) }),
        tags: ['feeds', 'for you'],
        summary: 'Your For you list (private feed token)',
        description: "The week's papers ranked for the token's owner. Make a token on /for-you or with POST /api/me/feed-token.",
        response: {
          200: {
            description: 'RSS 2.0 (.rss) or Atom 1.0 (.atom)',
            content: { 'application/rss+xml': { schema: { type: 'string' } }, 'application/atom+xml': { schema: { type: 'string' } } },
          },
          404: Type.Ref('ApiError', { description: 'Unknown or revoked token' }),
        },
      },
    },
    async (req, reply) => {
      const m = /^(pbf_[\w-]{20,60})\.(rss|atom)$/.exec(req.params.feed);
      const userId = m ? await pb.recs.userByFeedToken(m[1]) : undefined;
      if (!m || !userId) throw errors.notFound('No such feed: the link is wrong or was revoked.');
      const format = m[2] as 'rss' | 'atom';
      const list = await pb.recs.recommend(userId, { window: 'week', limit: pb.config.feedItems });
      const meta = {
        title: 'Paperboy · For you',
        description: 'Papers of the week ranked for you by Paperboy.',
        pageUrl: `${base}/for-you`,
        selfUrl: `${base}/feeds/for-you/${m[1]}.${format}`,
      };
      const items = list.items.map((r) => ({ paper: r.paper, upvotes: r.upvotes }));
      reply.header('Cache-Control', 'private, max-age=300').header('X-Robots-Tag', 'noindex').type(TYPES[format]);
      return format === 'rss' ? rss(meta, items, base) : atom(meta, items, base);
    },
  );
}
