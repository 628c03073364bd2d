// The write API (personal tokens: `Authorization: Bearer pbt_…`): submit a paper, upvote and
// un-upvote, comment; plus the community's read endpoints (a collection, the trending ranking).
// Same services, rules and limits as the pages. A browser session may call it too, with the
// X-CSRF-Token header (community.js does).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.ts';
import { assertCsrf } from '../csrf.ts';
import { toHfPaper } from '../present/hf.ts';
import { commentJson } from '../present/comments.ts';
import { requireScope } from '../../services/accounts.ts';
import type { TokenScope } from '../../domain/token-scopes.ts';
import { isQueued, queuedMessage } from '../../services/submissions.ts';
import { requireViewer } from '../pages/community-session.ts';
import { CommentBody, EditCommentBody, NumericIdParams, PaperIdParams, SubmitBody, TrendingQuery, writeErrors, SubmitQueued } from './community.schema.ts';

const security = [{ bearerAuth: [] }];

export { commentJson };

export function communityApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;

  /** The caller, from the token (or a session plus CSRF header). */
  const writer = (req: FastifyRequest, scope: TokenScope) => {
    const v = requireViewer(req);
    if (v.via === 'session') assertCsrf(req, pb.secret);
    requireScope(v, scope);
    return v;
  };

  app.post<{ Body: SubmitBody }>(
    '/api/papers/submit',
    {
      schema: {
        body: SubmitBody,
        tags: ['community'],
        summary: "Submit a paper to today's daily list",
        security,
        response: { ...writeErrors, 202: SubmitQueued },
      },
    },
    async (req, reply) => {
      const v = writer(req, 'submit');
      const r = await c.submissions.submit(v, req.body.paper_id, req.body.comment, req.ip);
      // arXiv did not answer in time: the submission finishes in the background.
      if (isQueued(r)) return reply.code(202).send({ id: r.arxivId, queued: true, message: queuedMessage(r.arxivId, pb.config.submitMaxAgeDays) });
      const view = await pb.papers.get(r.paper.arxivId);
      return reply.code(201).send({
        paper: toHfPaper(view.paper),
        day: r.entry.day,
        submittedAt: r.entry.submittedAt,
        submittedBy: { name: v.username, fullname: v.displayName },
        comment: r.entry.comment,
        fetchedFromArxiv: r.fetched,
      });
    },
  );

  for (const method of ['POST', 'DELETE'] as const) {
    app.route<{ Params: PaperIdParams }>({
      method,
      url: '/api/papers/:id/upvote',
      schema: {
        params: PaperIdParams,
        tags: ['community'],
        summary: method === 'POST' ? 'Upvote a paper (409 when already upvoted)' : 'Remove your upvote (409 when there is none)',
        security,
        response: writeErrors,
      },
      handler: async (req) => {
        const v = writer(req, 'vote');
        const r = await c.votes.setStrict(v, req.params.id, method === 'POST', req.ip);
        return { id: r.arxivId, upvoted: r.upvoted, upvotes: r.upvotes };
      },
    });
  }

  app.post<{ Params: PaperIdParams; Body: CommentBody }>(
    '/api/papers/:id/comments',
    {
      schema: {
        params: PaperIdParams,
        body: CommentBody,
        tags: ['community'],
        summary: 'Comment on a paper (Markdown, math allowed)',
        security,
        response: writeErrors,
      },
    },
    async (req, reply) => {
      const v = writer(req, 'comment');
      const cm = await c.comments.add(v, req.params.id, { body: req.body.body, parentId: req.body.parent_id ?? null }, req.ip);
      return reply.code(201).send(commentJson(cm));
    },
  );

  app.patch<{ Params: NumericIdParams; Body: EditCommentBody }>(
    '/api/comments/:id',
    {
      schema: {
        params: NumericIdParams,
        body: EditCommentBody,
        tags: ['community'],
        summary: 'Edit your comment (within the edit window)',
        security,
        response: writeErrors,
      },
    },
    async (req) => {
      const v = writer(req, 'comment');
      return commentJson(await c.comments.edit(v, req.params.id, req.body.body, req.ip));
    },
  );

  app.delete<{ Params: NumericIdParams }>(
    '/api/comments/:id',
    {
      schema: { params: NumericIdParams, tags: ['community'], summary: 'Delete your comment (soft; curators may delete any)', security, response: writeErrors },
    },
    async (req, reply) => {
      const v = writer(req, 'comment');
      await c.comments.remove(v, req.params.id);
      return reply.code(204).send();
    },
  );

  app.get<{ Params: NumericIdParams }>(
    '/api/collections/:id',
    { schema: { params: NumericIdParams, tags: ['community'], summary: 'A public collection (private ones: only its owner)' } },
    async (req, reply) => {
      const col = await c.collections.get(req.params.id, req.viewer?.id);
      reply.header('Cache-Control', col.isPublic ? 'public, max-age=60' : 'private, no-cache');
      return {
        id: String(col.id),
        name: col.name,
        description: col.description,
        public: col.isPublic,
        owner: { name: col.owner.username, fullname: col.owner.displayName },
        createdAt: col.createdAt,
        updatedAt: col.updatedAt,
        papers: col.items.map((it) => ({ paper: toHfPaper(it.paper), note: it.note, addedAt: it.addedAt })),
      };
    },
  );

  app.get<{ Querystring: TrendingQuery }>(
    '/api/trending',
    { schema: { querystring: TrendingQuery, tags: ['community'], summary: 'Trending papers with their score and why' } },
    async (req, reply) => {
      const window = req.query.window ?? 'week';
      // The same list as /papers/trending: a quiet window is topped up from the newest lists, and says so.
      const { items, fallback } = await c.trending.listOrFallback(window, req.query.limit ?? 50);
      reply.header('Cache-Control', 'public, max-age=60');
      return {
        window,
        formula: c.trending.formula(),
        computedAt: items.find((it) => it.score > 0)?.computedAt ?? (await c.trending.computedAt(window)),
        fallback,
        papers: items.map((it) => ({
          rank: it.rank,
          score: it.score,
          why: it.why,
          signals: { upvotes: it.upvotes, comments: it.comments, starsGained: it.starsGained, ageHours: Math.round(it.ageHours * 10) / 10 },
          paper: toHfPaper(it.paper),
        })),
      };
    },
  );
}
