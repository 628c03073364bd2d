// Offline evaluation of the recommender (`eval --recs`). Simulated readers are the authors with at
// least four papers in the corpus: the older half of their papers are their upvotes, the newer half
// is held out; the candidates are every paper published after the last upvoted one. Features come
// from titles and abstracts only (author names would give the answer away). Paperboy's model and
// three baselines run in the same pass: newest first, category match, and arxiv-sanity-lite's
// tf-idf + linear SVM (C = 0.01, balanced classes, the reader's papers against all others).
// Paperboy's free parameters are chosen on an inner split of the upvotes alone (each reader's older
// upvotes predicting their newer upvotes), so the held-out papers never tune anything.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { authorKey, type PaperInput } from '../domain/paper.ts';
import { parseJsonl } from '../ingest/jsonl.ts';
import { ndcgAt, recallAt } from '../search/metrics.ts';
import { trainStaticModel } from '../search/embedders/train.ts';
import { StaticEmbedder } from '../search/embedders/static.ts';
import { documentText } from '../search/embedders/types.ts';
import { SAMPLE_FILES } from '../services/sample.ts';
import { HASH_SIZE, TfidfVocab, applyIdf, fitIdf, hashedFeatures, paperText, type SparseRow } from './features.ts';
import { decision, trainSvm } from './svm.ts';
import { DEFAULT_PARAMS, Scorer, recencyWeight, trainReaderModel, type ModelParams, type PaperFeatures } from './model.ts';

export interface RecsEvalResult {
  users: number;
  ndcg_at_10: number;
  recall_at_50: number;
  baselines: { recent: Metrics; category: Metrics; tfidf_svm: Metrics };
  corpus: number;
  params: ModelParams;
  seconds: number;
}
interface Metrics {
  ndcg_at_10: number;
  recall_at_50: number;
}

interface Doc {
  i: number;
  title: string;
  abstract: string;
  categories: string[];
  published: string;
  authors: string[];
}

interface Reader {
  train: number[];
  held: number[];
}

export async function loadCorpus(file: string): Promise<PaperInput[]> {
  const out: PaperInput[] = [];
  for await (const item of parseJsonl(file, {}, undefined, 'eval')) if (item.kind === 'paper') out.push(item.paper);
  return out;
}

/**
 * A paper's place in publication order: its arXiv identifier, which numbers submissions in order
 * (YYMM.NNNNN; old-style archive/YYMMNNN too). 5,402 of the sample's records carry no date, and
 * the identifier orders those that do the same way.
 */
export function publicationKey(arxivId: string): string {
  const m = /^(\d{2})(\d{2})\.(\d{4,5})$/.exec(arxivId) ?? /^[a-z.-]+\/(\d{2})(\d{2})(\d{3})$/i.exec(arxivId);
  if (!m) return arxivId;
  const yy = Number(m[1]);
  return `${yy > 90 ? 19 : 20}${m[1]}-${m[2]}.${m[3].padStart(5, '0')}`;
}

/** Readers and their splits: older half upvoted (⌊n/2⌋), newer half held out. */
export function simulatedReaders(docs: Doc[], minPapers = 4): Reader[] {
  const by = new Map<string, number[]>();
  for (const d of docs) for (const a of new Set(d.authors.map(authorKey))) if (a) (by.get(a) ?? by.set(a, []).get(a)!).push(d.i);
  const readers: Reader[] = [];
  for (const [key, ids] of [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (ids.length < minPapers || !key) continue;
    ids.sort((a, b) => (docs[a].published < docs[b].published ? -1 : docs[a].published > docs[b].published ? 1 : a - b));
    const k = Math.floor(ids.length / 2);
    readers.push({ train: ids.slice(0, k), held: ids.slice(k) });
  }
  return readers;
}

/** Candidates: papers published after the reader's last upvote, in corpus order (newest last). */
function candidatesAfter(docs: Doc[], last: string): number[] {
  return docs.filter((d) => d.published > last).map((d) => d.i);
}

/** The top 50 candidates by score, ties newest first (docs are in publication order: a larger index is newer or equal). */
function rankBy(cands: number[], score: (i: number) => number, docs: Doc[]): number[] {
  const s = new Float64Array(docs.length);
  for (const i of cands) s[i] = score(i);
  const top: number[] = [];
  const better = (a: number, b: number) => s[a] > s[b] || (s[a] === s[b] && a > b);
  for (const i of cands) {
    if (top.length === TOP && !better(i, top[TOP - 1])) continue;
    let j = top.length < TOP ? top.length : TOP - 1;
    while (j > 0 && better(i, top[j - 1])) {
      top[j] = top[j - 1];
      j--;
    }
    top[j] = i;
  }
  return top;
}
/** Ranks the metrics look at (Recall@50). */
const TOP = 50;
const EMPTY = { idx: new Int32Array(0), val: new Float32Array(0) };

function metricsOf(ranked: number[], held: Set<number>): Metrics {
  const r = ranked.map(String);
  const rel = new Map([...held].map((i) => [String(i), 1]));
  return { ndcg_at_10: ndcgAt(r, rel, 10), recall_at_50: recallAt(r, rel, 50) };
}

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) % n;
  };
}

