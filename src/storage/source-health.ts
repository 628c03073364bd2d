// Sync health of the paper sources: what the ingest jobs record after each attempt, and the reads
// of `jobs status`, the admin page, /metrics and the daily page (with the next attempt taken from
// the job queue).
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { SourceHealthTable } from './schema-ops.ts';
import { nowIso } from './dialect.ts';

export type SourceHealthRow = Selectable<SourceHealthTable>;

export class SourceHealthStore {
  constructor(private readonly db: Kysely<Database>) {}

  async succeeded(source: string, at = nowIso()): Promise<void> {
    await this.db
      .insertInto('source_health')
      .values({ source, last_success_at: at, last_error_at: null, last_error: null, failing_since: null, failures: 0, updated_at: at })
      .onConflict((oc) => oc.column('source').doUpdateSet({ last_success_at: at, failing_since: null, failures: 0, updated_at: at }))
      .execute();
  }

  async failed(source: string, error: string, at = nowIso()): Promise<void> {
    const message = error.split('\n')[0].slice(0, 500);
    await this.db
      .insertInto('source_health')
      .values({ source, last_success_at: null, last_error_at: at, last_error: message, failing_since: at, failures: 1, updated_at: at })
      .onConflict((oc) =>
        oc.column('source').doUpdateSet((eb) => ({
          last_error_at: at,
          last_error: message,
          failing_since: sql<string>`coalesce(${eb.ref('source_health.failing_since')}, ${at})`,
          failures: eb(eb.ref('source_health.failures'), '+', 1),
          updated_at: at,
        })),
      )
      .execute();
  }

  async all(): Promise<SourceHealthRow[]> {
    return this.db.selectFrom('source_health').selectAll().orderBy('source').execute();
  }

  /** The earliest run_at of a queued job of each name (the next attempt the queue holds). */
  async nextQueued(names: string[]): Promise<Map<string, string>> {
    if (!names.length) return new Map();
    const rows = await this.db
      .selectFrom('jobs')
      .select(['name', sql<string>`min(run_at)`.as('run_at')])
      .where('status', '=', 'queued')
      .where('name', 'in', names)
      .groupBy('name')
      .execute();
    return new Map(rows.map((r) => [r.name, r.run_at]));
  }
}
