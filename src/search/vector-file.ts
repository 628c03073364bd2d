// The int8 vectors beside a vector index file, by paper id: what the index's binary graph rescores
// its candidates with (layered-index.ts). Layout: a 16-byte header ("PBV1", dims, count, 0), the
// ids in ascending order (uint32 each), then the vectors in the same order (dims bytes each).
// The ids are held in memory (4 bytes a paper: 10.8 MB at 2.7M papers); a vector is read from the
// file when a search asks for it — through the OS's page cache, shared by every process that reads
// the file, as SQLite reads its pages — instead of mapping 256 bytes a paper into each process.
import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';

const MAGIC = 0x31564250; // "PBV1", little-endian
const HEADER = 16;
/** Entries written per write() call when a file is merged. */
const WRITE_CHUNK = 65_536;

export class VectorFile {
  private constructor(
    private readonly fd: number,
    readonly dims: number,
    /** Paper ids, ascending. */
    readonly ids: Uint32Array,
  ) {}

  static open(path: string): VectorFile {
    const fd = openSync(path, 'r');
    try {
      const head = Buffer.alloc(HEADER);
      readSync(fd, head, 0, HEADER, 0);
      if (head.readUInt32LE(0) !== MAGIC) throw new Error(`${path} is not a vector file`);
      const dims = head.readUInt32LE(4);
      const count = head.readUInt32LE(8);
      const ids = new Uint32Array(count);
      const got = readSync(fd, new Uint8Array(ids.buffer), 0, count * 4, HEADER);
      if (got !== count * 4) throw new Error(`${path} is truncated`);
      return new VectorFile(fd, dims, ids);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
  }

  get size(): number {
    return this.ids.length;
  }

  /** The slot of `id`, or -1. */
  private slot(id: number): number {
    const ids = this.ids;
    let lo = 0;
    let hi = ids.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid];
      if (v === id) return mid;
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** Reads the vector of `id` into `out` (dims bytes); false when the file has none. */
  read(id: number, out: Int8Array): boolean {
    const s = this.slot(id);
    if (s < 0) return false;
    readSync(this.fd, out, 0, this.dims, HEADER + this.ids.length * 4 + s * this.dims);
    return true;
  }

  close(): void {
    closeSync(this.fd);
  }

  /**
   * Writes `path`: the entries of the file `from` (if any) less `hidden` and less the ids given
   * anew, plus `ids`/`vectors` (any order; ids.length × dims). The old file is read in full.
   */
  static merge(path: string, dims: number, from: string | undefined, hidden: Iterable<number>, ids: number[], vectors: Int8Array): void {
    let oldIds = new Uint32Array(0);
    let oldVectors = new Int8Array(0);
    if (from) {
      const buf = readFileSync(from);
      if (buf.readUInt32LE(0) !== MAGIC || buf.readUInt32LE(4) !== dims) throw new Error(`${from} is not a vector file of ${dims} dimensions`);
      const count = buf.readUInt32LE(8);
      oldIds = new Uint32Array(buf.buffer, buf.byteOffset + HEADER, count).slice();
      oldVectors = new Int8Array(buf.buffer, buf.byteOffset + HEADER + count * 4, count * dims);
    }
    const drop = new Set(hidden);
    for (const id of ids) {
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new Error(`paper id ${id} does not fit a vector file`);
      drop.add(id);
    }
    const order = ids.map((_, i) => i).sort((a, b) => ids[a] - ids[b]);
    // Two sorted lists (old, kept; new) merged into one: each entry is (old slot) or (~new index).
    const entries: number[] = [];
    let j = 0;
    for (let i = 0; i < oldIds.length; i++) {
      if (drop.has(oldIds[i])) continue;
      while (j < order.length && ids[order[j]] < oldIds[i]) entries.push(~order[j++]);
      entries.push(i);
    }
    while (j < order.length) entries.push(~order[j++]);

    const fd = openSync(path, 'w');
    try {
      const head = Buffer.alloc(HEADER);
      head.writeUInt32LE(MAGIC, 0);
      head.writeUInt32LE(dims, 4);
      head.writeUInt32LE(entries.length, 8);
      writeSync(fd, head);
      const outIds = Uint32Array.from(entries, (e) => (e >= 0 ? oldIds[e] : ids[~e]));
      writeSync(fd, new Uint8Array(outIds.buffer));
      const chunk = new Int8Array(Math.min(WRITE_CHUNK, Math.max(entries.length, 1)) * dims);
      for (let start = 0; start < entries.length; start += WRITE_CHUNK) {
        const end = Math.min(entries.length, start + WRITE_CHUNK);
        for (let e = start; e < end; e++) {
          const x = entries[e];
          const src = x >= 0 ? oldVectors.subarray(x * dims, (x + 1) * dims) : vectors.subarray(~x * dims, (~x + 1) * dims);
          chunk.set(src, (e - start) * dims);
        }
        writeSync(fd, chunk, 0, (end - start) * dims);
      }
    } finally {
      closeSync(fd);
    }
  }
}
