// The per-reader model: one linear function over a paper's embedding and its hashed 1–2-gram
// features, learned by a linear SVM (src/recs/svm.ts) from the reader's positives (upvotes, saved
// papers, papers by followed authors, cold-start seeds) against "not interested" papers (at a
// higher cost) and sampled papers the reader passed over. The centroid of the positives'
// embeddings is added to the embedding weights (a Rocchio term), which keeps a model trained on
// one or two papers sensible. It is stored as one weight vector: the dense embedding weights plus
// the K largest lexical weights, a few kilobytes per reader.
import { HASH_SIZE, type SparseRow } from './features.ts';
import { trainSvm } from './svm.ts';

export interface PaperFeatures {
  /** Unit-length embedding from the current embedder, or null when the paper has none yet. */
  vec: Float32Array | null;
  lex: SparseRow;
}

export interface Example {
  f: PaperFeatures;
  /** Cost factor: 1 for most, more for an explicit "not interested" or an upvote. */
  weight?: number;
}

export interface ModelParams {
  /** Scale of the embedding columns against the (unit) lexical ones. */
  embScale: number;
  /** Weight of the positives' embedding centroid in the score. */
  centroid: number;
  C: number;
  /** Lexical weights kept in the stored model. */
  keep: number;
  /** Sampled papers the reader passed over, as negatives. */
  negatives: number;
  /** Newer upvotes count more: costs ramp from 1 − r (oldest) to 1 + r (newest). */
  recency: number;
  /**
   * Weight of the lexical Rocchio direction (positives' mean less negatives' mean, unit length) added
   * to the SVM's lexical weights: an n-gram every positive shares counts for all of them, where the
   * SVM spreads its margin over each positive's own words.
   */
  lexCentroid: number;
}

/** The cost of the i-th of n upvotes, oldest first. */
export function recencyWeight(i: number, n: number, r: number): number {
  return n > 1 ? 1 + r * ((2 * i) / (n - 1) - 1) : 1;
}

/**
 * Chosen by `eval --recs` on the bundled sample's inner split (each simulated reader's older upvotes
 * predicting their newer upvotes; the held-out papers are never seen), see docs/recommendations.md.
 */
export const DEFAULT_PARAMS: ModelParams = { embScale: 0, centroid: 0, C: 0.03, keep: 1024, negatives: 400, recency: 0, lexCentroid: 1 };

export interface ReaderModel {
  /** The embedder whose vectors the dense weights apply to ('' when trained without vectors). */
  embedder: string;
  dense: Float32Array;
  lexIdx: Int32Array;
  lexVal: Float32Array;
  bias: number;
  positives: number;
  negatives: number;
}

export function trainReaderModel(pos: Example[], neg: Example[], embedder: string, dims: number, p: ModelParams = DEFAULT_PARAMS): ReaderModel {
  const useVec = dims > 0 && embedder !== '';
  const rows: SparseRow[] = [];
  const y: number[] = [];
  const costs: number[] = [];
  const centroid = new Float64Array(useVec ? dims : 0);
  const negMean = new Float64Array(useVec ? dims : 0);
  let nc = 0;
  let nn = 0;
  const svmVec = useVec && p.embScale > 0;
  const add = (e: Example, label: number) => {
    const v = useVec ? e.f.vec : null;
    if (v && label > 0) {
      for (let d = 0; d < dims; d++) centroid[d] += v[d] * (e.weight ?? 1);
      nc += e.weight ?? 1;
    } else if (v) {
      for (let d = 0; d < dims; d++) negMean[d] += v[d];
      nn++;
    }
    if (!svmVec) {
      rows.push(e.f.lex);
      y.push(label);
      costs.push(e.weight ?? 1);
      return;
    }
    const n = e.f.lex.idx.length + (v ? dims : 0);
    const idx = new Int32Array(n);
    const val = new Float32Array(n);
    idx.set(e.f.lex.idx);
    val.set(e.f.lex.val);
    if (v) {
      for (let d = 0; d < dims; d++) {
        idx[e.f.lex.idx.length + d] = HASH_SIZE + d;
        val[e.f.lex.idx.length + d] = v[d] * p.embScale;
      }
    }
    rows.push({ idx, val });
    y.push(label);
    costs.push(e.weight ?? 1);
  };
  for (const e of pos) add(e, 1);
  for (const e of neg) add(e, -1);
  const dense = new Float32Array(useVec ? dims : 0);
  let lexIdx = new Int32Array(0);
  let lexVal = new Float32Array(0);
  let bias = 0;
  if (pos.length && neg.length) {
    const m = trainSvm(rows, y, HASH_SIZE + (svmVec ? dims : 0), { C: p.C, costs, tol: 1e-3, maxIter: 200 });
    if (p.lexCentroid) {
      const r = new Map<number, number>();
      let wp = 0;
      for (const e of pos) wp += e.weight ?? 1;
      for (const e of pos)
        for (let k = 0; k < e.f.lex.idx.length; k++) r.set(e.f.lex.idx[k], (r.get(e.f.lex.idx[k]) ?? 0) + (e.f.lex.val[k] * (e.weight ?? 1)) / wp);
      for (const e of neg) for (let k = 0; k < e.f.lex.idx.length; k++) r.set(e.f.lex.idx[k], (r.get(e.f.lex.idx[k]) ?? 0) - e.f.lex.val[k] / neg.length);
      let norm = 0;
      for (const v of r.values()) norm += v * v;
      norm = Math.sqrt(norm) || 1;
      for (const [c, v] of r) m.w[c] += (p.lexCentroid * v) / norm;
    }
    if (svmVec) for (let d = 0; d < dense.length; d++) dense[d] = m.w[HASH_SIZE + d] * p.embScale;
    bias = m.w[m.cols] * m.bias;
    const nz: number[] = [];
    for (let c = 0; c < HASH_SIZE; c++) if (m.w[c] !== 0) nz.push(c);
    nz.sort((a, b) => Math.abs(m.w[b]) - Math.abs(m.w[a]));
    const kept = nz.slice(0, p.keep).sort((a, b) => a - b);
    lexIdx = Int32Array.from(kept);
    lexVal = Float32Array.from(kept, (c) => m.w[c]);
  }
  if (nc) {
    // Rocchio: the positives' mean less the negatives' mean, which removes the direction every
    // paper shares (static embeddings have a large common component).
    for (let d = 0; d < dims; d++) centroid[d] = centroid[d] / nc - (nn ? negMean[d] / nn : 0);
    let norm = 0;
    for (let d = 0; d < dims; d++) norm += centroid[d] * centroid[d];
    norm = Math.sqrt(norm) || 1;
    for (let d = 0; d < dims; d++) dense[d] += (p.centroid * centroid[d]) / norm;
  }
  return { embedder: useVec ? embedder : '', dense, lexIdx, lexVal, bias, positives: pos.length, negatives: neg.length };
}

