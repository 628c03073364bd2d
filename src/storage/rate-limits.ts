// The counters of the rate limiter (src/services/rate-limit.ts): one row per (key, window start).
// Each hit is one atomic upsert that increments and returns the count, so concurrent hits from
// several processes never lose a count (on PostgreSQL too).
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';

export class RateLimitStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Counts one hit in the window starting at `windowStart`; returns the hits so far, this one included. */
  async hit(key: string, windowStart: string, expiresAt: string): Promise<number> {
    const row = await this.db
      .insertInto('rate_limits')
      .values({ key, window_start: windowStart, hits: 1, expires_at: expiresAt })
      .onConflict((oc) => oc.columns(['key', 'window_start']).doUpdateSet({ hits: sql<number>`rate_limits.hits + 1` }))
      .returning('hits')
      .executeTakeFirstOrThrow();
    return Number(row.hits);
  }

  /** Deletes windows that ended before `now`; returns how many rows went. */
  async purge(now: string): Promise<number> {
    const r = await this.db.deleteFrom('rate_limits').where('expires_at', '<', now).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }
}
