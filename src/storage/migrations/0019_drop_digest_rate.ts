// One rate limiter: subscribe requests are counted by the general limiter (rate_limits, the table
// votes, comments, submissions and sign-in mails use) instead of a table of their own. The rows of
// digest_rate were one-hour windows, so nothing worth keeping goes with it.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('digest_rate').ifExists().execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
