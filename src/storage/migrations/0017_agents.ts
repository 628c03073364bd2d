// HF parity and agents (issue 22): rendered first-page thumbnails, GitHub repositories with their
// daily star counts, and AI summaries. Each is derived data a job fills; a paper row only gains
// the hash of its thumbnail, so that every list query already carries what a card needs.
import type { Kysely } from 'kysely';
import { isPostgres } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('papers').addColumn('thumbnail_key', 'text').execute();
  await db.schema
    .createTable('paper_thumbnails')
    .addColumn('paper_id', 'integer', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('image', isPostgres(db) ? 'bytea' : 'blob')
    .addColumn('hash', 'text')
    .addColumn('width', 'integer')
    .addColumn('height', 'integer')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('retry_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('github_repos')
    .addColumn('full_name', 'text', (c) => c.primaryKey())
    .addColumn('canonical_name', 'text')
    .addColumn('stars', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('etag', 'text')
    .addColumn('checked_at', 'text')
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('github_repos_checked').on('github_repos').column('checked_at').execute();
  await db.schema
    .createTable('github_repo_stars')
    .addColumn('full_name', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('stars', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('github_repo_stars_pk', ['full_name', 'day'])
    .execute();
  await db.schema
    .createTable('paper_ai')
    .addColumn('paper_id', 'integer', (c) => c.primaryKey().references('papers.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('summary', 'text')
    .addColumn('keywords_json', 'text')
    .addColumn('model', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('retry_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // Papers whose code link points at GitHub, found by the sync without a scan.
  await db.schema.createIndex('papers_code_url').on('papers').column('code_url').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
