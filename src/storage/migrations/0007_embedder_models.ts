// The default static embedder, shared through the database: the worker that trains a model
// stores it here (tokenizer and config as text, the safetensors weights in chunks), and every
// process loads the newest one, caching its files in its own data dir by version.
import type { Kysely } from 'kysely';
import { isPostgres, withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('embedder_models'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull().unique())
    .addColumn('embedder', 'text', (c) => c.notNull())
    .addColumn('dims', 'integer', (c) => c.notNull())
    .addColumn('docs', 'integer', (c) => c.notNull())
    .addColumn('tokenizer_json', 'text', (c) => c.notNull())
    .addColumn('config_json', 'text', (c) => c.notNull())
    .addColumn('weights_bytes', 'integer', (c) => c.notNull())
    .addColumn('weights_sha256', 'text', (c) => c.notNull())
    .addColumn('chunks', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('embedder_model_chunks')
    .addColumn('model_id', 'integer', (c) => c.notNull().references('embedder_models.id').onDelete('cascade'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('data', isPostgres(db) ? 'bytea' : 'blob', (c) => c.notNull())
    .addPrimaryKeyConstraint('embedder_model_chunks_pk', ['model_id', 'seq'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
