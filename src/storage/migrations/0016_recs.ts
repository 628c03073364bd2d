// "For you": one stored model per reader (a weight vector), "not interested" marks, the reader's
// cold-start choices, and private feed tokens for the reader's list as RSS/Atom.
import type { Kysely } from 'kysely';
import { isPostgres, withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rec_models')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('model', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('embedder', 'text', (c) => c.notNull())
    .addColumn('positives', 'integer', (c) => c.notNull())
    .addColumn('negatives', 'integer', (c) => c.notNull())
    // JSON: the positives behind the model ({id, kind}), to explain a recommendation.
    .addColumn('sources_json', 'text', (c) => c.notNull())
    // The newest signal the model has seen; a newer one means retraining.
    .addColumn('signals_at', 'text', (c) => c.notNull())
    .addColumn('trained_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('rec_dismissals')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('paper_id', 'integer', (c) => c.notNull().references('papers.id').onDelete('cascade'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('rec_dismissals_pk', ['user_id', 'paper_id'])
    .execute();
  await db.schema.createIndex('rec_dismissals_user_time').on('rec_dismissals').columns(['user_id', 'created_at']).execute();

  await db.schema
    .createTable('rec_profiles')
    .addColumn('user_id', 'integer', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('categories_json', 'text', (c) => c.notNull())
    .addColumn('authors_json', 'text', (c) => c.notNull())
    .addColumn('seeds_json', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await withId(db, db.schema.createTable('rec_feed_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('rec_feed_tokens_user').on('rec_feed_tokens').column('user_id').execute();

  // The signal look-ups a request makes: a reader's newest upvote (and saved paper, by collection).
  await db.schema.createIndex('upvotes_user_time').on('upvotes').columns(['user_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('upvotes_user_time').execute();
  for (const t of ['rec_feed_tokens', 'rec_profiles', 'rec_dismissals', 'rec_models']) await db.schema.dropTable(t).execute();
}
