// The in-process vector index: usearch HNSW over the stored embeddings of one embedder,
// persisted in the data dir and caught up from the database by a change cursor (paper_vectors
// .updated_at and search_deletions.deleted_at), so every process keeps its own replica.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { LayeredIndex, quantise } from './layered-index.ts';
import { VECTORS } from './index-merge.ts';
import type { VectorStore } from '../storage/vectors.ts';
import type { Logger } from '../logger.ts';
import { fromBytes } from './embedders/types.ts';
import type { Hit } from './lexical.ts';

/** How vectors are held (see layered-index.ts); an index file saved another way is rebuilt. */
const SCALAR = 'b1-rotated+i8-max';

interface Meta {
  embedder: string;
  dims: number;
  scalar?: string;
  /** Last paper_vectors (updated_at, paper_id) applied. */
  cursor: [string, number];
  deletedCursor: string;
  /** Rows applied inside the overlap window, kept so a restart does not replay them. */
  recent?: [number, string][];
}

/** Rows written by a transaction that commits late can carry an earlier time: re-read this far back. */
const OVERLAP_MS = 10_000;
const PAGE = 2000;
/** Vectors added to the index between two yields to the event loop. */
const APPLY_CHUNK = 200;
/** Changes (delta entries and hidden base entries) that make a catch-up save the index: at least this many… */
const COMPACT_MIN = 20_000;
/** …and this share of the saved index. */
const COMPACT_SHARE = 0.02;
/** While a replica is first built, it is saved whenever its delta outgrows the base and this. */
const COMPACT_FIRST = 200_000;
/**
 * Past this many rows in one catch-up, the rest are staged (layered-index.ts): inserted into the file's
 * graph by the next compaction with every core, instead of into the delta and again into the file.
 */
const STAGE_AFTER = 20_000;
/** A replica with any change is saved at least this often. */
const SAVE_EVERY_MS = 10 * 60_000;

function back(iso: string, ms: number): string {
  if (!iso) return '';
  return new Date(Date.parse(iso) - ms).toISOString();
}

export class VectorIndex {
  private index: LayeredIndex;
  private meta: Meta;
  private dirty = 0;
  private timer?: NodeJS.Timeout;
  private syncing?: Promise<number>;
  /** The cursor time whose overlap window was re-read after the window had closed: nothing can still arrive in it. */
  private overlapClosed = '';
  private lastSave = Date.now();
  /** Rows applied inside the overlap window (paper id → updated_at), so they are not applied twice. */
  private readonly recent = new Map<number, string>();
  readonly file: string;

  constructor(
    private readonly store: VectorStore,
    dir: string,
    readonly embedder: string,
    readonly dims: number,
    private readonly log: Logger,
  ) {
    mkdirSync(dir, { recursive: true });
    this.file = join(dir, `${embedder.replace(/[^\w.@-]+/g, '_')}.usearch`);
    this.index = new LayeredIndex(dims);
    this.meta = { embedder, dims, scalar: SCALAR, cursor: ['', 0], deletedCursor: '' };
    this.load();
  }

  private load(): void {
    const metaFile = `${this.file}.json`;
    if (!existsSync(this.file) || !existsSync(metaFile)) return;
    try {
      const meta = JSON.parse(readFileSync(metaFile, 'utf8')) as Meta;
      if (meta.embedder !== this.embedder || meta.dims !== this.dims || meta.scalar !== SCALAR) return;
      this.index.open(this.file);
      this.meta = meta;
      for (const [id, at] of meta.recent ?? []) this.recent.set(id, at);
      this.log.info({ file: this.file, size: this.index.size }, 'vector index mapped');
    } catch (err) {
      // A damaged file is rebuilt from the database.
      this.log.warn({ err: (err as Error).message, file: this.file }, 'vector index unreadable, rebuilding');
      this.index = new LayeredIndex(this.dims);
    }
  }

  get size(): number {
    return this.index.size;
  }

