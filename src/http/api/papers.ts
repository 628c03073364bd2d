// GET /api/papers/:id — one paper in HF's shape.
import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { toHfPaper } from '../present/hf.ts';

export function paperApiRoutes(app: FastifyInstance, ctx: HttpContext) {
  const one = async (id: string) => {
    const v = await ctx.pb.papers.get(id);
    return toHfPaper(v.paper, v.upvotes);
  };
  app.get<{ Params: { id: string } }>(
    '/api/papers/:id',
    { schema: { params: Type.Object({ id: Type.String({ maxLength: 300 }) }), tags: ['papers'], summary: 'One paper' } },
    async (req, reply) => {
      reply.header('Cache-Control', 'public, max-age=60');
      return one(req.params.id);
    },
  );
  app.get<{ Params: { archive: string; num: string } }>('/api/papers/:archive/:num', async (req) => one(`${req.params.archive}/${req.params.num}`));
}
