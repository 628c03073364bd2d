// A window's candidate pool, precomputed by the worker: the papers of the daily list's last day,
// week or month as an inverted index of their hashed 1–2-gram features (column → papers, values),
// stored in compressed sparse column form. A reader's model scores the whole pool by walking the
// postings of its own (at most 1,024) columns, so serving a list is a few hundred thousand
// multiply-adds over typed arrays — no text is read and no feature computed on the web thread.
//
// Layout (little-endian, every section 4-byte aligned): magic, n, nnz, cols; ids[n] (int32);
// start[cols + 1] (int32: column c's postings are start[c] … start[c+1] − 1); doc[nnz] (int32, the
// paper's position in ids); val[nnz] (float32). Fixed 1 MB for `start` at 2^18 columns, then 8 bytes
// a posting: a month of 274 papers a day (100k papers a year) is about 13 MB.
import { HASH_SIZE, type SparseRow } from './features.ts';
import type { ReaderModel } from './model.ts';

export interface CandidatePool {
  ids: Int32Array;
  start: Int32Array;
  doc: Int32Array;
  val: Float32Array;
}

const MAGIC = 0x50425031; // "PBP1"
const HEAD = 16;

/** The inverted index of the papers' features (a counting sort by column: O(postings + columns)). */
export function buildPool(ids: number[], feats: SparseRow[]): CandidatePool {
  const start = new Int32Array(HASH_SIZE + 1);
  let nnz = 0;
  for (const f of feats) {
    for (const c of f.idx) start[c + 1]++;
    nnz += f.idx.length;
  }
  for (let c = 0; c < HASH_SIZE; c++) start[c + 1] += start[c];
  const fill = start.slice(0, HASH_SIZE);
  const doc = new Int32Array(nnz);
  const val = new Float32Array(nnz);
  feats.forEach((f, i) => {
    for (let k = 0; k < f.idx.length; k++) {
      const at = fill[f.idx[k]]++;
      doc[at] = i;
      val[at] = f.val[k];
    }
  });
  return { ids: Int32Array.from(ids), start, doc, val };
}

export function encodePool(p: CandidatePool): Buffer {
  const n = p.ids.length;
  const nnz = p.doc.length;
  const buf = Buffer.alloc(HEAD + 4 * (n + p.start.length + 2 * nnz));
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(n, 4);
  buf.writeUInt32LE(nnz, 8);
  buf.writeUInt32LE(p.start.length - 1, 12);
  let o = HEAD;
  for (const a of [p.ids, p.start, p.doc, p.val]) {
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).copy(buf, o);
    o += a.byteLength;
  }
  return buf;
}

/** Views over the encoded bytes (copied once into an aligned buffer when they are not aligned). */
export function decodePool(b: Uint8Array): CandidatePool {
  const bytes = b.byteOffset % 4 === 0 ? b : Uint8Array.from(b);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < HEAD || dv.getUint32(0, true) !== MAGIC) throw new Error('not a candidate pool');
  const n = dv.getUint32(4, true);
  const nnz = dv.getUint32(8, true);
  const cols = dv.getUint32(12, true);
  if (cols !== HASH_SIZE || bytes.byteLength !== HEAD + 4 * (n + cols + 1 + 2 * nnz)) throw new Error('candidate pool: wrong size');
  let o = bytes.byteOffset + HEAD;
  const take = <T>(make: (buf: ArrayBufferLike, off: number, len: number) => T, len: number): T => {
    const t = make(bytes.buffer, o, len);
    o += 4 * len;
    return t;
  };
  return {
    ids: take((a, off, len) => new Int32Array(a, off, len), n),
    start: take((a, off, len) => new Int32Array(a, off, len), cols + 1),
    doc: take((a, off, len) => new Int32Array(a, off, len), nnz),
    val: take((a, off, len) => new Float32Array(a, off, len), nnz),
  };
}

/** Every pool paper's lexical score under the model (bias included). */
export function scorePool(m: Pick<ReaderModel, 'lexIdx' | 'lexVal' | 'bias'>, p: CandidatePool): Float32Array {
  const out = new Float32Array(p.ids.length).fill(m.bias);
  for (let k = 0; k < m.lexIdx.length; k++) {
    const c = m.lexIdx[k];
    if (c < 0 || c >= p.start.length - 1) continue;
    const w = m.lexVal[k];
    for (let j = p.start[c]; j < p.start[c + 1]; j++) out[p.doc[j]] += w * p.val[j];
  }
  return out;
}

/** Positions of the `limit` best scores, best first, skipping papers `skip` says to (a partial selection). */
export function topPositions(scores: Float32Array, limit: number, skip: (i: number) => boolean): { i: number; s: number }[] {
  const top: { i: number; s: number }[] = [];
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (top.length === limit && s <= top[limit - 1].s) continue;
    if (skip(i)) continue;
    let j = top.length < limit ? top.length : limit - 1;
    while (j > 0 && top[j - 1].s < s) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = { i, s };
  }
  return top;
}
