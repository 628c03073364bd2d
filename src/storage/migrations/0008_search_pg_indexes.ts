// Search on PostgreSQL, cheaper: a title-only tsvector index (an all-words query ranks the papers
// with every word in the title when there are many, see PostgresLexical.run), title lengths (typo
// lookups compare titles about as long as the query), and shorter GIN pending lists. SQLite needs
// none of it (FTS5).
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

const GIN_INDEXES = ['paper_search_tsv', 'papers_title_trgm', 'papers_title_tsv'];

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`create index papers_title_tsv on papers using gin (to_tsvector('english', title))`.execute(db);
  await sql`create index papers_title_length on papers (length(title))`.execute(db);
  for (const name of GIN_INDEXES) {
    // New rows wait in a GIN index's pending list until it is merged, and every search reads the
    // whole list: at the default 4 MB, 500 pages and up to 6 ms per query. 1 MB bounds that to about
    // 1.5 ms while inserts stay batched (60k tsvectors: 8.5 s at 4 MB, 11 s at 1 MB, 19 s at 256 kB).
    await sql`alter index ${sql.ref(name)} set (gin_pending_list_limit = 1024)`.execute(db);
    await sql`select gin_clean_pending_list(${name}::regclass)`.execute(db);
  }
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
