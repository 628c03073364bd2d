// The ingest log: one row per import or sync run, with its counts.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { nowIso } from './dialect.ts';

export interface IngestCounts {
  read: number;
  inserted: number;
  updated: number;
  skipped: number;
  errors: number;
}

export const emptyCounts = (): IngestCounts => ({ read: 0, inserted: 0, updated: 0, skipped: 0, errors: 0 });

export class IngestLogStore {
  constructor(private readonly db: Kysely<Database>) {}

  async start(source: string, target: string): Promise<number> {
    const r = await this.db
      .insertInto('ingest_log')
      .values({ source, target, started_at: nowIso(), status: 'running', read: 0, inserted: 0, updated: 0, skipped: 0, errors: 0, detail_json: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async finish(id: number, status: 'done' | 'failed', counts: IngestCounts, detail?: unknown): Promise<void> {
    await this.db
      .updateTable('ingest_log')
      .set({ ...counts, status, finished_at: nowIso(), detail_json: detail === undefined ? null : JSON.stringify(detail) })
      .where('id', '=', id)
      .execute();
  }

  async recent(limit = 20) {
    return this.db.selectFrom('ingest_log').selectAll().orderBy('id', 'desc').limit(limit).execute();
  }
}
