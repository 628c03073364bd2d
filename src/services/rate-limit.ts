// The one rate limiter of writes (votes, comments, submissions, sign-in mails, digest subscribe
// requests), backed by the database so every web process and worker shares the same counters
// (src/storage/rate-limits.ts). Fixed windows.
//
//   await pb.community.limiter.consume(`subscribe:${hash}`, 10, 3600, 'Too many subscriptions from your network.');
//
// (The read API's per-process limit is @fastify/rate-limit in src/http/api/rate-limit.ts: no database
// write per read.)
import type { RateLimitStore } from '../storage/rate-limits.ts';
import { errors } from '../domain/errors.ts';

export interface RateDecision {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  count: number;
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  retryAfterSeconds: number;
}

export class RateLimiter {
  constructor(
    private readonly store: RateLimitStore,
    private readonly now: () => Date,
  ) {}

  /** Counts one hit against `key` and says whether it is within `limit` per `windowSeconds`. */
  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const t = this.now().getTime();
    const size = windowSeconds * 1000;
    const start = Math.floor(t / size) * size;
    const end = start + size;
    const count = await this.store.hit(key, new Date(start).toISOString(), new Date(end).toISOString());
    return {
      allowed: count <= limit,
      count,
      limit,
      remaining: Math.max(0, limit - count),
      retryAfterSeconds: Math.max(1, Math.ceil((end - t) / 1000)),
    };
  }

  /** Like hit(), but throws a 429 AppError (with Retry-After) when over the limit. */
  async consume(key: string, limit: number, windowSeconds: number, message: string): Promise<RateDecision> {
    const d = await this.hit(key, limit, windowSeconds);
    if (!d.allowed) throw errors.rateLimited(`${message} Try again in ${humanSeconds(d.retryAfterSeconds)}.`, d.retryAfterSeconds);
    return d;
  }

  /** Deletes finished windows; returns how many rows went. */
  async purge(): Promise<number> {
    return this.store.purge(this.now().toISOString());
  }
}

export function humanSeconds(s: number): string {
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return m < 90 ? `${m} minutes` : `${Math.ceil(m / 60)} hours`;
}
