// Read-only totals of the whole instance for /metrics and the CLI: the jobs table by name and
// status, a job's state, and the ingest log per source. (The queue itself is src/jobs/queue.ts.)
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { IngestCounts } from './ingest-log.ts';

export class InstanceStatsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async jobsByNameAndStatus(): Promise<{ name: string; status: string; n: number }[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['name', 'status', sql<number>`count(*)`.as('n')])
      .groupBy(['name', 'status'])
      .execute();
    return rows.map((r) => ({ name: r.name, status: r.status, n: Number(r.n) }));
  }

  /** One job's state, or undefined when there is no such job. */
  async job(id: number): Promise<{ id: number; status: string; lockedBy: string | null; lastError: string | null } | undefined> {
    const r = await this.db.selectFrom('jobs').select(['id', 'status', 'locked_by', 'last_error']).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, status: r.status, lockedBy: r.locked_by, lastError: r.last_error };
  }

  /** The ingest log summed per source. */
  async ingestTotals(): Promise<({ source: string } & IngestCounts)[]> {
    const rows = await this.db
      .selectFrom('ingest_log')
      .select([
        'source',
        sql<number>`sum("read")`.as('read'),
        sql<number>`sum(inserted)`.as('inserted'),
        sql<number>`sum(updated)`.as('updated'),
        sql<number>`sum(skipped)`.as('skipped'),
        sql<number>`sum(errors)`.as('errors'),
      ])
      .groupBy('source')
      .execute();
    return rows.map((r) => ({
      source: r.source,
      read: Number(r.read ?? 0),
      inserted: Number(r.inserted ?? 0),
      updated: Number(r.updated ?? 0),
      skipped: Number(r.skipped ?? 0),
      errors: Number(r.errors ?? 0),
    }));
  }
}
