// Paging links and cache headers shared by the read API.
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Absolute URL of this request with some query parameters replaced (for Link: rel="next"). */
export function selfUrl(base: string, req: FastifyRequest, set: Record<string, string>): string {
  const u = new URL(req.url, base);
  for (const [k, v] of Object.entries(set)) u.searchParams.set(k, v);
  return u.toString();
}

export function linkNext(reply: FastifyReply, url: string): void {
  reply.header('Link', `<${url}>; rel="next"`);
}

/** Public, shared-cacheable read; clients revalidate with the ETag after max-age. */
export function cacheRead(reply: FastifyReply, seconds: number): void {
  reply.header('Cache-Control', `public, max-age=${seconds}`);
}
