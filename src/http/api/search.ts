// GET /api/papers/search (HF's shape: an array of { paper }) and GET /api/papers/:id/similar.
// When semantic search is unavailable the answer says so in X-Search-Mode / X-Search-Fallback.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { toHfPaper, toHfSearchItem } from '../present/hf.ts';
import { snippetHtml } from '../../search/text.ts';
import { errors } from '../../domain/errors.ts';
import { errorResponses } from './hf.schema.ts';
import { SearchQuery, SimilarQuery } from './search.schema.ts';

export function searchApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  // Start catching the vector index replica up now rather than on the first query.
  void ctx.pb.search.replica().catch(() => {});

  app.get<{ Querystring: SearchQuery }>(
    '/api/papers/search',
    {
      schema: {
        querystring: SearchQuery,
        tags: ['papers'],
        summary: 'Search papers (hybrid lexical + semantic)',
        description:
          'Items in the shape of Hugging Face\'s `/api/papers/search`: `paper`, and `title`, `summary`, `publishedAt`, `thumbnail`, `numComments` at the top level too, plus `highlights` (HTML-escaped title and abstract excerpt with the matched words in `<mark>`).',
        response: { 200: Type.Array(Type.Ref('HfSearchItem'), { description: 'One page of hits' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query.q.trim();
      if (!q) throw errors.badRequest('q must not be empty.');
      const limit = req.query.limit ?? 50;
      const r = await ctx.pb.search.search({
        q,
        limit,
        offset: (req.query.p ?? 0) * limit,
        sort: req.query.sort,
        mode: req.query.mode,
        filters: { from: req.query.from, to: req.query.to, category: req.query.category, hasCode: req.query.hasCode },
        // The highlights of HF's shape: an abstract excerpt around the matches.
        snippets: true,
      });
      reply.header('X-Search-Mode', r.mode);
      // "Did you mean": percent-encoded, since a header carries ASCII only.
      if (r.suggestion) reply.header('X-Search-Suggestion', encodeURIComponent(r.suggestion));
      if (r.fallback) reply.header('X-Search-Fallback', `lexical only: ${r.fallback}`.replace(/[^\x20-\x7e]/g, '?'));
      const ai = await ctx.pb.agents.ai.forPapers(r.hits.map((h) => h.paper.id));
      const base = ctx.pb.config.publicUrl;
      return r.hits.map((h) =>
        toHfSearchItem(h, { ai: ai.get(h.paper.id), base, highlightedTitle: snippetHtml(h.paper.title, q, h.paper.title.length + 20) }),
      );
    },
  );

  app.get<{ Params: { id: string }; Querystring: SimilarQuery }>(
    '/api/papers/:id/similar',
    {
      schema: { params: Type.Object({ id: Type.String({ maxLength: 300 }) }), querystring: SimilarQuery, tags: ['papers'], summary: 'Papers similar to one' },
    },
    async (req) => {
      const v = await ctx.pb.papers.get(req.params.id);
      const similar = await ctx.pb.search.similar(v.paper.id, req.query.limit ?? 10);
      return similar.map((p) => ({ paper: toHfPaper(p) }));
    },
  );
}
