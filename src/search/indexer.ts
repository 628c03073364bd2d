// The indexer: embeds the papers that have no vector from the current embedder (or a stale one),
// batch by batch, each batch committed (a killed process leaves its batch pending for any other).
// A new paper is embedded by the next pass of the embed job, within seconds of its import.
import { sql } from 'kysely';
import type { Db } from '../storage/db.ts';
import { nowIso } from '../storage/dialect.ts';
import { documentText, toBytes, type Embedder } from './embedders/types.ts';

/** See Indexer.pendingCursor. */
const PENDING_MARGIN_MS = 5 * 60_000;

export class Indexer {
  constructor(
    private readonly db: Db,
    private readonly embedder: () => Promise<Embedder | null>,
  ) {}

  /**
   * Where embedPending goes on. A first pass walks paper ids (`after`: the last one done). Once a pass
   * has found nothing pending, only papers modified since then (less a margin) can be pending: later
   * passes walk those by (modified_at, id) from `since`, so an idle check reads the papers changed
   * since instead of all of them (12.5 s at a million papers).
   */
  private pendingCursor: { embedder: string; after: number; since?: string; at?: string } = { embedder: '', after: 0 };

  /** Embeds up to `batch` papers that have no vector from the current embedder (or a stale one). */
  async embedPending(batch = 500): Promise<number> {
    const e = await this.embedder();
    if (!e) return 0;
    if (this.pendingCursor.embedder !== e.id) this.pendingCursor = { embedder: e.id, after: 0 };
    const c = this.pendingCursor;
    const pending = (after: number) => {
      const q = this.db.kysely
        .selectFrom('papers as p')
        .leftJoin('paper_vectors as v', 'v.paper_id', 'p.id')
        .select(['p.id', 'p.title', 'p.abstract', 'p.modified_at'])
        .where((eb) => eb.or([eb('v.paper_id', 'is', null), eb('v.embedder', '<>', e.id), eb('v.source_modified_at', '<', eb.ref('p.modified_at'))]))
        .limit(batch);
      if (c.since === undefined) return q.where('p.id', '>', after).orderBy('p.id').execute();
      const at = c.at ?? c.since;
      return q
        .where('p.modified_at', '>=', c.since)
        .where((eb) => eb.or([eb('p.modified_at', '>', at), eb.and([eb('p.modified_at', '=', at), eb('p.id', '>', after)])]))
        .orderBy('p.modified_at')
        .orderBy('p.id')
        .execute();
    };
    let checkedAt = Date.now();
    let rows = await pending(c.after);
    if (!rows.length && c.since === undefined && c.after > 0) {
      // The id walk started after the first papers: they are looked at again from the first id.
      checkedAt = Date.now();
      rows = await pending(0);
    }
    if (!rows.length) {
      // Nothing was pending at checkedAt: only papers written since can be. The margin covers a
      // transaction that committed after its papers' modified_at, and clocks a little behind.
      c.since = new Date(checkedAt - PENDING_MARGIN_MS).toISOString();
      c.at = undefined;
      c.after = 0;
      return 0;
    }
    const vecs = await e.embed(
      rows.map((r) => documentText(r.title, r.abstract)),
      'document',
    );
    const now = nowIso();
    const values = rows.map((r, i) => ({
      paper_id: r.id,
      embedder: e.id,
      dims: e.dims,
      vector: toBytes(vecs[i]),
      source_modified_at: r.modified_at,
      updated_at: now,
    }));
    // One transaction per batch: a process killed mid-batch leaves the whole batch pending, and
    // the next run (any process) starts again from the papers without a current vector.
    await this.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < values.length; i += 200) {
        await trx
          .insertInto('paper_vectors')
          .values(values.slice(i, i + 200))
          .onConflict((oc) =>
            oc.column('paper_id').doUpdateSet((eb) => ({
              embedder: eb.ref('excluded.embedder'),
              dims: eb.ref('excluded.dims'),
              vector: eb.ref('excluded.vector'),
              source_modified_at: eb.ref('excluded.source_modified_at'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
    // Moved on only once the batch is stored: a batch that failed is taken again.
    const last = rows[rows.length - 1];
    c.after = last.id;
    if (c.since !== undefined) c.at = last.modified_at;
    return rows.length;
  }

  /** Embeds everything pending, batch by batch (each batch committed: resumable). */
  async embedAll(batch = 500, onBatch?: (done: number) => void): Promise<number> {
    let done = 0;
    let sinceCheckpoint = 0;
    for (;;) {
      const n = await this.embedPending(batch);
      if (!n) break;
      done += n;
      sinceCheckpoint += n;
      // On SQLite, a bulk pass writes ~1 KB a paper into the write-ahead log: copied into the
      // database and the log truncated every 50,000 papers, so that the disk holds the data about
      // once (a 1M-paper run left a 3 GB log). Readers in other processes may delay it to the next.
      if (this.db.sqlite && sinceCheckpoint >= 50_000) {
        this.db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
        sinceCheckpoint = 0;
      }
      onBatch?.(done);
    }
    if (this.db.sqlite && done) this.db.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    return done;
  }

  /** Papers without a current vector (what the embed job still has to do). */
  async pendingCount(): Promise<number> {
    const e = await this.embedder();
    if (!e) return 0;
    const r = await sql<{ n: number }>`select count(*) as n from papers p left join paper_vectors v on v.paper_id = p.id
      where v.paper_id is null or v.embedder <> ${e.id} or v.source_modified_at < p.modified_at`.execute(this.db.kysely);
    return Number(r.rows[0].n);
  }
}
