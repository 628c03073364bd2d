// Sync health: per paper source, the last success, the last error and since when it fails, written
// by the ingest jobs and read by `jobs status`, the admin page, /metrics and the daily page's admin note.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('source_health')
    .addColumn('source', 'text', (c) => c.primaryKey())
    .addColumn('last_success_at', 'text')
    .addColumn('last_error_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('failures', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('source_health').execute();
}