  /** Applies every change since the cursor; returns how many vectors were added, replaced or removed. */
  async catchUp(): Promise<number> {
    // One catch-up at a time per process.
    if (!this.syncing) this.syncing = this.doCatchUp().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  /** Adds (or replaces) vectors; returns how many were applied. */
  private apply(rows: { paper_id: number; vector: Uint8Array; updated_at: string }[], staged = false): number {
    const ids: number[] = [];
    const vecs = new Int8Array(rows.length * this.dims);
    for (const r of rows) {
      const v = fromBytes(r.vector);
      this.recent.set(r.paper_id, r.updated_at);
      if (v.length !== this.dims) continue;
      quantise(v, vecs.subarray(ids.length * this.dims, (ids.length + 1) * this.dims));
      ids.push(r.paper_id);
    }
    if (staged) this.index.stage(ids, vecs.subarray(0, ids.length * this.dims));
    else this.index.put(ids, vecs.subarray(0, ids.length * this.dims));
    return ids.length;
  }

  private async doCatchUp(): Promise<number> {
    let applied = 0;
    let [at, id] = this.meta.cursor;
    const since = back(at, OVERLAP_MS);
    // Rows at or before the cursor but inside the overlap window: only those not applied yet
    // (a transaction that committed late) are fetched again.
    // Once the window has closed and been re-read, re-reading it again finds nothing (each re-read
    // scanned the last batch's rows: 5,000 rows and 85-130 ms every PAPERBOY_SEARCH_SYNC_MS at 100k papers).
    if (at && at !== this.overlapClosed) {
      const closed = Date.now() - Date.parse(at) > OVERLAP_MS;
      const seen = await this.store.changedBetween(this.embedder, since, at);
      const missed = seen.filter((r) => this.recent.get(r.paper_id) !== r.updated_at).map((r) => r.paper_id);
      for (let i = 0; i < missed.length; i += 500) {
        const rows = await this.store.rows(this.embedder, missed.slice(i, i + 500));
        applied += this.apply(rows);
      }
      if (closed) this.overlapClosed = at;
    }
    let fetched = 0;
    for (;;) {
      const rows = await this.store.changedAfter(this.embedder, at, id, PAGE);
      if (!rows.length) break;
      fetched += rows.length;
      if (fetched > STAGE_AFTER) {
        applied += this.apply(rows, true);
      } else {
        // Added to the graph a few hundred at a time, yielding between: an HNSW insert of 2,000 vectors
        // holds the web thread for seconds on a busy machine (2.4 s measured at 10k papers, load 24).
        for (let i = 0; i < rows.length; i += APPLY_CHUNK) {
          applied += this.apply(rows.slice(i, i + APPLY_CHUNK));
          await new Promise<void>((r) => setImmediate(r));
        }
      }
      // A long first build is saved as it grows (each time the delta outgrows the base: a few
      // compactions in all), so a restart goes on from there.
      if (this.index.changes > Math.max(COMPACT_FIRST, this.index.baseSize)) await this.save();
      const last = rows[rows.length - 1];
      [at, id] = [last.updated_at, last.paper_id];
      if (rows.length < PAGE) break;
    }
    this.meta.cursor = [at, id];
    // Forget what is older than the overlap window.
    const horizon = back(at, OVERLAP_MS);
    for (const [pid, t] of this.recent) if (t < horizon) this.recent.delete(pid);

    const dels = await this.store.deletionsSince(back(this.meta.deletedCursor, OVERLAP_MS));
    for (const d of dels) {
      if (this.index.remove(d.paper_id)) applied++;
      if (d.deleted_at > this.meta.deletedCursor) this.meta.deletedCursor = d.deleted_at;
    }
    this.dirty += applied;
    // Persisted (the delta folded into the mapped file) once the changes since the last save are
    // many, or now and then, so that a restart replays only the tail and the delta stays small.
    // Staged vectors are searchable only once compacted.
    const many = Math.max(COMPACT_MIN, this.index.baseSize * COMPACT_SHARE);
    if (this.index.stagedSize || this.index.changes > many || (this.dirty > 0 && Date.now() - this.lastSave > SAVE_EVERY_MS)) await this.save();
    return applied;
  }

  /** Nearest papers by cosine; score is the cosine similarity. */
  search(vector: Float32Array, k: number): Hit[] {
    if (!this.index.size || k <= 0) return [];
    return this.index.search(vector, k).map((m) => ({ id: m.id, score: 1 - m.distance }));
  }

  /**
   * Folds the changes into the index file and maps it. A large merge runs in a thread of its own
   * (index-merge.ts) while searches go on; it runs inside a catch-up (or at close), so nothing
   * changes the index meanwhile.
   */
  async save(): Promise<void> {
    await this.index.compactOffThread(this.file);
    const tmp = `${this.file}.json.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    writeFileSync(tmp, JSON.stringify({ ...this.meta, recent: [...this.recent] }));
    renameSync(tmp, `${this.file}.json`);
    this.dirty = 0;
    this.lastSave = Date.now();
  }

  /** Polls the database every `ms` so papers embedded by other processes become searchable. */
  startSync(ms: number): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.catchUp().catch((err) => this.log.warn({ err: (err as Error).message }, 'vector index catch-up failed'));
    }, ms);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.syncing?.catch(() => {});
    if (this.dirty) await this.save();
    this.index.close();
  }

  /** Deletes the persisted files (a test or a rebuild). */
  drop(): void {
    rmSync(this.file, { force: true });
    rmSync(this.file + VECTORS, { force: true });
    rmSync(`${this.file}.json`, { force: true });
  }
}
