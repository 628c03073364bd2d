// Digest editions, deliveries, the send log and the sent-papers ledger (rules in
// src/services/digest-build.ts and digest-send.ts; subscribers in ./digest-subscribers.ts).
// Bulk writes of an edition build go in one transaction per batch, with dialect-specific fast
// paths: prepared statements on SQLite, unnest() arrays on PostgreSQL (one round trip per batch
// instead of one per row). Deliveries are claimed with a lease (./lease.ts).
import { sql, type Selectable } from 'kysely';
import type { Db } from './db.ts';
import type { DigestDeliveriesTable, DigestEditionsTable, DigestSendLogTable } from './schema-digest.ts';
import { claimLeased, type LeaseSpec } from './lease.ts';

export type DeliveryRow = Selectable<DigestDeliveriesTable>;
export type EditionRow = Selectable<DigestEditionsTable>;
export type SendLogRow = Selectable<DigestSendLogTable>;

export interface DeliveryInsert {
  subscriberId: number;
  papersJson: string;
  sendAfter: string;
  messageId: string;
  paperIds: number[];
}

/** Inserts the deliveries that do not exist yet (unique edition + subscriber) and their papers; returns how many were new. */
export async function insertDeliveries(db: Db, editionId: number, iso: string, batch: DeliveryInsert[]): Promise<number> {
  if (!batch.length) return 0;
  if (db.sqlite) {
    const s = db.sqlite;
    const ins = s.prepare(
      `insert into digest_deliveries (edition_id, subscriber_id, status, papers_json, send_after, attempts, message_id, created_at, updated_at)
       values (?, ?, 'pending', ?, ?, 0, ?, ?, ?) on conflict (edition_id, subscriber_id) do nothing returning id`,
    );
    const sent = s.prepare(`insert into digest_sent_papers (subscriber_id, paper_id, delivery_id, created_at) values (?, ?, ?, ?) on conflict do nothing`);
    let n = 0;
    s.transaction(() => {
      for (const b of batch) {
        const row = ins.get(editionId, b.subscriberId, b.papersJson, b.sendAfter, b.messageId, iso, iso) as { id: number } | undefined;
        if (!row) continue; // another build got there first: its row and papers stand
        n++;
        for (const p of b.paperIds) sent.run(b.subscriberId, p, row.id, iso);
      }
    }).immediate();
    return n;
  }
  return db.kysely.transaction().execute(async (trx) => {
    const inserted = await sql<{ id: number; subscriber_id: number }>`
      insert into digest_deliveries (edition_id, subscriber_id, status, papers_json, send_after, attempts, message_id, created_at, updated_at)
      select ${editionId}, s, 'pending', pj, sa, 0, mi, ${iso}, ${iso}
      from unnest(${batch.map((b) => b.subscriberId)}::int[], ${batch.map((b) => b.papersJson)}::text[], ${batch.map((b) => b.sendAfter)}::text[], ${batch.map((b) => b.messageId)}::text[]) as t(s, pj, sa, mi)
      on conflict (edition_id, subscriber_id) do nothing
      returning id, subscriber_id`.execute(trx);
    const bySub = new Map(batch.map((b) => [b.subscriberId, b.paperIds]));
    const subs: number[] = [];
    const papers: number[] = [];
    const deliveries: number[] = [];
    for (const r of inserted.rows) {
      for (const p of bySub.get(r.subscriber_id) ?? []) {
        subs.push(r.subscriber_id);
        papers.push(p);
        deliveries.push(r.id);
      }
    }
    if (subs.length) {
      await sql`
        insert into digest_sent_papers (subscriber_id, paper_id, delivery_id, created_at)
        select s, p, d, ${iso} from unnest(${subs}::int[], ${papers}::int[], ${deliveries}::int[]) as t(s, p, d)
        on conflict do nothing`.execute(trx);
    }
    return inserted.rows.length;
  });
}

/** Deliveries as leased rows: the earliest due first. */
const DELIVERY_CLAIM: LeaseSpec<'digest_deliveries'> = {
  table: 'digest_deliveries',
  waiting: { status: 'pending', dueColumn: 'send_after' },
  held: 'sending',
  order: [
    ['send_after', 'asc'],
    ['id', 'asc'],
  ],
};

export class DigestStore {
  constructor(private readonly db: Db) {}

  private get k() {
    return this.db.kysely;
  }

  // ---- building

  /** Which subscribers already received which of these papers. */
  async sentAmong(paperIds: number[]): Promise<Map<number, Set<number>>> {
    const sent = new Map<number, Set<number>>();
    for (let i = 0; i < paperIds.length; i += 500) {
      const rows = await this.k
        .selectFrom('digest_sent_papers')
        .select(['subscriber_id', 'paper_id'])
        .where('paper_id', 'in', paperIds.slice(i, i + 500))
        .execute();
      for (const r of rows) (sent.get(r.subscriber_id) ?? sent.set(r.subscriber_id, new Set()).get(r.subscriber_id)!).add(r.paper_id);
    }
    return sent;
  }

