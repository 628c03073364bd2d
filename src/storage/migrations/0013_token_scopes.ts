// Scoped, expiring personal API tokens (issue 16). Existing tokens keep every scope they could
// use before (read, vote, comment, submit, collections) and never expire, so no script breaks.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('api_tokens').addColumn('scopes', 'text', (c) => c.notNull().defaultTo('read vote comment submit collections')).execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', 'text').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