/** A scorer with the lexical weights spread into a lookup table (build once per model, score many papers). */
export class Scorer {
  private readonly lex = new Map<number, number>();
  /** Whether the dense weights are all zero (then papers' embeddings are not read). */
  private readonly noDense: boolean;
  constructor(readonly model: ReaderModel) {
    for (let i = 0; i < model.lexIdx.length; i++) this.lex.set(model.lexIdx[i], model.lexVal[i]);
    this.noDense = model.dense.every((v) => v === 0);
  }

  score(f: PaperFeatures): number {
    let s = this.model.bias;
    const d = this.model.dense;
    if (!this.noDense && f.vec && d.length === f.vec.length) for (let i = 0; i < d.length; i++) s += d[i] * f.vec[i];
    if (this.lex.size) {
      const { idx, val } = f.lex;
      for (let p = 0; p < idx.length; p++) {
        const w = this.lex.get(idx[p]);
        if (w !== undefined) s += w * val[p];
      }
    }
    return s;
  }
}

const MAGIC = 0x50425231; // "PBR1"

/** Serialises a model: header, embedder id, dense weights, lexical (index, weight) pairs. */
export function encodeModel(m: ReaderModel): Buffer {
  const emb = Buffer.from(m.embedder, 'utf8');
  const head = 4 * 7;
  const buf = Buffer.alloc(head + emb.length + 4 * m.dense.length + 8 * m.lexIdx.length);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(emb.length, 4);
  buf.writeUInt32LE(m.dense.length, 8);
  buf.writeUInt32LE(m.lexIdx.length, 12);
  buf.writeFloatLE(m.bias, 16);
  buf.writeUInt32LE(m.positives, 20);
  buf.writeUInt32LE(m.negatives, 24);
  emb.copy(buf, head);
  let o = head + emb.length;
  for (const v of m.dense) o = buf.writeFloatLE(v, o);
  for (const v of m.lexIdx) o = buf.writeInt32LE(v, o);
  for (const v of m.lexVal) o = buf.writeFloatLE(v, o);
  return buf;
}

export function decodeModel(b: Buffer | Uint8Array): ReaderModel {
  const buf = Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  if (buf.length < 28 || buf.readUInt32LE(0) !== MAGIC) throw new Error('not a reader model');
  const embLen = buf.readUInt32LE(4);
  const dims = buf.readUInt32LE(8);
  const k = buf.readUInt32LE(12);
  let o = 28;
  const embedder = buf.toString('utf8', o, o + embLen);
  o += embLen;
  const dense = new Float32Array(dims);
  for (let i = 0; i < dims; i++, o += 4) dense[i] = buf.readFloatLE(o);
  const lexIdx = new Int32Array(k);
  for (let i = 0; i < k; i++, o += 4) lexIdx[i] = buf.readInt32LE(o);
  const lexVal = new Float32Array(k);
  for (let i = 0; i < k; i++, o += 4) lexVal[i] = buf.readFloatLE(o);
  return { embedder, dense, lexIdx, lexVal, bias: buf.readFloatLE(16), positives: buf.readUInt32LE(20), negatives: buf.readUInt32LE(24) };
}
