// Upvotes from pages: the ▲ form on cards and paper pages. Signed out, the guard sends the reader
// to sign in, casts the vote afterwards and brings them back to the list they voted from.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.ts';
import { backOf, csrfChecked, signedIn, viewerOf, wantsJson } from './community-session.ts';

const idOf = (req: FastifyRequest) => (req.params as { id: string }).id;

export function voteRoutes(app: FastifyInstance, ctx: HttpContext) {
  const c = ctx.pb.community;
  // The signed-out ▲ (a link): sign in, then the vote is cast and the reader is back where they clicked.
  app.get<{ Params: { id: string } }>('/papers/:id/upvote', async (req, reply) => {
    const back = backOf(req, `/papers/${req.params.id}`);
    if (req.viewer) return reply.redirect(back, 303);
    return reply.redirect(`/signin?next=${encodeURIComponent(back)}&do=${encodeURIComponent(`upvote:${req.params.id.slice(0, 40)}`)}`, 303);
  });
  app.post<{ Params: { id: string } }>(
    '/papers/:id/upvote',
    { preHandler: [signedIn({ next: (req) => backOf(req, `/papers/${idOf(req)}`), pending: (req) => `upvote:${idOf(req)}` }), csrfChecked] },
    async (req, reply) => {
      const r = await c.votes.toggle(viewerOf(req), req.params.id, req.ip);
      if (wantsJson(req)) return { id: r.arxivId, upvoted: r.upvoted, upvotes: r.upvotes };
      return reply.redirect(backOf(req, `/papers/${r.arxivId}`), 303);
    },
  );
}
