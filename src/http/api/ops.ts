// Operations endpoints: /readyz (may this process take traffic?) and /metrics (Prometheus text),
// plus a global hook timing every request for the latency histogram.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../context.ts';
import { readiness } from '../../ops/readiness.ts';
import { metricsAllowed, renderMetrics } from '../../ops/collect.ts';
import { CONTENT_TYPE, httpRequestDuration } from '../../ops/metrics.ts';

export function opsRoutes(app: FastifyInstance, ctx: HttpContext) {
  const ready = async (_req: FastifyRequest, reply: FastifyReply) => {
    const r = await readiness(ctx.pb);
    return reply
      .code(r.ready ? 200 : 503)
      .header('Cache-Control', 'no-store')
      .send({ status: r.ready ? 'ready' : 'not_ready', checks: r.checks });
  };
  const scrape = async (req: FastifyRequest, reply: FastifyReply) => {
    if (!metricsAllowed(ctx.pb.config.metricsToken, req.headers.authorization)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer').send({ error: 'A metrics token is required.', code: 'unauthorized' });
    }
    return reply.header('Cache-Control', 'no-store').type(CONTENT_TYPE).send(await renderMetrics(ctx.pb));
  };

  // Probes answer before any later hook (session and API-token lookup, rate limits): a load balancer's
  // check must not depend on, or be refused by, per-user machinery, and the scraper's bearer token is
  // the metrics token, not a user's API token. This module is registered before the feature modules.
  app.addHook('onRequest', async (req, reply) => {
    if (req.method !== 'GET') return;
    const path = req.url.split('?')[0];
    if (path === '/readyz') return ready(req, reply);
    if (path === '/metrics') return scrape(req, reply);
  });

  // The route pattern (not the URL) keeps the label set small: /papers/:id, not one series per paper.
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    httpRequestDuration.observe(
      { route, method: req.method, status: `${Math.floor(reply.statusCode / 100)}xx` },
      reply.elapsedTime / 1000,
    );
  });

  app.get('/readyz', { schema: { hide: true } }, ready);
  app.get('/metrics', { schema: { hide: true } }, scrape);
}
