// pending_drafts: what a signed-out reader typed before pressing "Sign in and post" or "Sign in and
// submit" (issue 19: "sign-in returns you"). The text cannot ride in a link (URLs end up in logs,
// history and Referer headers, and are capped in length), so it waits here, keyed by the sha256 of a
// random key that rides instead ("comment:2410.17243~<key>", src/domain/pending.ts). A row is
// short-lived (src/domain/pending.ts DRAFT_MINUTES), bounded by the comment and submission limits,
// and gone once posted; expired rows are deleted whenever a new one is kept.
import type { Kysely } from 'kysely';
import { withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('pending_drafts'))
    .addColumn('key_hash', 'text', (c) => c.notNull().unique())
    /** comment | submit */
    .addColumn('kind', 'text', (c) => c.notNull())
    /** The arXiv id commented on, or the paper as typed in the submit form. */
    .addColumn('target', 'text', (c) => c.notNull())
    /** The comment's Markdown, or the submission's optional note. */
    .addColumn('body', 'text', (c) => c.notNull())
    /** Set when a signed-in reader takes it up: only they see it afterwards. */
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    /** Set while a sign-in is posting it (two at once post it once). */
    .addColumn('claimed_at', 'text')
    /** Why posting it after sign-in was refused (shown with the kept text). */
    .addColumn('problem', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('pending_drafts_expires').on('pending_drafts').column('expires_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
