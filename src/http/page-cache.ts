// A micro-cache of anonymous GET responses: the same page for every visitor without cookies is
// rendered once per PAPERBOY_PAGE_CACHE_SECONDS instead of once per request, as a reverse proxy's
// micro-cache would do. Only what is the same for everyone is kept: requests without a cookie or an
// Authorization header, answers 200 with no Set-Cookie and no "private"/"no-store". A write through
// this process (a POST, PUT, PATCH or DELETE to a route that exists, by a signed-in viewer: only they
// can change what anonymous visitors see) empties it when its handler starts and again before its
// answer is sent, and a page rendered while a write was running is not kept; other processes' writes
// show within the TTL. An anonymous POST (sign-in, subscribe, or a 404) leaves it alone, so nobody can
// empty the cache at will.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

interface Entry {
  at: number;
  body: string | Buffer;
  headers: Record<string, string>;
  bytes: number;
}

/** Paths that must always be answered live (probes, metrics, sign-in flows). */
const LIVE = /^\/(healthz|readyz|metrics|auth\/|signin|signout|unsubscribe|subscribe\/)/;
/** Headers that belong to one response, not to the page. */
const OWN = new Set(['set-cookie', 'content-length', 'x-request-id', 'date', 'etag', 'connection', 'transfer-encoding', 'content-encoding', 'x-cache']);

export interface PageCacheOptions {
  ttlMs: number;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;
  /** Bumped by every invalidate(): an answer rendered under an older generation is not kept. */
  generation = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly opts: PageCacheOptions) {}

  /** The cache key of a request, or undefined when its answer may differ per visitor. */
  keyOf(req: FastifyRequest): string | undefined {
    if (this.opts.ttlMs <= 0 || req.method !== 'GET') return undefined;
    if (req.headers.cookie || req.headers.authorization) return undefined;
    if (LIVE.test(req.url)) return undefined;
    // Errors and some answers depend on what the client accepts.
    const accept = String(req.headers.accept ?? '');
    const json = accept.includes('application/json') ? 'j' : accept.includes('markdown') ? 'm' : 'h';
    return `${json} ${req.url}`;
  }

  get(key: string): Entry | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if ((this.opts.now ?? Date.now)() - e.at >= this.opts.ttlMs) {
      this.delete(key);
      return undefined;
    }
    // Most recently used last.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e;
  }

  set(key: string, body: string | Buffer, headers: Record<string, string>): void {
    const bytes = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
    const maxBytes = this.opts.maxBytes ?? 64 * 2 ** 20;
    if (bytes > maxBytes / 16) return;
    this.delete(key);
    this.entries.set(key, { at: (this.opts.now ?? Date.now)(), body, headers, bytes });
    this.bytes += bytes;
    const maxEntries = this.opts.maxEntries ?? 2000;
    for (const k of this.entries.keys()) {
      if (this.entries.size <= maxEntries && this.bytes <= maxBytes) break;
      this.delete(k);
    }
  }

  /** Empties the cache and refuses the answers being rendered now (they may predate a write). */
  invalidate(): void {
    this.generation++;
    this.entries.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private delete(key: string): void {
    const e = this.entries.get(key);
    if (!e) return;
    this.bytes -= e.bytes;
    this.entries.delete(key);
  }
}

const KEY = Symbol('pageCacheKey');
const BODY = Symbol('pageCacheBody');
const GENERATION = Symbol('pageCacheGeneration');
type Keyed = FastifyRequest & { [KEY]?: string; [BODY]?: string | Buffer; [GENERATION]?: number };

const isWrite = (method: string): boolean => method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
const WRITING = Symbol('pageCacheWriting');
/** A write that may change shared pages: by a signed-in viewer (session or token), to a route that exists. */
const sharedWrite = (req: FastifyRequest): boolean =>
  isWrite(req.method) && !!(req as { viewer?: unknown }).viewer && req.routeOptions.url !== undefined;

function cacheable(reply: FastifyReply): boolean {
  if (reply.statusCode !== 200 || reply.hasHeader('set-cookie')) return false;
  if (/private|no-store/i.test(String(reply.getHeader('cache-control') ?? ''))) return false;
  return /^(text\/html|application\/(json|rss\+xml|atom\+xml|xml))/.test(String(reply.getHeader('content-type') ?? ''));
}

/**
 * Stores answers: its onSend hook is registered before the others (compression, ETag, feed links), so
 * it keeps the payload as the route produced it and a hit goes through those hooks like a fresh answer.
 */
export function installPageCacheStore(app: FastifyInstance, cache: PageCache): void {
  // preHandler: after the onRequest hooks that find the viewer, before the handler writes.
  app.addHook('preHandler', async (req) => {
    if (!sharedWrite(req)) return;
    (req as Keyed & { [WRITING]?: boolean })[WRITING] = true;
    cache.invalidate();
  });
  app.addHook('onSend', async (req, reply, payload) => {
    // The write has committed; its client may ask again as soon as it has this answer.
    if ((req as Keyed & { [WRITING]?: boolean })[WRITING]) cache.invalidate();
    const r = req as Keyed;
    if (r[KEY] && reply.getHeader('x-cache') === 'miss' && (typeof payload === 'string' || Buffer.isBuffer(payload))) r[BODY] = payload;
    return payload;
  });
  // Kept once the answer is final: cookies are only written into the headers by a later onSend hook.
  app.addHook('onResponse', async (req, reply) => {
    const r = req as Keyed;
    if (r[KEY] && r[BODY] !== undefined && r[GENERATION] === cache.generation && cacheable(reply)) {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(reply.getHeaders())) if (!OWN.has(k) && v !== undefined) headers[k] = String(v);
      cache.set(r[KEY], r[BODY], headers);
    }
  });
}

/** Answers from the cache in preHandler, after the security headers and the rate limiter (a route onRequest hook). */
export function installPageCacheServe(app: FastifyInstance, cache: PageCache): void {
  app.addHook('preHandler', async (req, reply) => {
    const key = cache.keyOf(req);
    if (!key) return;
    const hit = cache.get(key);
    if (!hit) {
      cache.misses++;
      (req as Keyed)[KEY] = key;
      (req as Keyed)[GENERATION] = cache.generation;
      reply.header('x-cache', 'miss');
      return;
    }
    cache.hits++;
    reply.headers(hit.headers).header('x-cache', 'hit').code(200).send(hit.body);
    return reply;
  });
}
