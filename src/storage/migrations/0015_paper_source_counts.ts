// The counts a source reported (Hugging Face's upvotes and comments) kept on the paper row too, so
// that every read of a paper (search hits, author and category lists, collections, the API) carries
// them and shows the same number through one rule (src/domain/counts.ts). Before, only reads that
// joined daily_entries added them: 2410.17243 showed 64 upvotes on the daily list and 0 in search.
// daily_entries keeps its copy (the list's ranking and the history of what the source said);
// DailyStore.upsertMany writes both in one transaction. Backfilled here from the entries.
//
// Also: magic_links.pending, the action a signed-out reader asked for (an upvote, a save, a
// follow: src/domain/pending.ts), done when the link signs them in.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('papers').addColumn('source_upvotes', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('papers').addColumn('source_comments', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`update papers set
    source_upvotes = coalesce((select max(d.source_upvotes) from daily_entries d where d.paper_id = papers.id), 0),
    source_comments = coalesce((select max(d.source_comments) from daily_entries d where d.paper_id = papers.id), 0)
    where id in (select paper_id from daily_entries where source_upvotes > 0 or source_comments > 0)`.execute(db);
  await db.schema.alterTable('magic_links').addColumn('pending', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
