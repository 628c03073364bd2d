// Settings of the public API and feeds: rate limits and cache lifetimes. src/config/index.ts merges every area.
import { parsers, setting } from './table.ts';

export const api = {
  apiRateLimitPerIp: setting({
    env: 'PAPERBOY_API_RATE_LIMIT_IP',
    default: '300',
    parse: parsers.int(1, 1_000_000),
    doc: 'Requests to /api and /feeds one client IP may make per window without a token (then 429 + Retry-After).',
  }),
  apiRateLimitPerToken: setting({
    env: 'PAPERBOY_API_RATE_LIMIT_TOKEN',
    default: '1200',
    parse: parsers.int(1, 1_000_000),
    doc: 'Requests to /api and /feeds per window for a request carrying a valid personal API token (counted per token).',
  }),
  apiRateLimitWindowSeconds: setting({
    env: 'PAPERBOY_API_RATE_LIMIT_WINDOW',
    default: '60',
    parse: parsers.int(1, 86_400),
    doc: 'Length in seconds of the rate-limit window of /api and /feeds.',
  }),
  apiCacheSeconds: setting({
    env: 'PAPERBOY_API_CACHE_SECONDS',
    default: '60',
    parse: parsers.int(0, 86_400),
    doc: 'max-age of read API responses (Cache-Control); clients revalidate with ETag / If-None-Match.',
  }),
  pageCacheSeconds: setting({
    env: 'PAPERBOY_PAGE_CACHE_SECONDS',
    default: '2',
    parse: parsers.int(0, 3600),
    doc: 'Seconds a web process reuses a rendered anonymous GET answer (no cookie, no token) before rendering it again; 0 turns the micro-cache off. Writes through the same process empty it.',
  }),
  feedCacheSeconds: setting({
    env: 'PAPERBOY_FEED_CACHE_SECONDS',
    default: '300',
    parse: parsers.int(0, 86_400),
    doc: 'max-age of RSS and Atom feeds (Cache-Control).',
  }),
  feedItems: setting({
    env: 'PAPERBOY_FEED_ITEMS',
    default: '50',
    parse: parsers.int(1, 500),
    doc: 'Number of items in each RSS / Atom feed.',
  }),
  trustProxy: setting({
    env: 'PAPERBOY_TRUST_PROXY',
    default: 'loopback',
    parse: (raw: string): boolean | number | string => {
      const v = raw.trim();
      if (v === 'true' || v === 'false') return v === 'true';
      if (/^\d+$/.test(v)) return Number(v);
      if (!v) throw new Error('must be true, false, a hop count or a list of addresses/CIDRs');
      return v;
    },
    doc: 'Which proxies may set X-Forwarded-For (the client IP used for rate limits and logs): addresses/CIDRs or loopback/linklocal/uniquelocal, a hop count, true (any: only behind a proxy that strips the header) or false.',
  }),
};
