// The HNSW graph of a vector index replica in two layers, so that a web process's index costs
// little resident memory: the base, the index file as last saved, memory-mapped (usearch view: read
// only, its pages loaded as searches touch them and shared by every process mapping the same file),
// and a small in-memory delta holding the vectors added or replaced since, with the set of base
// entries they replace or that were deleted (hidden). Saving (compact) writes one file again: the
// base loaded in full for that moment, hidden entries removed, the delta added.
// The graphs hold binary codes (codes.ts; Hamming distance) and find candidates, which are
// rescored with their int8 vectors (each scaled by its own largest component, quantise): the
// delta's from memory, the base's from the vector file saved beside it (vector-file.ts, read
// through the page cache rather than mapped into each process). A saved index is two files.
// A large backlog (a first build, a re-embedding) is staged instead: held for the next compaction,
// which inserts it into the file's graph with every core, not searchable until then — each vector
// is inserted once, not into the delta and then again into the file.
import { renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { Index as UIndex } from 'usearch';
import { emptyIndex, mergeIndexFile, mergeInThread, VECTORS, type MergeJob } from './index-merge.ts';
import { VectorFile } from './vector-file.ts';
import { binaryCode, binaryCodes } from './codes.ts';

/**
 * A compaction whose base and changes together hold fewer entries than this merges on the calling
 * thread (milliseconds: tests, small sites); a larger one in a thread of its own (index-merge.ts).
 */
const MERGE_HERE_BELOW = 20_000;

/**
 * Candidates the binary graph is asked for, to rescore with int8 vectors, for k wanted: k times this,
 * and at least k + RESCORE_MIN (docs/architecture.md: recall@10 against exact int8 search).
 */
const RESCORE_FACTOR = 2;
const RESCORE_MIN = 32;

/**
 * A vector as int8, scaled so that its largest component is ±127, rounded. The index measures
 * cosines, which no scale of one vector changes, so each vector gets the whole int8 range (usearch's
 * own cast divides by the length and truncates: a unit vector of 256 dimensions keeps about four
 * bits a component). Both measured alike on SciFact (docs/architecture.md).
 */
export function quantise(v: Float32Array, out = new Int8Array(v.length)): Int8Array {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  const f = max > 0 ? 127 / max : 0;
  for (let i = 0; i < v.length; i++) out[i] = Math.round(v[i] * f);
  return out;
}

export class LayeredIndex {
  private base?: UIndex;
  /** The base's int8 vectors (the vector file beside it). */
  private baseVectors?: VectorFile;
  private delta: UIndex;
  /** The delta's vectors, for the next compaction (usearch gives no vector back), and the staged ones. */
  private readonly deltaVectors = new Map<number, Int8Array>();
  /** Staged: in deltaVectors, not in the delta's graph. */
  private readonly staged = new Set<number>();
  /** Base entries replaced (their new vector is in the delta) or deleted since the file was saved. */
  private readonly hidden = new Set<number>();

  constructor(readonly dims: number) {
    this.delta = emptyIndex(dims);
  }

  /** Maps a saved index file as the base (nothing is read until searches touch it). */
  open(file: string): void {
    const b = emptyIndex(this.dims);
    b.view(file);
    const vf = VectorFile.open(file + VECTORS);
    if (vf.dims !== this.dims || vf.size !== b.size()) {
      vf.close();
      throw new Error(`${file}${VECTORS} does not match ${file}`);
    }
    this.baseVectors?.close();
    this.baseVectors = vf;
    this.base = b;
    this.delta = emptyIndex(this.dims);
    this.deltaVectors.clear();
    this.staged.clear();
    this.hidden.clear();
  }

  /** Searchable entries. */
  get size(): number {
    return (this.base?.size() ?? 0) - this.hidden.size + this.delta.size();
  }

  /** Entries changed since the base was saved: what a compaction would fold in. */
  get changes(): number {
    return this.deltaVectors.size + this.hidden.size;
  }

  /** Entries staged for the next compaction, not searchable yet. */
  get stagedSize(): number {
    return this.staged.size;
  }

  get baseSize(): number {
    return this.base?.size() ?? 0;
  }

  /** Adds or replaces vectors (`vectors`: keys.length × dims, quantised). */
  put(keys: number[], vectors: Int8Array): void {
    if (!keys.length) return;
    this.unchanging();
    for (const [i, id] of keys.entries()) {
      this.remove(id);
      this.deltaVectors.set(id, vectors.slice(i * this.dims, (i + 1) * this.dims));
    }
    this.delta.add(BigUint64Array.from(keys, BigInt), binaryCodes(vectors, this.dims), 1);
  }

  /** Like put(), but held for the next compaction instead of inserted into the delta's graph now. */
  stage(keys: number[], vectors: Int8Array): void {
    this.unchanging();
    for (const [i, id] of keys.entries()) {
      this.remove(id);
      this.deltaVectors.set(id, vectors.slice(i * this.dims, (i + 1) * this.dims));
      this.staged.add(id);
    }
  }

  /** Removes a paper; returns whether it was there. */
  remove(id: number): boolean {
    this.unchanging();
    const key = BigInt(id);
    let was = false;
    if (this.deltaVectors.delete(id)) {
      if (!this.staged.delete(id)) this.delta.remove(key);
      was = true;
    }
    if (this.base && !this.hidden.has(id) && this.base.contains(key)) {
      this.hidden.add(id);
      was = true;
    }
    return was;
  }

  /** The k nearest (key, cosine distance of the int8 vectors to `query`), nearest first. */
  search(query: Float32Array, k: number): { id: number; distance: number }[] {
    const q = binaryCode(query);
    const want = Math.max(k * RESCORE_FACTOR, k + RESCORE_MIN);
    const cands: number[] = [];
    const n = this.delta.size();
    if (n) {
      const m = this.delta.search(q, Math.min(want, n), 1);
      for (let i = 0; i < m.keys.length; i++) cands.push(Number(m.keys[i]));
    }
    const size = this.base?.size() ?? 0;
    if (this.base && size) {
      // Hidden entries come back too: ask for a few more, and more again in the rare case they filled the list.
      let ask = Math.min(size, want + Math.min(this.hidden.size, want));
      for (;;) {
        const m = this.base.search(q, ask, 1);
        const got: number[] = [];
        for (let i = 0; i < m.keys.length; i++) {
          const id = Number(m.keys[i]);
          if (!this.hidden.has(id)) got.push(id);
        }
        if (got.length >= want || ask >= size || m.keys.length < ask) {
          cands.push(...got);
          break;
        }
        ask = Math.min(size, ask * 4);
      }
    }
    let qq = 0;
    for (let i = 0; i < query.length; i++) qq += query[i] * query[i];
    const qn = Math.sqrt(qq);
    const buf = new Int8Array(this.dims);
    const out: { id: number; distance: number }[] = [];
    for (const id of cands) {
      const v = this.deltaVectors.get(id) ?? (this.baseVectors?.read(id, buf) ? buf : undefined);
      if (!v) continue;
      let dot = 0;
      let vv = 0;
      for (let i = 0; i < v.length; i++) {
        dot += query[i] * v[i];
        vv += v[i] * v[i];
      }
      out.push({ id, distance: qn > 0 && vv > 0 ? 1 - dot / (qn * Math.sqrt(vv)) : 1 });
    }
    return out.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  /** Closes the base's vector file (the index answers nothing from its base afterwards). */
  close(): void {
    this.baseVectors?.close();
    this.baseVectors = undefined;
    this.base = undefined;
  }

  /** Set while a merge runs elsewhere: the index must not change until the merged file is mapped. */
  private merging = false;

  private unchanging(): void {
    if (this.merging) throw new Error('the vector index is being compacted: changes wait for the merge');
  }

  /**
   * Writes the whole index to `file` (through a temporary file renamed into place) and maps it as
   * the new base. With a base, this loads it in full for the moment of the merge, on this thread.
   */
  compact(file: string): void {
    // Unique: two replicas of one process (threads share the pid) may save the same file.
    const tmp = tmpName(file);
    try {
      mergeIndexFile(this.mergeJob(file, tmp, !this.base && !this.staged.size ? 'seed' : undefined));
      install(tmp, file);
    } catch (err) {
      removeFiles(tmp);
      throw err;
    }
    this.open(file);
  }

  /**
   * The same as compact(), with the merge in a thread of its own when the index is large: searches
   * go on meanwhile, answered by the old base and delta. The caller makes no change until it resolves.
   */
  async compactOffThread(file: string): Promise<void> {
    // Without a base, a delta alone is saved as it is (no insert at all).
    if (this.baseSize + this.changes < MERGE_HERE_BELOW || (!this.base && !this.staged.size)) return this.compact(file);
    const tmp = tmpName(file);
    // Without a base, the delta's graph is saved as the one the staged vectors are inserted into.
    const seed = !this.base && this.delta.size() ? tmpName(file) : undefined;
    this.merging = true;
    try {
      await mergeInThread(this.mergeJob(file, tmp, seed));
      install(tmp, file);
      this.open(file);
    } catch (err) {
      removeFiles(tmp);
      throw err;
    } finally {
      this.merging = false;
      if (seed) rmSync(seed, { force: true });
    }
  }

  /**
   * The merge of the changes into `file` (the base). With `seed` (no base yet), the delta's graph is
   * saved there and only the staged vectors are inserted into it; 'seed' alone: saved as it is.
   */
  private mergeJob(file: string, tmp: string, seed?: string): MergeJob {
    const keys = [...this.deltaVectors.keys()];
    const vectors = new Int8Array(keys.length * this.dims);
    keys.forEach((id, i) => vectors.set(this.deltaVectors.get(id)!, i * this.dims));
    const job: MergeJob = { file: this.base ? file : undefined, tmp, dims: this.dims, hidden: this.base ? [...this.hidden] : [], keys, vectors };
    if (seed) {
      const path = seed === 'seed' ? tmp : seed;
      this.delta.save(path);
      return { ...job, file: path, insertOnly: [...this.staged] };
    }
    return job;
  }
}

function tmpName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Moves a merged index (graph and vectors) into place: the vectors first, so the graph never lacks them. */
function install(tmp: string, file: string): void {
  renameSync(tmp + VECTORS, file + VECTORS);
  renameSync(tmp, file);
}

function removeFiles(tmp: string): void {
  rmSync(tmp, { force: true });
  rmSync(tmp + VECTORS, { force: true });
}
