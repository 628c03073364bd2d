// Trains Paperboy's own static embedding model from the corpus it holds, offline, in pure
// TypeScript: word co-occurrence counts in a sliding window → positive PMI (context distribution
// smoothing 0.75) → truncated eigendecomposition by randomized subspace iteration → word vectors
// scaled by inverse document frequency. Saved in the Model2Vec layout so the same loader serves it.
import { Tokenizer, wordLevelTokenizerJson } from '../tokenizer.ts';
import { STOPWORDS } from '../text.ts';
import type { StaticModel } from './static.ts';
import { jacobiEigen, orthonormalize, spmm, type Csr } from './eigen.ts';
import { sentences, trainContrastive, type ContrastiveCheckpoint, type ContrastiveOptions, type TokenizedDoc } from './contrastive.ts';

/** A paper to learn from: its title and abstract (or one text, whose first sentence counts as the title). */
export type TrainDoc = string | { title: string; abstract: string };

export const DEFAULT_MIN_DF = 1;

export interface TrainOptions {
  dims?: number;
  window?: number;
  /**
   * Words in fewer documents are left out (default 1: every word, up to maxVocab by document
   * frequency). SciFact training queries, vector nDCG@10: 0.610 with 2, 0.664 with 1 — a claim's
   * rare terms often occur in one abstract only, the one it is about. In a large corpus maxVocab
   * cuts the vocabulary first, so this matters for small instances.
   */
  minDf?: number;
  maxVocab?: number;
  /** Power iterations of the randomized eigensolver. */
  iterations?: number;
  seed?: number;
  /** The contrastive stage after PPMI (false: PPMI only). */
  contrastive?: ContrastiveOptions | false;
  /** Pooling weight of a word: its idf raised to this power (1: idf-weighted mean). */
  idfPower?: number;
  /** Share of the trained rows in the saved ones, the rest the PPMI rows they started from (1: trained only). */
  mix?: number;
  /** Goes on from a checkpoint of the contrastive stage (taken with the same documents and options). */
  resume?: ContrastiveCheckpoint;
  /** Called after each contrastive epoch with a checkpoint to resume from. */
  onCheckpoint?: (c: ContrastiveCheckpoint) => void;
  log?: (msg: string) => void;
}

export interface TrainStats {
  docs: number;
  vocab: number;
  pairs: number;
  seconds: number;
  /** Mean InfoNCE loss of each contrastive epoch. */
  losses?: number[];
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Counts of non-negative integer keys: open addressing with linear probing, doubling at half full. */
export class PairCounter {
  private keys = new Float64Array(1 << 16).fill(-1);
  private counts = new Int32Array(1 << 16);
  private bits = 16;
  private used = 0;

  private slot(key: number): number {
    // Fibonacci hashing of the key's low 32 bits (keys are below 2^32 for vocabularies up to 65,536 words; above, only the spread suffers).
    let h = Math.imul(key % 4294967296 | 0, 0x9e3779b1) >>> (32 - this.bits);
    const mask = (1 << this.bits) - 1;
    while (this.keys[h] !== key && this.keys[h] !== -1) h = (h + 1) & mask;
    return h;
  }

  add(key: number): void {
    const h = this.slot(key);
    if (this.keys[h] === key) {
      this.counts[h]++;
      return;
    }
    this.keys[h] = key;
    this.counts[h] = 1;
    if (++this.used * 2 > this.keys.length) this.grow();
  }

  get size(): number {
    return this.used;
  }

  /** Every key with its count, in the table's order (the same for the same adds). */
  forEach(f: (key: number, count: number) => void): void {
    for (let h = 0; h < this.keys.length; h++) if (this.keys[h] !== -1) f(this.keys[h], this.counts[h]);
  }

