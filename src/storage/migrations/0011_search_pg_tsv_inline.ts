// Search on PostgreSQL: ranking reads each candidate's tsvector once for the recheck and once per
// query lexeme (ts_rank), and most tsvectors (2-4 KB) were stored out of line in TOAST, compressed
// with pglz, so that every read looked up the TOAST index and decompressed. Kept in line (STORAGE
// MAIN) and compressed with lz4 where the server has it, the ranking statement of the http bench
// costs about 3.5 ms of server CPU instead of 4.7 at 100,000 papers. A value keeps its old storage
// until it is written again, so the rows are rewritten once (about 10 s per 100,000 papers).
// SQLite needs none of it.
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  // Migrations run in one transaction: the rewrite may take longer than a request's statement timeout.
  await sql`set local statement_timeout = 0`.execute(db);
  const lz4 = await sql<{ ok: boolean }>`select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'`.execute(db);
  if (lz4.rows[0]?.ok) await sql`alter table paper_search alter column tsv set compression lz4`.execute(db);
  await sql`alter table paper_search alter column tsv set storage main`.execute(db);
  // Concatenation makes a new value, stored with the column's settings.
  await sql`update paper_search set tsv = tsv || ''::tsvector`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
