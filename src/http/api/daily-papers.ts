// GET /api/daily_papers: Hugging Face's daily papers endpoint, same parameters and shapes.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.ts';
import { DailyPapersQuery } from './daily-papers.schema.ts';
import { parsePeriod } from '../../services/papers.ts';
import { toHfDailyItem } from '../present/hf.ts';

export function dailyApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get<{ Querystring: DailyPapersQuery }>(
    '/api/daily_papers',
    { schema: { querystring: DailyPapersQuery, tags: ['papers'], summary: 'Daily papers (HF-compatible)' } },
    async (req, reply) => {
      const q = req.query;
      const period = parsePeriod(q) ?? { kind: 'day' as const, day: await ctx.pb.papers.latestDay() };
      const limit = q.limit ?? 50;
      const page = q.p ?? 0;
      const list = await ctx.pb.papers.list(period, {
        limit,
        offset: page * limit,
        sort: q.sort === 'publishedAt' ? 'publishedAt' : 'upvotes',
        submitter: q.submitter,
      });
      if ((page + 1) * limit < list.total) {
        const next = new URL(req.url, ctx.pb.config.publicUrl);
        next.searchParams.set('p', String(page + 1));
        next.searchParams.set('limit', String(limit));
        reply.header('Link', `<${next.toString()}>; rel="next"`);
      }
      reply.header('Cache-Control', 'public, max-age=60');
      return list.items.map(toHfDailyItem);
    },
  );
}
