// Rate limits of /api and /feeds: per personal API token when the request carries a valid one,
// else per client IP. Headers follow the IETF draft (RateLimit-Limit / -Remaining / -Reset);
// over the limit: 429 with Retry-After and the usual JSON error.
import { sha256 } from '../../domain/hash.ts';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import { errors } from '../../domain/errors.ts';
import type { Config } from '../../config/index.ts';

/**
 * Resolves a bearer token to a stable identity (e.g. the token's id), or null when it is not a
 * valid token. Only valid tokens get their own bucket, so inventing tokens cannot escape the
 * per-IP limit. Passed in by the app (src/http/app.ts): nothing is set from elsewhere.
 */
export type TokenIdentity = (token: string, req: FastifyRequest) => Promise<string | null>;

export const isLimitedPath = (url: string) =>
  // The search page runs the same costly query as /api/search: it shares the per-client budget; so does the MCP endpoint.
  url.startsWith('/api/') ||
  url.startsWith('/feeds/') ||
  url === '/search' ||
  url.startsWith('/search?') ||
  url.startsWith('/search/') ||
  url === '/mcp' ||
  url.startsWith('/mcp?');

function bearer(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  const m = typeof h === 'string' ? h.match(/^Bearer\s+(\S{8,512})$/i) : null;
  return m?.[1];
}

export async function registerRateLimits(app: FastifyInstance, cfg: Config, identity?: TokenIdentity): Promise<void> {
  await app.register(rateLimit, {
    // One bucket per client across every route (per-route configs would each get their own);
    // pages, assets, the docs and the OpenAPI document are not counted.
    global: true,
    allowList: (req) => !isLimitedPath(req.url) || req.url.startsWith('/api/docs') || req.url.startsWith('/api/openapi.json'),
    enableDraftSpec: true,
    timeWindow: cfg.apiRateLimitWindowSeconds * 1000,
    async keyGenerator(req) {
      const token = bearer(req);
      if (token && identity) {
        const who = await identity(token, req);
        if (who) return `token:${sha256(who, 'base64url').slice(0, 22)}`;
      }
      return `ip:${normalizeIP(req.ip, 64)}`;
    },
    max: async (_req, key) => (key.startsWith('token:') ? cfg.apiRateLimitPerToken : cfg.apiRateLimitPerIp),
    errorResponseBuilder: (_req, c) => errors.rateLimited(`Too many requests: at most ${c.max} per ${cfg.apiRateLimitWindowSeconds} s. Try again in ${c.after}.`, Math.ceil(c.ttl / 1000)),
  });
}