  private grow(): void {
    const { keys, counts } = this;
    this.bits++;
    this.keys = new Float64Array(1 << this.bits).fill(-1);
    this.counts = new Int32Array(1 << this.bits);
    for (let h = 0; h < keys.length; h++) {
      if (keys[h] === -1) continue;
      const s = this.slot(keys[h]);
      this.keys[s] = keys[h];
      this.counts[s] = counts[h];
    }
  }
}

/** The PPMI stage's output: unit word rows (row 0 is [UNK]), idf per row, and the papers as row ids for the pairs. */
export interface PpmiStage {
  vocab: string[];
  table: Float32Array;
  idf: Float32Array;
  dims: number;
  docs: TokenizedDoc[];
  pairs: number;
  started: number;
}

/**
 * Trains the default static model: PPMI vectors, then (unless `contrastive: false`) contrastive
 * training from them; plain data in, the model out (no database, no network), so that it can run
 * in a worker thread.
 */
export function trainStaticModel(docs: Iterable<TrainDoc>, opts: TrainOptions = {}): { model: StaticModel; stats: TrainStats } {
  return finishModel(trainPpmi(docs, opts), opts);
}

/** The contrastive stage on a copy of the PPMI rows, then the rows weighted by idf: the model. */
export function finishModel(p: PpmiStage, opts: TrainOptions = {}): { model: StaticModel; stats: TrainStats } {
  const { dims, idf, vocab } = p;
  const V = vocab.length;
  const log = opts.log ?? (() => {});
  const contrastive = opts.contrastive !== false;
  const emb = p.table.slice();
  const power = opts.idfPower ?? 1;
  const weight = power === 1 ? idf : idf.map((x) => Math.max(0, x) ** power);
  let losses: number[] | undefined;
  if (contrastive) losses = trainContrastive(emb, dims, weight, p.docs, { ...(opts.contrastive || {}), resume: opts.resume, onEpoch: opts.onCheckpoint, log });
  const mix = contrastive ? (opts.mix ?? 1) : 1;
  for (let i = 1; i <= V; i++) {
    const r = i * dims;
    for (let d = 0; d < dims; d++) emb[r + d] = (mix * emb[r + d] + (1 - mix) * p.table[r + d]) * weight[i];
  }
  const seconds = (Date.now() - p.started) / 1000;
  log(`trained in ${seconds.toFixed(1)} s`);
  return {
    model: {
      tokenizerJson: wordLevelTokenizerJson(vocab),
      embeddings: emb,
      dims,
      config: {
        name: 'paperboy',
        trained_docs: p.docs.length,
        window: opts.window ?? 5,
        min_df: opts.minDf ?? DEFAULT_MIN_DF,
        method: contrastive ? 'ppmi-eigen+infonce' : 'ppmi-eigen',
        ...(power !== 1 ? { idf_power: power } : {}),
        ...(mix !== 1 ? { mix } : {}),
        ...(contrastive ? { contrastive: opts.contrastive || {} } : {}),
        trained_at: new Date().toISOString(),
      },
    },
    stats: { docs: p.docs.length, vocab: V, pairs: p.pairs, seconds, losses },
  };
}

/** Word co-occurrences → PPMI → its top eigenvectors: one unit row per word. */
export function trainPpmi(docs: Iterable<TrainDoc>, opts: TrainOptions = {}): PpmiStage {
  const started = Date.now();
  const dims = opts.dims ?? 256;
  const window = opts.window ?? 5;
  const minDf = opts.minDf ?? DEFAULT_MIN_DF;
  const maxVocab = opts.maxVocab ?? 60_000;
  const log = opts.log ?? (() => {});
  const splitter = new Tokenizer(wordLevelTokenizerJson([]));
  const keep = (w: string) => w.length > 1 && !STOPWORDS.has(w) && !/^\d+$/.test(w);

  // Pass 1: document frequencies. The word lists are kept to avoid tokenizing twice.
  const df = new Map<string, number>();
  const texts: string[][] = [];
  // Each paper's title and sentences as words, for the contrastive pairs.
  const parts: { title: string[]; sentences: string[][] }[] = [];
  for (const d of docs) {
    const title = typeof d === 'string' ? '' : d.title;
    const ss = sentences(typeof d === 'string' ? d : d.abstract);
    const tw = typeof d === 'string' ? splitter.words(ss.shift() ?? '').filter(keep) : splitter.words(title).filter(keep);
    const sw = ss.map((x) => splitter.words(x).filter(keep));
    const ws = tw.concat(...sw);
    texts.push(ws);
    parts.push({ title: tw, sentences: sw });
    for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1);
  }
  const nDocs = texts.length;
  const vocab = [...df.entries()]
    .filter(([, n]) => n >= minDf)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, maxVocab)
    .map(([w]) => w);
  const V = vocab.length;
  if (V < dims + 20) throw new Error(`corpus too small to train a ${dims}-dimension model (${V} words in ≥ ${minDf} documents)`);
  const index = new Map(vocab.map((w, i) => [w, i]));
  log(`${nDocs} documents, ${V} words`);

  // Pass 2: co-occurrence pairs (i < j) within the window, counted in a hash table keyed by i·V + j.
  // (Sorting every occurrence instead held 134M keys, 1 GB and more while it grew, at 193k papers.)
  const counter = new PairCounter();
  let nk = 0;
  for (const ws of texts) {
    const ids: number[] = [];
    for (const w of ws) {
      const id = index.get(w);
      if (id !== undefined) ids.push(id);
    }
    for (let a = 0; a < ids.length; a++) {
      for (let b = a + 1; b <= a + window && b < ids.length; b++) {
        const i = ids[a];
        const j = ids[b];
        if (i === j) continue;
        counter.add(i < j ? i * V + j : j * V + i);
        nk++;
      }
    }
  }
  texts.length = 0;
  const pi: number[] = [];
  const pj: number[] = [];
  const pc: number[] = [];
  counter.forEach((k, c) => {
    pi.push(Math.floor(k / V));
    pj.push(k % V);
    pc.push(c);
  });
  log(`${nk} co-occurrences, ${pc.length} distinct pairs`);

  // PPMI with the context distribution raised to 0.75 (Levy et al. 2015).
  const rowSum = new Float64Array(V);
  for (let p = 0; p < pc.length; p++) {
    rowSum[pi[p]] += pc[p];
    rowSum[pj[p]] += pc[p];
  }
  let ctxTotal = 0;
  const ctx = new Float64Array(V);
  for (let i = 0; i < V; i++) ctxTotal += ctx[i] = rowSum[i] ** 0.75;
  const entries: [number, number, number][] = [];
  for (let p = 0; p < pc.length; p++) {
    const i = pi[p];
    const j = pj[p];
    const pmiIJ = Math.log((pc[p] * ctxTotal) / (rowSum[i] * ctx[j]));
    const pmiJI = Math.log((pc[p] * ctxTotal) / (rowSum[j] * ctx[i]));
    // Symmetrise by averaging the two directions.
    const v = (Math.max(0, pmiIJ) + Math.max(0, pmiJI)) / 2;
    if (v > 0) entries.push([i, j, v]);
  }
  // The eigensolver works on the words of two or more documents (the vocabulary is sorted by
  // document frequency, so they come first); a word of one document only is folded in afterwards
  // from its co-occurrences with those (its row of the PPMI matrix times the eigenvectors). Keeping
  // every word doubles the vocabulary of a small corpus, and the solver's cost grows with it.
  let Vc = 0;
  while (Vc < V && df.get(vocab[Vc])! >= 2) Vc++;
  if (Vc < dims + 20) Vc = V;
  const folded: [number, number, number][] = [];
  const counts = new Int32Array(Vc + 1);
  for (const [i, j, v] of entries) {
    if (i < Vc && j < Vc) {
      counts[i + 1]++;
      counts[j + 1]++;
    } else if (i < Vc) folded.push([j, i, v]);
    else if (j < Vc) folded.push([i, j, v]);
  }
  for (let i = 0; i < Vc; i++) counts[i + 1] += counts[i];
  const cols = new Int32Array(counts[Vc]);
  const vals = new Float32Array(counts[Vc]);
  const fill = counts.slice(0, Vc);
  for (const [i, j, v] of entries) {
    if (i >= Vc || j >= Vc) continue;
    cols[fill[i]] = j;
    vals[fill[i]++] = v;
    cols[fill[j]] = i;
    vals[fill[j]++] = v;
  }
  const m: Csr = { n: Vc, rowPtr: counts, cols, vals };
  log(`PPMI matrix: ${cols.length} non-zeros`);

  // Randomized subspace iteration for the top eigenpairs of the symmetric PPMI matrix.
  const l = Math.min(Vc, dims + 16);
  const rand = rng(opts.seed ?? 42);
  let y: Float64Array = new Float64Array(Vc * l);
  for (let i = 0; i < y.length; i++) y[i] = rand() * 2 - 1;
  y = spmm(m, y, l);
  orthonormalize(y, Vc, l);
  for (let it = 0; it < (opts.iterations ?? 3); it++) {
    y = spmm(m, y, l);
    orthonormalize(y, Vc, l);
  }
  const my = spmm(m, y, l);
  const t = new Float64Array(l * l);
  for (let i = 0; i < Vc; i++) {
    const r = i * l;
    for (let a = 0; a < l; a++) {
      const ya = y[r + a];
      for (let b = 0; b < l; b++) t[a * l + b] += ya * my[r + b];
    }
  }
  // Symmetrise against rounding.
  for (let a = 0; a < l; a++) for (let b = a + 1; b < l; b++) t[a * l + b] = t[b * l + a] = (t[a * l + b] + t[b * l + a]) / 2;
  const { values, vectors } = jacobiEigen(t, l);
  const order = [...values.keys()].sort((a, b) => Math.abs(values[b]) - Math.abs(values[a])).slice(0, dims);

  // Word vectors: Q·U scaled by sqrt(|λ|), each row normalised (then trained), then weighted by idf.
  // A folded-in row: Σ ppmi(w, c) · (Q·U)[c] / sqrt|λ| (the row of M·U·Λ^-1, scaled as the others).
  const emb = new Float32Array((V + 1) * dims); // row 0 is [UNK]
  const idf = new Float32Array(V + 1);
  for (let i = 0; i < Vc; i++) {
    const r = i * l;
    const out = (i + 1) * dims;
    for (let d = 0; d < dims; d++) {
      const k = order[d];
      let s = 0;
      for (let a = 0; a < l; a++) s += y[r + a] * vectors[a * l + k];
      emb[out + d] = s; // Q·U for now
    }
  }
  for (const [w, c, v] of folded) {
    const out = (w + 1) * dims;
    const from = (c + 1) * dims;
    for (let d = 0; d < dims; d++) emb[out + d] += v * emb[from + d];
  }
  for (let i = 0; i < V; i++) {
    const out = (i + 1) * dims;
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      const lambda = values[order[d]];
      const x = emb[out + d] * (i < Vc ? Math.sqrt(Math.abs(lambda)) : Math.sign(lambda) / Math.sqrt(Math.abs(lambda) || 1));
      emb[out + d] = x;
      norm += x * x;
    }
    norm = Math.sqrt(norm) || 1;
    idf[i + 1] = Math.log((nDocs + 1) / (df.get(vocab[i])! + 0.5));
    for (let d = 0; d < dims; d++) emb[out + d] = emb[out + d] / norm;
  }
  log(`PPMI vectors in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const ids = (ws: string[]) => {
    const out: number[] = [];
    for (const w of ws) {
      const id = index.get(w);
      if (id !== undefined) out.push(id + 1);
    }
    return Int32Array.from(out);
  };
  const tokenized: TokenizedDoc[] = parts.map((p) => ({ title: ids(p.title), sentences: p.sentences.map(ids).filter((x) => x.length > 0) }));
  parts.length = 0;
  return { vocab, table: emb, idf, dims, docs: tokenized, pairs: pc.length, started };
}
