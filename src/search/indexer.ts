// The indexer: embeds the papers that have no vector from the current embedder (or a stale one),
// batch by batch, each batch committed (a killed process leaves its batch pending for any other).
// A new paper is embedded by the next pass of the embed job, within seconds of its import.
import { nowIso } from '../storage/dialect.ts';
import type { VectorStore } from '../storage/vectors.ts';
import { documentText, toBytes, type Embedder } from './embedders/types.ts';

/** See Indexer.pendingCursor. */
const PENDING_MARGIN_MS = 5 * 60_000;

export class Indexer {
  constructor(
    private readonly store: VectorStore,
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
    const pending = (after: number) => this.store.pending(e.id, batch, { after, since: c.since, at: c.at });
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
    await this.store.upsert(values);
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
      if (sinceCheckpoint >= 50_000) {
        this.store.checkpoint();
        sinceCheckpoint = 0;
      }
      onBatch?.(done);
    }
    if (done) this.store.checkpoint();
    return done;
  }

  /** Papers without a current vector (what the embed job still has to do). */
  async pendingCount(): Promise<number> {
    const e = await this.embedder();
    if (!e) return 0;
    return this.store.pendingCount(e.id);
  }
}
