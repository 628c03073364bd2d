// GET /api/papers/:id (one paper in HF's shape), /api/papers (all papers, cursor-paged),
// /api/authors/:name/papers.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { toHfPaper } from '../present/hf.ts';
import { commentJson } from '../present/comments.ts';
import { errorResponses } from './hf.schema.ts';
import { AuthorParams, OldPaperParams, PageQuery, PaperParams, PaperQuery, PapersQuery } from './papers.schema.ts';
import { cacheRead, linkNext, selfUrl } from './links.ts';

export function paperApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  const one = async (req: FastifyRequest, id: string, field?: string) => {
    const v = await ctx.pb.papers.get(id);
    const out = toHfPaper(v.paper, await ctx.pb.agents.ai.forPaper(v.paper.id));
    if (field === 'comments') return { ...out, comments: (await ctx.pb.community.comments.forPaper(v.paper.id)).map(commentJson) };
    return out;
  };
  const paperSchema = {
    querystring: PaperQuery,
    tags: ['papers'],
    response: { 200: Type.Ref('HfPaper', { description: 'The paper' }), ...errorResponses },
  };

  app.get<{ Params: PaperParams; Querystring: PaperQuery }>(
    '/api/papers/:id',
    {
      schema: {
        ...paperSchema,
        params: PaperParams,
        summary: 'One paper',
        description: 'A paper in the shape of Hugging Face\'s `/api/papers/{id}`; `?field=comments` adds its comments.',
      },
    },
    async (req, reply) => {
      cacheRead(reply, ctx.pb.config.apiCacheSeconds);
      return one(req, req.params.id, req.query.field);
    },
  );

  // Old-style ids have a slash: hep-th/9901001.
  app.get<{ Params: OldPaperParams; Querystring: PaperQuery }>(
    '/api/papers/:archive/:num',
    { schema: { ...paperSchema, params: OldPaperParams, summary: 'One paper with an old-style id (archive/number)' } },
    async (req, reply) => {
      cacheRead(reply, ctx.pb.config.apiCacheSeconds);
      return one(req, `${req.params.archive}/${req.params.num}`, req.query.field);
    },
  );

  app.get<{ Querystring: PapersQuery }>(
    '/api/papers',
    {
      schema: {
        querystring: PapersQuery,
        tags: ['papers'],
        summary: 'All papers, newest publication first',
        description:
          'Every paper on the instance ordered by first publication (then id), cursor-paged: follow the `Link` header (`rel="next"`) until it is absent. The cursor is opaque; a malformed one is a 400.',
        response: { 200: Type.Array(Type.Ref('HfPaper'), { description: 'One page of papers' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const limit = req.query.limit ?? 50;
      const page = await ctx.pb.catalog.allPapers(req.query.cursor, limit);
      if (page.next) linkNext(reply, selfUrl(ctx.pb.config.publicUrl, req, { cursor: page.next, limit: String(limit) }));
      cacheRead(reply, ctx.pb.config.apiCacheSeconds);
      return page.items.map((p) => toHfPaper(p));
    },
  );

  app.get<{ Params: AuthorParams; Querystring: PageQuery }>(
    '/api/authors/:name/papers',
    {
      schema: {
        params: AuthorParams,
        querystring: PageQuery,
        tags: ['authors'],
        summary: 'Papers by an author, newest first',
        description: 'Paged with `p` and `limit`; the next page is in the `Link` header. 404 when no paper has this author.',
        response: { 200: Type.Array(Type.Ref('HfPaper'), { description: 'One page of papers' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const limit = req.query.limit ?? 50;
      const page = req.query.p ?? 0;
      const r = await ctx.pb.catalog.authorPapers(req.params.name, page, limit);
      if (r.more) linkNext(reply, selfUrl(ctx.pb.config.publicUrl, req, { p: String(page + 1), limit: String(limit) }));
      cacheRead(reply, ctx.pb.config.apiCacheSeconds);
      return r.items.map((p) => toHfPaper(p));
    },
  );
}
