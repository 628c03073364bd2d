// A rate limiter backed by the database, so every web process and worker shares the same
// counters (on PostgreSQL too). Fixed windows: one row per (key, window start); each hit is
// one atomic upsert that increments and returns the count, so concurrent hits never lose a count.
//
//   const limiter = new RateLimiter(pb.db.kysely);
//   await limiter.consume(`subscribe:ip:${req.ip}`, 10, 3600, 'Too many subscriptions from your network.');
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
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
    private readonly db: Kysely<Database>,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Counts one hit against `key` and says whether it is within `limit` per `windowSeconds`. */
  async hit(key: string, limit: number, windowSeconds: number): Promise<RateDecision> {
    const t = this.now().getTime();
    const size = windowSeconds * 1000;
    const start = Math.floor(t / size) * size;
    const end = start + size;
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: new Date(start).toISOString(), hits: 1, expires_at: new Date(end).toISOString() })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql<number>`rate_limits.hits + 1` }))
      .returning('hits')
      .executeTakeFirstOrThrow();
    const count = Number(row.hits);
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
    const r = await this.db.deleteFrom('rate_limits').where('expires_at', '<', this.now().toISOString()).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }
}

export function humanSeconds(s: number): string {
  if (s < 90) return `${s} second${s === 1 ? '' : 's'}`;
  const m = Math.ceil(s / 60);
  return m < 90 ? `${m} minutes` : `${Math.ceil(m / 60)} hours`;
}