/** Paperboy's negatives: papers published up to the last upvote (ones the reader passed over), sampled. */
function sampleNegatives(docs: Doc[], byDate: number[], last: string, exclude: Set<number>, n: number, seed: number): number[] {
  // byDate is sorted by published; the seen prefix ends at the last upvote.
  let hi = byDate.length;
  let lo = 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (docs[byDate[mid]].published <= last) lo = mid + 1;
    else hi = mid;
  }
  const seen = lo;
  const rand = rng(seed);
  const out = new Set<number>();
  for (let t = 0; t < n * 3 && out.size < Math.min(n, seen); t++) {
    const i = byDate[rand(seen)];
    if (!exclude.has(i)) out.add(i);
  }
  return [...out];
}

export interface EvalOptions {
  corpus?: string;
  maxReaders?: number;
  grid?: Partial<ModelParams>[];
  /** Idf-weighted lexical features (default true; false measures what idf adds). */
  idf?: boolean;
  /** A file keeping the corpus embeddings between runs (the embedder training takes a minute). */
  embedCache?: string;
  /**
   * Also try the embedding centroid on the inner split (trains the static embedder on the corpus
   * first: minutes on a shared machine). Off by default: it lost every inner split on the sample
   * (docs/recommendations.md), and the live models give the embedding no weight.
   */
  embeddings?: boolean;
}

/** Everything the readers' rankings need, built the same way in every thread from the same corpus. */
export interface EvalContext {
  docs: Doc[];
  byDate: number[];
  readers: Reader[];
  vocab: TfidfVocab;
  tfidf: SparseRow[];
  feats: PaperFeatures[];
  embedder: { id: string; dims: number };
  grid: ModelParams[];
  table: Float32Array;
}

