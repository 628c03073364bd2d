// Bulk writes of an edition build: delivery rows and the sent-papers rows that go with them, in
// one transaction per batch. The dialect-specific fast paths live here: prepared statements on
// SQLite, unnest() arrays on PostgreSQL (one round trip per batch instead of one per row).
import { sql } from 'kysely';
import type { Db } from './db.ts';

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
    })();
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
