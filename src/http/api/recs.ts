// "For you" in the JSON API: the reader's recommendations (a personal token, read access — or a
// browser session), "not interested", more like this, and the private feed token.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { assertCsrf } from '../csrf.ts';
import { toHfPaper } from '../present/hf.ts';
import { requireViewer } from '../pages/community-session.ts';
import { requireScope } from '../../services/accounts.ts';
import type { TokenScope } from '../../domain/token-scopes.ts';
import type { Recommendation } from '../../services/recs.ts';
import { PaperIdParams, writeErrors } from './community.schema.ts';
import { ApiErr, MoreLikeThisQuery, RecsQuery, RecsResponse } from './recs.schema.ts';

const security = [{ bearerAuth: [] }];

export function recJson(r: Recommendation) {
  return {
    paper: toHfPaper(r.paper),
    title: r.paper.title,
    summary: r.paper.abstract,
    publishedAt: r.paper.publishedAt,
    reason: r.reason,
    score: r.score,
  };
}

export function recsApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  // Tokens need a scope: "vote" for "not interested" (a signal about a paper, like an upvote), "read"
  // for the feed token (it reads the same list). GETs need "read", checked for every API GET.
  const writer = (req: FastifyRequest, scope: TokenScope) => {
    const v = requireViewer(req);
    if (v.via === 'session') assertCsrf(req, pb.secret);
    requireScope(v, scope);
    return v;
  };

  app.get<{ Querystring: RecsQuery }>(
    '/api/me/recommendations',
    {
      schema: {
        querystring: RecsQuery,
        tags: ['for you'],
        summary: "The reader's recommendations (For you), best first",
        description:
          "Papers of the daily list's latest day, week or month ranked by the reader's model (trained from their upvotes, saved papers, " +
          'followed authors and "not interested" marks), each with a one-line reason. Never a paper the reader upvoted or dismissed. ' +
          "Before the reader has any signal the window's most upvoted papers stand in (header X-Paperboy-Personal: false). " +
          'A new signal is learnt by the worker within seconds (X-Paperboy-Pending: true until then). Needs a personal token (read access).',
        security,
        response: { 200: RecsResponse, 400: ApiErr, 401: ApiErr },
      },
    },
    async (req, reply) => {
      const v = requireViewer(req);
      const list = await pb.recs.recommend(v.id, { window: req.query.window ?? 'month', limit: req.query.limit ?? 20 });
      reply.header('Cache-Control', 'private, no-store');
      reply.header('X-Paperboy-Personal', String(list.personal));
      reply.header('X-Paperboy-Pending', String(list.pending));
      return list.items.map(recJson);
    },
  );

  for (const method of ['POST', 'DELETE'] as const) {
    app.route<{ Params: PaperIdParams }>({
      method,
      url: '/api/papers/:id/dismiss',
      schema: {
        params: PaperIdParams,
        tags: ['for you'],
        summary: method === 'POST' ? 'Not interested: never recommend this paper again, and learn from it' : 'Undo "not interested"',
        security,
        response: { 200: Type.Object({ id: Type.String(), dismissed: Type.Boolean(), changed: Type.Boolean() }), ...writeErrors },
      },
      handler: async (req) => {
        const v = writer(req, 'vote');
        await pb.community.limiter.consume(`dismiss:user:${v.id}`, pb.config.limitVotesPerHour, 3600, 'You are dismissing papers too fast.');
        const view = await pb.papers.get(req.params.id);
        const changed = method === 'POST' ? await pb.recs.dismiss(v.id, view.paper.id) : await pb.recs.undismiss(v.id, view.paper.id);
        return { id: view.paper.arxivId, dismissed: method === 'POST', changed };
      },
    });
  }

  app.get<{ Params: PaperIdParams; Querystring: MoreLikeThisQuery }>(
    '/api/papers/:id/more-like-this',
    {
      schema: {
        params: PaperIdParams,
        querystring: MoreLikeThisQuery,
        tags: ['for you'],
        summary: 'Papers like this one, ranked by a model with this paper as its only positive',
        response: { 200: RecsResponse, 404: ApiErr },
      },
    },
    async (req, reply) => {
      const view = await pb.papers.get(req.params.id);
      const items = await pb.recs.moreLikeThis(view.paper.id, req.query.limit ?? 10);
      reply.header('Cache-Control', 'public, max-age=300');
      return items.map(recJson);
    },
  );

  app.post(
    '/api/me/feed-token',
    {
      schema: {
        tags: ['for you'],
        summary: 'A new private feed token for your For you list (earlier ones stop working)',
        description: 'The token is shown once. Feeds: /feeds/for-you/<token>.atom or .rss. DELETE revokes every token.',
        security,
        response: { 201: Type.Object({ token: Type.String(), atom: Type.String(), rss: Type.String() }), ...writeErrors },
      },
    },
    async (req, reply) => {
      const v = writer(req, 'read');
      const token = await pb.recs.newFeedToken(v.id);
      const base = pb.config.publicUrl;
      return reply.code(201).send({ token, atom: `${base}/feeds/for-you/${token}.atom`, rss: `${base}/feeds/for-you/${token}.rss` });
    },
  );

  app.delete(
    '/api/me/feed-token',
    {
      schema: {
        tags: ['for you'],
        summary: 'Revoke your For you feed tokens',
        security,
        response: { 200: Type.Object({ revoked: Type.Integer() }), ...writeErrors },
      },
    },
    async (req) => {
      const v = writer(req, 'read');
      return { revoked: await pb.recs.revokeFeedTokens(v.id) };
    },
  );
}
