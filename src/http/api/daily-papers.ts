// GET /api/daily_papers: Hugging Face's daily papers endpoint, same parameters and shapes.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { DailyPapersQuery } from './daily-papers.schema.ts';
import { errorResponses } from './hf.schema.ts';
import { parsePeriod } from '../../services/papers.ts';
import { toHfDailyItem } from '../present/hf.ts';
import { cacheRead, linkNext, selfUrl } from './links.ts';
import type { ListedPaper } from '../../storage/daily.ts';

/**
 * HF's `sort=trending`: the weekly trending ranking whatever date, week or month was asked for (as
 * Hugging Face answers); before any ranking is computed, the last 7 listed days by upvotes.
 */
async function trendingPage(ctx: HttpContext, page: number, limit: number, submitter?: string): Promise<{ items: ListedPaper[]; more: boolean }> {
  const trending = ctx.pb.community.trending;
  if (submitter || !(await trending.computedAt('week'))) return ctx.pb.catalog.trendingRecent({ page, limit, submitter });
  const ranked = await trending.list('week', limit + 1, page * limit);
  const entries = await ctx.pb.stores.daily.forPapers(ranked.map((t) => t.paper.id));
  const items = ranked.slice(0, limit).map((t): ListedPaper => {
    const entry = entries.get(t.paper.id) ?? {
      id: 0,
      paperId: t.paper.id,
      day: (t.paper.publishedAt ?? '').slice(0, 10),
      source: 'arxiv',
      submittedAt: t.paper.publishedAt ?? t.paper.createdAt,
      submitter: null,
      sourceUpvotes: 0,
      sourceComments: 0,
      mediaUrls: [],
      thumbnailUrl: null,
      comment: null,
    };
    return { paper: t.paper, entry, upvotes: t.totalUpvotes, numComments: t.paper.numComments + entry.sourceComments };
  });
  return { items, more: ranked.length > limit };
}

export function dailyApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get<{ Querystring: DailyPapersQuery }>(
    '/api/daily_papers',
    {
      schema: {
        querystring: DailyPapersQuery,
        tags: ['papers'],
        summary: 'Daily papers (HF-compatible)',
        description:
          'The papers listed on a day, an ISO week or a month, as a bare JSON array in the shape of Hugging Face\'s `/api/daily_papers`. The next page, when there is one, is in the `Link` header (`rel="next"`).',
        response: { 200: Type.Array(Type.Ref('HfDailyItem'), { description: 'One page of the list' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const limit = q.limit ?? 50;
      const page = q.p ?? 0;
      // Malformed dates are a 400 even when trending ignores them.
      const period = parsePeriod(q);
      const list =
        q.sort === 'trending'
          ? await trendingPage(ctx, page, limit, q.submitter)
          : await ctx.pb.catalog.daily(period, { sort: q.sort ?? 'upvotes', page, limit, submitter: q.submitter });
      if (list.more) linkNext(reply, selfUrl(ctx.pb.config.publicUrl, req, { p: String(page + 1), limit: String(limit) }));
      cacheRead(reply, ctx.pb.config.apiCacheSeconds);
      const ai = await ctx.pb.agents.ai.forPapers(list.items.map((it) => it.paper.id));
      return list.items.map((it) => toHfDailyItem(it, { ai: ai.get(it.paper.id), base: ctx.pb.config.publicUrl }));
    },
  );
}
