// Search on PostgreSQL: lexemes are weighted by their idf, read from the planner's statistics of
// paper_search.tsv (pg_stats.most_common_elems, see PostgresLexical). The default statistics target
// keeps the 1,000 most common lexemes, so that every rarer one looked alike (SciFact: 92 papers
// and fewer); 1,000 keeps about 10,000 (down to a handful of papers in SciFact's 5k, nDCG@10 0.656 ->
// 0.690). ANALYZE then samples up to 300,000 rows. SQLite needs none of it (FTS5's bm25 counts them).
import { sql, type Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`alter table paper_search alter column tsv set statistics 1000`.execute(db);
  await sql`analyze paper_search`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
