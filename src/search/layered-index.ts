// The HNSW graph of a vector index replica in two layers, so that a web process's index costs
// little resident memory: the base, the index file as last saved, memory-mapped (usearch view: read
// only, its pages loaded as searches touch them and shared by every process mapping the same file),
// and a small in-memory delta holding the vectors added or replaced since, with the set of base
// entries they replace or that were deleted (hidden). Saving (compact) writes one file again: the
// base loaded in full for that moment, hidden entries removed, the delta added.
// Vectors are int8, each scaled by its own largest component (quantise).
import { renameSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import usearch, { type Index as UIndex, type MetricKind, type ScalarKind } from 'usearch';

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

function emptyIndex(dims: number): UIndex {
  // i8: a quarter of f32's memory, the same nDCG@10 on SciFact. expansion_add 64 halves build time
  // against 128, with the same recall@10 of the exact neighbours (0.93) at 100k papers.
  return new usearch.Index({
    dimensions: dims,
    metric: 'cos' as MetricKind,
    quantization: 'i8' as ScalarKind,
    connectivity: 16,
    expansion_add: 64,
    expansion_search: 96,
    multi: false,
  });
}

export class LayeredIndex {
  private base?: UIndex;
  private delta: UIndex;
  /** The delta's vectors, for the next compaction (usearch gives no vector back). */
  private readonly deltaVectors = new Map<number, Int8Array>();
  /** Base entries replaced (their new vector is in the delta) or deleted since the file was saved. */
  private readonly hidden = new Set<number>();

  constructor(readonly dims: number) {
    this.delta = emptyIndex(dims);
  }

  /** Maps a saved index file as the base (nothing is read until searches touch it). */
  open(file: string): void {
    const b = emptyIndex(this.dims);
    b.view(file);
    this.base = b;
    this.delta = emptyIndex(this.dims);
    this.deltaVectors.clear();
    this.hidden.clear();
  }

  get size(): number {
    return (this.base?.size() ?? 0) - this.hidden.size + this.delta.size();
  }

  /** Entries changed since the base was saved: what a compaction would fold in. */
  get changes(): number {
    return this.delta.size() + this.hidden.size;
  }

  get baseSize(): number {
    return this.base?.size() ?? 0;
  }

  /** Adds or replaces vectors (`vectors`: keys.length × dims, quantised). */
  put(keys: number[], vectors: Int8Array): void {
    if (!keys.length) return;
    for (const [i, id] of keys.entries()) {
      this.remove(id);
      this.deltaVectors.set(id, vectors.slice(i * this.dims, (i + 1) * this.dims));
    }
    this.delta.add(BigUint64Array.from(keys, BigInt), vectors, 1);
  }

  /** Removes a paper; returns whether it was there. */
  remove(id: number): boolean {
    const key = BigInt(id);
    let was = false;
    if (this.deltaVectors.delete(id)) {
      this.delta.remove(key);
      was = true;
    }
    if (this.base && !this.hidden.has(id) && this.base.contains(key)) {
      this.hidden.add(id);
      was = true;
    }
    return was;
  }

  /** The k nearest (key, distance), nearest first. */
  search(q: Int8Array, k: number): { id: number; distance: number }[] {
    const out: { id: number; distance: number }[] = [];
    const n = this.delta.size();
    if (n) {
      const m = this.delta.search(q, Math.min(k, n), 1);
      for (let i = 0; i < m.keys.length; i++) out.push({ id: Number(m.keys[i]), distance: m.distances[i] });
    }
    const size = this.base?.size() ?? 0;
    if (this.base && size) {
      // Hidden entries come back too: ask for a few more, and more again in the rare case they filled the list.
      let want = Math.min(size, k + Math.min(this.hidden.size, k));
      for (;;) {
        const m = this.base.search(q, want, 1);
        const got: { id: number; distance: number }[] = [];
        for (let i = 0; i < m.keys.length; i++) {
          const id = Number(m.keys[i]);
          if (!this.hidden.has(id)) got.push({ id, distance: m.distances[i] });
        }
        if (got.length >= k || want >= size || m.keys.length < want) {
          out.push(...got);
          break;
        }
        want = Math.min(size, want * 4);
      }
    }
    return out.sort((a, b) => a.distance - b.distance).slice(0, k);
  }

  /**
   * Writes the whole index to `file` (through a temporary file renamed into place) and maps it as
   * the new base. With a base, this loads it in full for the moment of the merge.
   */
  compact(file: string): void {
    // Unique: two replicas of one process (threads share the pid) may save the same file.
    const tmp = `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    if (!this.base) this.delta.save(tmp);
    else {
      const full = emptyIndex(this.dims);
      full.load(file);
      for (const id of this.hidden) full.remove(BigInt(id));
      const keys = [...this.deltaVectors.keys()];
      const vecs = new Int8Array(keys.length * this.dims);
      keys.forEach((id, i) => vecs.set(this.deltaVectors.get(id)!, i * this.dims));
      if (keys.length) full.add(BigUint64Array.from(keys, BigInt), vecs, 1);
      full.save(tmp);
    }
    renameSync(tmp, file);
    this.open(file);
  }
}
