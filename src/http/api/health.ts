// Liveness: the process answers and its database responds.
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.ts';
import { ping } from '../../storage/db.ts';

export function healthRoutes(app: FastifyInstance, ctx: HttpContext) {
  app.get('/healthz', async (_req, reply) => {
    try {
      await ping(ctx.pb.db);
      return reply.header('Cache-Control', 'no-store').send({ status: 'ok', database: 'ok', dialect: ctx.pb.db.dialect });
    } catch (err) {
      return reply.code(503).header('Cache-Control', 'no-store').send({ status: 'error', database: 'down', error: (err as Error).message });
    }
  });
}
