// The Fastify application: plugins, error handling, and every route module.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type {} from '@fastify/swagger'; // route schema fields: tags, summary, description
import compress from '@fastify/compress';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import etag from '@fastify/etag';
import cors from '@fastify/cors';
import { AppError, codeForStatus, errors, type ErrorCode } from '../domain/errors.ts';
import { isDatabaseOutage } from '../storage/outage.ts';
import { sha256 } from '../domain/hash.ts';
import type { Paperboy } from '../wiring.ts';
import { Assets } from './assets.ts';
import { createContext, type HttpContext } from './context.ts';
import { routeModules, type RouteModule } from './routes.ts';
import { errorPage } from './pages/errors.ts';
import { openApiRoutes, registerOpenApi } from './openapi.ts';
import { registerRateLimits } from './api/rate-limit.ts';
import { installPageCacheServe, installPageCacheStore, PageCache } from './page-cache.ts';
import { BODY_LIMIT, formBodyLimit, installInputLimits, requestId } from './limits.ts';
import { securityHeaders } from './security-headers.ts';

declare module 'fastify' {
  interface FastifyInstance {
    pageCache: PageCache;
  }
}

const isApi = (req: FastifyRequest) => req.url.startsWith('/api/') || req.url.startsWith('/feeds/');

export interface BuildOptions {
  /** Routes added after the standard ones (tests). */
  extraRoutes?: readonly RouteModule[];
}


/** An AppError as the API's JSON answer: { error, code } with the catalogue's status. */
function apiError(reply: FastifyReply, err: AppError) {
  return reply.code(err.status).send({ error: err.message, code: err.code });
}

export async function buildApp(pb: Paperboy, opts: BuildOptions = {}): Promise<{ app: FastifyInstance; ctx: HttpContext }> {
  const app: FastifyInstance = Fastify({
    loggerInstance: pb.log as FastifyBaseLogger,
    // A list, hop count or boolean; the cast only picks Fastify's HTTP/1 overload.
    trustProxy: pb.config.trustProxy as boolean,
    bodyLimit: BODY_LIMIT,
    // A client's X-Request-Id only when short and plain (src/http/limits.ts): it is logged.
    requestIdHeader: false,
    genReqId: requestId,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 300 },
  });
  // Each app has its own assets and context: two apps in one process share nothing.
  const assets = new Assets();
  const ctx = createContext(pb, assets);
  app.decorate('paperboy', ctx);

  const headers = securityHeaders(pb.config);
  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
    reply.headers(headers.all);
    // Every HTML page, including the API reference under /api/docs, refuses to be framed.
    reply.headers(!isApi(req) || req.url.startsWith('/api/docs') ? headers.pages : headers.api);
  });

  // The micro-cache keeps payloads as routes produce them: its onSend hook runs before all others.
  const pageCache = new PageCache({ ttlMs: pb.config.pageCacheSeconds * 1000 });
  app.decorate('pageCache', pageCache);
  installPageCacheStore(app, pageCache);

  await app.register(compress, { global: true, encodings: ['br', 'gzip'], threshold: 1024 });
  await app.register(etag, { weak: true });
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: formBodyLimit(pb.config) });
  installInputLimits(app, pb.config);
  // The read API and feeds are public: any origin may GET them, without credentials.
  await app.register(cors, {
    delegator: (req, cb) =>
      cb(null, isApi(req)
        ? { origin: '*', methods: ['GET', 'HEAD'], credentials: false, maxAge: 86400, exposedHeaders: ['Link', 'ETag', 'X-Request-Id', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'] }
        : { origin: false }),
  });
  // Before any route: the OpenAPI generator and the rate limiter both collect routes as they register.
  await registerOpenApi(app, ctx);
  // A valid personal token gets its own bucket.
  await registerRateLimits(app, pb.config, async (token) => {
    const v = await pb.community.accounts.tokenViewer(token);
    return v ? `user:${v.id}:${sha256(token).slice(0, 12)}` : null;
  });
  installPageCacheServe(app, pageCache);
  // API routes by path pattern, to tell "wrong method" (405) from "no such path" (404).
  const apiRoutes: { re: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (r) => {
    if (!isApi({ url: r.url } as FastifyRequest) || r.url.includes('*')) return;
    const re = new RegExp(`^${r.url.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:\w+/g, '[^/]+')}/?$`);
    apiRoutes.push({ re, methods: ([] as string[]).concat(r.method) });
  });

  app.setErrorHandler((err, req, reply) => {
    const e = err as Error & { statusCode?: number; validation?: unknown; code?: string };
    let status = 500;
    let code: ErrorCode = 'internal';
    let message = 'Something went wrong on our side.';
    if (err instanceof AppError) {
      status = err.status;
      code = err.code;
      message = err.message;
      const retry = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
      if (status === 429 && retry) reply.header('Retry-After', String(retry));
    } else if (e.validation) {
      status = 400;
      code = 'bad_request';
      message = e.message;
    } else if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      code = codeForStatus(status);
      message = e.message;
    } else if (isDatabaseOutage(err)) {
      status = 503;
      code = 'unavailable';
      message = 'The database is unavailable; try again shortly.';
      reply.header('Retry-After', '5');
    }
    if (status >= 500) req.log.error({ err }, 'request failed');
    if (isApi(req) || String(req.headers.accept ?? '').includes('application/json') && !String(req.headers.accept).includes('text/html')) {
      return reply.code(status).type('application/json; charset=utf-8').send({ error: message, code });
    }
    return errorPage(ctx, req, reply, status, message);
  });

  app.setNotFoundHandler((req, reply) => {
    if (isApi(req)) {
      const path = req.url.split('?')[0];
      const allowed = [...new Set(apiRoutes.filter((r) => r.re.test(path)).flatMap((r) => r.methods))];
      if (allowed.length)
        return apiError(reply.header('Allow', allowed.join(', ')), errors.methodNotAllowed(`${req.method} is not allowed on ${path}; use ${allowed.join(' or ')}.`));
      return apiError(reply, errors.notFound(`No route ${req.method} ${path}.`));
    }
    return errorPage(ctx, req, reply, 404, 'There is no page at this address.');
  });

  assets.register(app);
  for (const mod of [...routeModules, ...(opts.extraRoutes ?? [])]) await mod(app, ctx);
  openApiRoutes(app, ctx);
  return { app, ctx };
}