  /** The edition's id, inserting it when it is new (a second build finds the first one's row). */
  async ensureEdition(e: { kind: string; key: string; from: string; to: string; commonJson: string; builtAt: string }): Promise<number> {
    await this.k
      .insertInto('digest_editions')
      .values({ kind: e.kind, edition_key: e.key, range_from: e.from, range_to: e.to, common_json: e.commonJson, deliveries: 0, built_at: e.builtAt })
      .onConflict((oc) => oc.columns(['kind', 'edition_key']).doNothing())
      .execute();
    const row = await this.k
      .selectFrom('digest_editions')
      .select('id')
      .where('kind', '=', e.kind)
      .where('edition_key', '=', e.key)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** Subscribers who already have a delivery of the edition. */
  async subscribersOf(editionId: number): Promise<number[]> {
    const rows = await this.k.selectFrom('digest_deliveries').select('subscriber_id').where('edition_id', '=', editionId).execute();
    return rows.map((r) => r.subscriber_id);
  }

  insertDeliveries(editionId: number, iso: string, batch: DeliveryInsert[]): Promise<number> {
    return insertDeliveries(this.db, editionId, iso, batch);
  }

  /** Stores the edition's delivery count. */
  async countDeliveries(editionId: number): Promise<void> {
    await this.k
      .updateTable('digest_editions')
      .set({ deliveries: sql<number>`(select count(*) from digest_deliveries where edition_id = ${editionId})` })
      .where('id', '=', editionId)
      .execute();
  }

  edition(id: number): Promise<EditionRow> {
    return this.k.selectFrom('digest_editions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  // ---- sending

  /** Claims up to `n` due deliveries (pending and due, or sending with an expired lease). */
  claim(workerId: string, n: number, now: string, leaseUntil: string): Promise<DeliveryRow[]> {
    return claimLeased(this.k, this.db.dialect, DELIVERY_CLAIM, { workerId, limit: n, now, leaseUntil });
  }

  /** Extends the lease of a delivery this worker still holds; false when another one took it. */
  async renewLease(id: number, workerId: string, leaseUntil: string): Promise<boolean> {
    const r = await this.k
      .updateTable('digest_deliveries')
      .set({ lease_until: leaseUntil })
      .where('id', '=', id)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'sending')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** Gives back every delivery the worker holds, unsent (a run stopped mid-batch). */
  async releaseHeld(workerId: string): Promise<void> {
    await this.k
      .updateTable('digest_deliveries')
      .set({ status: 'pending', lease_until: null, locked_by: null })
      .where('locked_by', '=', workerId)
      .where('status', '=', 'sending')
      .execute();
  }

  /** Ends a delivery's attempt with a final status. */
  async finish(id: number, status: string, at: string, extra: { last_error?: string | null; sent_at?: string | null } = {}): Promise<void> {
    await this.k
      .updateTable('digest_deliveries')
      .set({ status, lease_until: null, locked_by: null, updated_at: at, ...extra })
      .where('id', '=', id)
      .execute();
  }

  /** Back to pending, due again at `sendAfter`, with the error that sent it back. */
  async retryLater(id: number, sendAfter: string, reason: string, at: string): Promise<void> {
    await this.k
      .updateTable('digest_deliveries')
      .set({ status: 'pending', send_after: sendAfter, lease_until: null, locked_by: null, last_error: reason, updated_at: at })
      .where('id', '=', id)
      .execute();
  }

  /** Frees the papers a delivery reserved (by primary key; only the rows this delivery wrote). */
  async releasePapers(deliveryId: number, subscriberId: number, paperIds: number[]): Promise<void> {
    if (!paperIds.length) return;
    await this.k
      .deleteFrom('digest_sent_papers')
      .where('subscriber_id', '=', subscriberId)
      .where('paper_id', 'in', paperIds)
      .where('delivery_id', '=', deliveryId)
      .execute();
  }

  logFor(messageId: string): Promise<SendLogRow | undefined> {
    return this.k.selectFrom('digest_send_log').selectAll().where('message_id', '=', messageId).executeTakeFirst();
  }

  async setLog(l: { messageId: string; deliveryId: number; recipient: string; state: string; response: string | null; at: string }): Promise<void> {
    await this.k
      .insertInto('digest_send_log')
      .values({
        message_id: l.messageId,
        delivery_id: l.deliveryId,
        recipient: l.recipient,
        state: l.state,
        response: l.response,
        created_at: l.at,
        updated_at: l.at,
      })
      .onConflict((oc) => oc.column('message_id').doUpdateSet({ state: l.state, response: l.response, updated_at: l.at }))
      .execute();
  }

  // ---- reading

  delivery(id: number): Promise<DeliveryRow | undefined> {
    return this.k.selectFrom('digest_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
  }

  latestDeliveryFor(subscriberId: number): Promise<DeliveryRow | undefined> {
    return this.k.selectFrom('digest_deliveries').selectAll().where('subscriber_id', '=', subscriberId).orderBy('id', 'desc').executeTakeFirst();
  }

  /** The latest deliveries with their edition and address, newest first. */
  recent(limit: number) {
    return this.k
      .selectFrom('digest_deliveries as d')
      .innerJoin('digest_editions as e', 'e.id', 'd.edition_id')
      .innerJoin('digest_subscribers as s', 's.id', 'd.subscriber_id')
      .select(['d.id', 'd.status', 'd.sent_at', 'd.send_after', 'd.attempts', 'd.last_error', 'e.kind', 'e.edition_key', 's.email'])
      .orderBy('d.id', 'desc')
      .limit(limit)
      .execute();
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.k.selectFrom('digest_deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