export async function prepareEval(opts: EvalOptions, log: (m: string) => void = () => {}): Promise<EvalContext> {
  const started = Date.now();
  const papers = await loadCorpus(opts.corpus ?? SAMPLE_FILES.arxiv);
  const keyed = papers.map((p) => ({ p, key: publicationKey(p.arxivId) })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const docs: Doc[] = keyed.map(({ p, key }, i) => ({ i, title: p.title, abstract: p.abstract, categories: p.categories, published: key, authors: p.authors }));
  let readers = simulatedReaders(docs);
  if (opts.maxReaders) readers = readers.slice(0, opts.maxReaders);
  log(`${docs.length} papers, ${readers.length} simulated readers`);
  // Baseline features: sanity-lite's fitted tf-idf over the whole corpus.
  const texts = docs.map((d) => paperText(d.title, d.abstract));
  const vocab = TfidfVocab.fit(texts);
  const tfidf = texts.map((t) => vocab.transform(t));
  log(`tf-idf: ${vocab.size} features`);
  // The grid Paperboy's free parameters are chosen from, on the inner split: the SVM alone, with the
  // lexical Rocchio term, and (with `embeddings`) with the embedding centroid.
  const grid: ModelParams[] = (opts.grid ?? [{ lexCentroid: 0 }, { lexCentroid: 1 }, ...(opts.embeddings ? [{ lexCentroid: 1, centroid: 0.5 }] : [])]).map(
    (g) => ({ ...DEFAULT_PARAMS, ...g }),
  );
  // Paperboy's features: hashed n-grams, and the static embedder trained on the corpus (as a new
  // instance trains it) when a parameter set gives the embedding a weight.
  const useVecs = grid.some((p) => p.centroid > 0 || p.embScale > 0);
  const vecs = useVecs ? embedAll(docs, opts.embedCache) : [];
  const embedder = { id: useVecs ? 'static:eval' : '', dims: vecs[0]?.length ?? 0 };
  const feats: PaperFeatures[] = docs.map((_, k) => ({ vec: vecs[k] ?? null, lex: hashedFeatures(texts[k]) }));
  if (useVecs) log(`embedder ready (${embedder.dims} dims) after ${Math.round((Date.now() - started) / 1000)} s`);
  if (opts.idf !== false) {
    // The live recommender fits its idf on a sample of the corpus; here, on the whole corpus (as the baseline's vocabulary is).
    const idf = fitIdf(feats.map((f) => f.lex));
    for (const f of feats) f.lex = applyIdf(f.lex, idf);
  }
  return { docs, byDate: docs.map((d) => d.i), readers, vocab, tfidf, feats, embedder, grid, table: new Float32Array(HASH_SIZE) };
}

function paperboyRank(ctx: EvalContext, r: Reader, cands: number[], p: ModelParams, seed: number): number[] {
  const { docs, feats, table } = ctx;
  const last = docs[r.train[r.train.length - 1]].published;
  const negIds = sampleNegatives(docs, ctx.byDate, last, new Set(r.train), p.negatives, seed);
  const m = trainReaderModel(
    r.train.map((i, k) => ({ f: feats[i], weight: recencyWeight(k, r.train.length, p.recency) })),
    negIds.map((i) => ({ f: feats[i] })),
    ctx.embedder.id,
    ctx.embedder.dims,
    p,
  );
  // The model's lexical weights spread into a dense table (set, used, cleared): a lookup per n-gram.
  for (let k = 0; k < m.lexIdx.length; k++) table[m.lexIdx[k]] = m.lexVal[k];
  const sc = new Scorer(m);
  const useDense = m.dense.some((v) => v !== 0);
  const ranked = rankBy(
    cands,
    (i) => {
      const { idx, val } = feats[i].lex;
      let s = useDense ? sc.score({ vec: feats[i].vec, lex: EMPTY }) : m.bias;
      for (let q = 0; q < idx.length; q++) s += table[idx[q]] * val[q];
      return s;
    },
    docs,
  );
  for (let k = 0; k < m.lexIdx.length; k++) table[m.lexIdx[k]] = 0;
  return ranked;
}

/** Inner split (tuning): each reader's older upvotes predict their newer ones. nDCG@10 sums per grid entry, over the readers `mine` keeps. */
export function innerSums(ctx: EvalContext, mine: (ri: number) => boolean): { sum: number[]; n: number } {
  const { docs } = ctx;
  const sum = ctx.grid.map(() => 0);
  let n = 0;
  for (const [ri, full] of ctx.readers.entries()) {
    if (full.train.length < 2 || !mine(ri)) continue;
    const k = Math.floor(full.train.length / 2);
    const r = { train: full.train.slice(0, k), held: full.train.slice(k) };
    const last = docs[r.train[r.train.length - 1]].published;
    const held = new Set(r.held.filter((i) => docs[i].published > last));
    if (!held.size) continue;
    // Only papers up to the reader's last real upvote exist for tuning: later ones are the test.
    const lastReal = docs[r.held[r.held.length - 1]].published;
    const visible = candidatesAfter(docs, last).filter((i) => docs[i].published <= lastReal);
    ctx.grid.forEach((p, g) => (sum[g] += metricsOf(paperboyRank(ctx, r, visible, p, ri + 7), held).ndcg_at_10));
    n++;
  }
  return { sum, n };
}

type Sums = Record<'pb' | 'recent' | 'category' | 'svm', { n: number; r: number }> & { users: number };

/** The held-out evaluation of Paperboy (with `params`) and the baselines, summed over the readers `mine` keeps. */
export function finalSums(ctx: EvalContext, params: ModelParams, mine: (ri: number) => boolean, log: (m: string) => void = () => {}): Sums {
  const { docs, tfidf, vocab } = ctx;
  const sums: Sums = { pb: { n: 0, r: 0 }, recent: { n: 0, r: 0 }, category: { n: 0, r: 0 }, svm: { n: 0, r: 0 }, users: 0 };
  const add = (k: 'pb' | 'recent' | 'category' | 'svm', m: Metrics) => {
    sums[k].n += m.ndcg_at_10;
    sums[k].r += m.recall_at_50;
  };
  const labels = new Float64Array(docs.length);
  for (const [ri, r] of ctx.readers.entries()) {
    if (!mine(ri)) continue;
    const last = docs[r.train[r.train.length - 1]].published;
    const cands = candidatesAfter(docs, last);
    const held = new Set(r.held.filter((i) => docs[i].published > last));
    if (!held.size) continue;
    sums.users++;
    add(
      'recent',
      metricsOf(
        rankBy(cands, () => 0, docs),
        held,
      ),
    );
    const catCount = new Map<string, number>();
    for (const i of r.train) for (const c of docs[i].categories) catCount.set(c, (catCount.get(c) ?? 0) + 1);
    add(
      'category',
      metricsOf(
        rankBy(cands, (i) => docs[i].categories.reduce((s, c) => s + (catCount.get(c) ?? 0), 0), docs),
        held,
      ),
    );
    // arxiv-sanity-lite: positives = the reader's papers, negatives = every other paper in the corpus.
    labels.fill(-1);
    for (const i of r.train) labels[i] = 1;
    const svm = trainSvm(tfidf, labels, vocab.size, { C: 0.01, classWeight: 'balanced', tol: 1e-6, maxIter: 10_000 });
    const pos = new Set(r.train);
    add(
      'svm',
      metricsOf(
        rankBy(
          cands.filter((i) => !pos.has(i)),
          (i) => decision(svm, tfidf[i]),
          docs,
        ),
        held,
      ),
    );
    add('pb', metricsOf(paperboyRank(ctx, r, cands, params, ri + 1), held));
    if (sums.users % 100 === 0) log(`${sums.users} readers…`);
  }
  return sums;
}

/** Picks the grid entry with the best inner-split nDCG@10 (the first on a tie). */
export function pickParams(grid: ModelParams[], inner: { sum: number[]; n: number }[], log: (m: string) => void = () => {}): ModelParams {
  const n = inner.reduce((s, x) => s + x.n, 0);
  let best = grid[0] ?? DEFAULT_PARAMS;
  let bestScore = -1;
  grid.forEach((p, g) => {
    const score = n ? inner.reduce((s, x) => s + x.sum[g], 0) / n : 0;
    log(`inner split: ${JSON.stringify(p)} nDCG@10 ${score.toFixed(4)} (${n} readers)`);
    if (score > bestScore) {
      bestScore = score;
      best = p;
    }
  });
  return best;
}

export function summarise(parts: Sums[], ctx: { corpus: number }, params: ModelParams, started: number): RecsEvalResult {
  const users = parts.reduce((s, x) => s + x.users, 0);
  const avg = (k: 'pb' | 'recent' | 'category' | 'svm'): Metrics => ({
    ndcg_at_10: users ? round(parts.reduce((s, x) => s + x[k].n, 0) / users) : 0,
    recall_at_50: users ? round(parts.reduce((s, x) => s + x[k].r, 0) / users) : 0,
  });
  const pb = avg('pb');
  return {
    users,
    ndcg_at_10: pb.ndcg_at_10,
    recall_at_50: pb.recall_at_50,
    baselines: { recent: avg('recent'), category: avg('category'), tfidf_svm: avg('svm') },
    corpus: ctx.corpus,
    params,
    seconds: Math.round((Date.now() - started) / 100) / 10,
  };
}

/** The whole evaluation in this thread (src/recs/eval-threads.ts spreads the readers over threads). */
export async function runRecsEval(opts: EvalOptions & { log?: (m: string) => void; innerOnly?: boolean } = {}): Promise<RecsEvalResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const ctx = await prepareEval(opts, log);
  const all = () => true;
  const best = ctx.grid.length > 1 ? pickParams(ctx.grid, [innerSums(ctx, all)], log) : ctx.grid[0];
  if (opts.innerOnly) return { ...summarise([], { corpus: ctx.docs.length }, best, started), users: 0, ndcg_at_10: 0, recall_at_50: 0 };
  return summarise([finalSums(ctx, best, all, log)], { corpus: ctx.docs.length }, best, started);
}

/** The static embedder trained on the corpus (as a new instance trains its own), and every paper embedded. */
function embedAll(docs: Doc[], cache?: string): Float32Array[] {
  if (cache && existsSync(cache)) {
    const all = new Float32Array(new Uint8Array(readFileSync(cache)).buffer);
    const dims = all.length / docs.length;
    if (Number.isInteger(dims) && dims > 0) return docs.map((_, i) => all.slice(i * dims, (i + 1) * dims));
  }
  const { model } = trainStaticModel(docs.map((d) => documentText(d.title, d.abstract)));
  const e = new StaticEmbedder(model, 'eval', 'corpus');
  const vecs = docs.map((d) => e.embedOne(documentText(d.title, d.abstract)));
  if (cache) {
    const all = new Float32Array(vecs.length * e.dims);
    vecs.forEach((v, i) => all.set(v, i * e.dims));
    writeFileSync(cache, Buffer.from(all.buffer));
  }
  return vecs;
}

const round = (x: number) => Math.round(x * 10_000) / 10_000;

export type { SparseRow };
