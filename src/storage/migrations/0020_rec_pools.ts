// "For you": the candidate pools the worker precomputes (src/recs/pool.ts), one encoded inverted
// index per window (day, week, month) and version, cut into parts of at most 1 MB so a web process
// reads a pool a part at a time between other requests. The current version of each window is named
// in the kv table (`recs.pool.<window>`); older versions are deleted once a newer one is named.
import type { Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rec_pool_parts')
    .addColumn('pool', 'text', (c) => c.notNull())
    .addColumn('part', 'integer', (c) => c.notNull())
    .addColumn('data', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('rec_pool_parts_pk', ['pool', 'part'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
