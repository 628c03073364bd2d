// "Are you an author?": claiming authorship of a paper (a curator reviews it on /moderation).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import type { PaperView } from '../../services/papers.ts';
import { csrfChecked, signedIn, viewerOf } from './community-session.ts';
import { csrfInput } from './community-account.ts';

const ClaimBody = Type.Object({ author_name: Type.Optional(Type.String({ maxLength: 300 })), _csrf: Type.Optional(Type.String()) });

/** The paper page's claim box, for signed-in readers with a username. */
export function claimSection(req: FastifyRequest, view: PaperView): SafeHtml | '' {
  const v = req.viewer;
  if (!v || !v.csrf || !v.username) return '';
  const p = view.paper;
  return html`<section aria-labelledby="claim-h">
  <h2 id="claim-h">Are you an author?</h2>
  <form method="post" action="/papers/${encodeURIComponent(p.arxivId)}/claim">${csrfInput(v)}
    <label for="claim-name">I am</label> <select id="claim-name" name="author_name">${p.authors.map((a) => html`<option>${a}</option>`)}</select>
    <button class="btn secondary" type="submit">Claim</button>
  </form>
</section>`;
}

export function claimRoutes(app: FastifyInstance, ctx: HttpContext) {
  const c = ctx.pb.community;
  app.post<{ Params: { id: string }; Body: Static<typeof ClaimBody> }>(
    '/papers/:id/claim',
    { schema: { body: ClaimBody, hide: true }, preHandler: [signedIn({ next: (req) => `/papers/${(req.params as { id: string }).id}` }), csrfChecked] },
    async (req, reply) => {
      const cl = await c.claims.claim(viewerOf(req), req.params.id, req.body?.author_name);
      return ctx.page(
        req,
        reply,
        { title: 'Claim sent' },
        html`<h1>Claim sent</h1><p role="status">A curator will review your claim to be ${cl.authorName} on <a href="/papers/${cl.arxivId}">${cl.title}</a>.</p>`,
        201,
      );
    },
  );
}
