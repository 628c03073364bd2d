// E-mail digests: subscribers (double opt-in), editions, one delivery row per (subscriber, edition),
// the send log keyed by Message-ID, the papers each subscriber has received.
import { sql, type Kysely } from 'kysely';
import { isPostgres, withId } from '../dialect.ts';

export async function up(db: Kysely<any>): Promise<void> {
  await withId(db, db.schema.createTable('digest_subscribers'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('frequency', 'text', (c) => c.notNull())
    .addColumn('categories_json', 'text', (c) => c.notNull())
    .addColumn('keywords_json', 'text', (c) => c.notNull())
    .addColumn('authors_json', 'text', (c) => c.notNull())
    .addColumn('time_zone', 'text', (c) => c.notNull())
    .addColumn('user_id', 'integer')
    .addColumn('pending_json', 'text')
    .addColumn('confirm_token_hash', 'text')
    .addColumn('confirm_sent_at', 'text')
    .addColumn('confirm_expires_at', 'text')
    .addColumn('confirmed_at', 'text')
    .addColumn('unsubscribed_at', 'text')
    .addColumn('suspended_reason', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('digest_subscribers_status').on('digest_subscribers').columns(['status', 'frequency', 'id']).execute();
  await db.schema.createIndex('digest_subscribers_token').on('digest_subscribers').column('confirm_token_hash').execute();
  await db.schema.createIndex('digest_subscribers_user').on('digest_subscribers').column('user_id').execute();

  await withId(db, db.schema.createTable('digest_editions'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('edition_key', 'text', (c) => c.notNull())
    .addColumn('range_from', 'text', (c) => c.notNull())
    .addColumn('range_to', 'text', (c) => c.notNull())
    .addColumn('common_json', 'text', (c) => c.notNull())
    .addColumn('deliveries', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('built_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('digest_editions_kind_key', ['kind', 'edition_key'])
    .execute();

  await withId(db, db.schema.createTable('digest_deliveries'))
    .addColumn('edition_id', 'integer', (c) => c.notNull().references('digest_editions.id'))
    .addColumn('subscriber_id', 'integer', (c) => c.notNull().references('digest_subscribers.id'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('papers_json', 'text', (c) => c.notNull())
    .addColumn('send_after', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_until', 'text')
    .addColumn('locked_by', 'text')
    .addColumn('message_id', 'text', (c) => c.notNull().unique())
    .addColumn('last_error', 'text')
    .addColumn('sent_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    // The exactly-once anchor: one row per (edition, subscriber), whatever runs the build.
    .addUniqueConstraint('digest_deliveries_edition_subscriber', ['edition_id', 'subscriber_id'])
    .execute();
  await db.schema.createIndex('digest_deliveries_due').on('digest_deliveries').columns(['status', 'send_after']).execute();
  await db.schema.createIndex('digest_deliveries_subscriber').on('digest_deliveries').columns(['subscriber_id', 'id']).execute();

  await db.schema
    .createTable('digest_send_log')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('delivery_id', 'integer', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('response', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  // One row per (subscriber, paper) ever mailed or reserved for a pending mail. On SQLite a
  // WITHOUT ROWID table: the primary key is the table, one b-tree less to write per row.
  let sentPapers = db.schema
    .createTable('digest_sent_papers')
    .addColumn('subscriber_id', 'integer', (c) => c.notNull())
    .addColumn('paper_id', 'integer', (c) => c.notNull())
    .addColumn('delivery_id', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('digest_sent_papers_pk', ['subscriber_id', 'paper_id']);
  if (!isPostgres(db)) sentPapers = sentPapers.modifyEnd(sql`without rowid`);
  await sentPapers.execute();
  // The build asks "who already received these papers?": by paper.
  await db.schema.createIndex('digest_sent_papers_paper').on('digest_sent_papers').columns(['paper_id', 'subscriber_id']).execute();

  // Subscribe requests per client, when the community's shared rate limiter is not there.
  await db.schema
    .createTable('digest_rate')
    .addColumn('bucket', 'text', (c) => c.primaryKey())
    .addColumn('count', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are append-only.');
}
