// Tuning the fusion on a BEIR training split, in memory: one instance (SQLite) indexes the corpus
// and trains (or loads, --model) the default embedder; every query's lexical list (as search asks
// for it) and exact cosines are computed once, then each fusion variant is scored from them.
// Only the training split is meant to be used here (held-out queries stay unseen).
//   npm run bench -- fusion-sweep --beir <dir> [--split train] [--model <Model2Vec dir>] [--save-model <dir>]
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logger.ts';
import { openPaperboy } from '../src/wiring.ts';
import { readBeir } from '../src/search/eval.ts';
import { documentText } from '../src/search/embedders/types.ts';
import { ndcgAt, recallAt } from '../src/search/metrics.ts';
import { queryTerms, STOPWORDS, words } from '../src/search/text.ts';
import { COLUMN_WEIGHTS } from '../src/search/lexical.ts';

const { values } = parseArgs({
  options: {
    beir: { type: 'string' },
    split: { type: 'string', default: 'train' },
    model: { type: 'string' },
    'save-model': { type: 'string' },
    // The bm25 column weights to try, e.g. '{"title":2}' (lexical.ts COLUMN_WEIGHTS).
    weights: { type: 'string' },
    // Only lexical, vector and interpolation.
    basic: { type: 'boolean', default: false },
    // Stop after the lexical feedback variants.
    rm3: { type: 'boolean', default: false },
  },
});
if (!values.beir) throw new Error('fusion-sweep --beir <dir> [--model <dir>] [--save-model <dir>]');
const set = readBeir(values.beir, values.split!);
if (values.weights) Object.assign(COLUMN_WEIGHTS, JSON.parse(values.weights));
const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-fusion-'));
const base = loadConfig({ PAPERBOY_DATA_DIR: dataDir, PAPERBOY_LOG_LEVEL: 'silent', PAPERBOY_SEARCH_EMBEDDER: 'auto', PAPERBOY_LOAD_SAMPLE: 'false' });
const cfg = values.model ? { ...base, searchEmbedder: 'static' as const, searchStaticModel: values.model } : base;
const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent') });
for (let i = 0; i < set.corpus.length; i += 1000)
  await pb.stores.papers.upsertMany(
    set.corpus.slice(i, i + 1000).map((d) => ({ arxivId: d.id, version: 1, title: d.title, abstract: d.text, authors: [], categories: [], source: 'beir' })),
  );
if (!values.model) {
  const t0 = Date.now();
  await pb.search.train({ log: (m) => console.error(m) });
  console.error(`trained in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (values['save-model']) cpSync(pb.search.staticModelDir, values['save-model'], { recursive: true });
}
const e = (await pb.search.embedder())!;
const idOf = new Map<string, number>();
const docOf = new Map<number, number>();
for (let i = 0; i < set.corpus.length; i++) {
  const p = (await pb.stores.papers.byArxivId(set.corpus[i].id))!;
  idOf.set(set.corpus[i].id, p.id);
  docOf.set(p.id, i);
}
const dv = await e.embed(
  set.corpus.map((d) => documentText(d.title, d.text)),
  'document',
);
const dims = e.dims;
const dot = (a: Float32Array, b: Float32Array) => {
  let s = 0;
  for (let k = 0; k < dims; k++) s += a[k] * b[k];
  return s;
};

interface Q {
  id: string;
  lex: { i: number; s: number }[];
  cos: Float32Array;
  qv: Float32Array;
}
const qs: Q[] = [];
for (const q of set.queries) {
  const list = await pb.search.lexical.rank(q.text, 1000);
  const [qv] = await e.embed([q.text], 'query');
  const cos = new Float32Array(dv.length);
  for (let i = 0; i < dv.length; i++) cos[i] = dot(qv, dv[i]);
  qs.push({ id: q.id, lex: list.hits.map((h) => ({ i: docOf.get(h.id)!, s: h.score })), cos, qv });
}
console.error(`${qs.length} queries ready`);

const topBy = (score: Float32Array | Float64Array, k: number) => {
  const idx = Array.from(score.keys());
  idx.sort((a, b) => score[b] - score[a] || a - b);
  return idx.slice(0, k);
};

function evaluate(name: string, rank: (q: Q) => number[]) {
  let ndcg = 0;
  let rec = 0;
  for (const q of qs) {
    const ranked = rank(q).map((i) => set.corpus[i].id);
    ndcg += ndcgAt(ranked, set.qrels.get(q.id)!, 10);
    rec += recallAt(ranked, set.qrels.get(q.id)!, 100);
  }
  console.log(JSON.stringify({ variant: name, ndcg_at_10: +(ndcg / qs.length).toFixed(4), recall_at_100: +(rec / qs.length).toFixed(4) }));
}

/** Candidates: lexical top `ld` ∪ vector top `vd` (vector-only candidates with their lexical score when in the deep list). */
type Score = (lexN: number, c: number, stats: { cmin: number; cmax: number; lmax: number }) => number;
function fused(q: Q, cos: Float32Array, ld: number, vd: number, score: Score): number[] {
  const lexScore = new Map(q.lex.map((h) => [h.i, h.s]));
  const cand = new Set<number>(q.lex.slice(0, ld).map((h) => h.i));
  const floor = q.lex.length >= ld ? q.lex[ld - 1]?.s ?? 0 : 0;
  for (const i of topBy(cos, vd)) cand.add(i);
  const lmax = Math.max(1e-9, ...q.lex.slice(0, ld).map((h) => h.s));
  let cmin = Infinity;
  let cmax = -Infinity;
  for (const i of cand) {
    cmin = Math.min(cmin, cos[i]);
    cmax = Math.max(cmax, cos[i]);
  }
  const out = [...cand].map((i) => {
    const l = Math.min(lexScore.get(i) ?? 0, ld < 1000 && !q.lex.slice(0, ld).some((h) => h.i === i) ? floor : Infinity);
    return { i, s: score(l / lmax, cos[i], { cmin, cmax, lmax }) };
  });
  out.sort((a, b) => b.s - a.s || a.i - b.i);
  return out.slice(0, 100).map((x) => x.i);
}

evaluate('lexical', (q) => q.lex.slice(0, 100).map((h) => h.i));
evaluate('vector', (q) => topBy(q.cos, 100));
for (const w of [0.5, 0.8, 1.0, 1.2, 1.6, 2.0, 2.5, 3.0]) evaluate(`interp w=${w}`, (q) => fused(q, q.cos, 100, 100, (l, c) => l + w * c));
if (values.basic) {
  await pb.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
// Lexical pseudo-relevance feedback (RM3-like): the best words of the top lexical hits (tf share ×
// idf × the hit's normalised score), not in the query, asked as a second query; its max-normalised
// score added with weight beta.
{
  const df = new Map<string, number>();
  const docWords = set.corpus.map((d) => words(`${d.title} ${d.text}`).filter((w) => !STOPWORDS.has(w) && w.length > 2 && !/^\d+$/.test(w)));
  for (const ws of docWords) for (const w of new Set(ws)) df.set(w, (df.get(w) ?? 0) + 1);
  const N = set.corpus.length;
  for (const [fb, nt] of [
    [5, 10],
    [10, 20],
  ]) {
    const exp = new Map<string, Map<number, number>>();
    for (const [qi, q] of qs.entries()) {
      const own = new Set(queryTerms(set.queries[qi].text));
      const top = q.lex.slice(0, fb);
      const wsum = new Map<string, number>();
      const lmax = top[0]?.s ?? 1;
      for (const h of top) {
        const ws = docWords[h.i];
        const tf = new Map<string, number>();
        for (const w of ws) tf.set(w, (tf.get(w) ?? 0) + 1);
        for (const [w, c] of tf) if (!own.has(w)) wsum.set(w, (wsum.get(w) ?? 0) + (c / ws.length) * (h.s / lmax) * Math.log(N / df.get(w)!));
      }
      const terms = [...wsum.entries()].sort((a, b) => b[1] - a[1]).slice(0, nt).map(([w]) => w);
      const list = terms.length ? await pb.search.lexical.rank(terms.join(' '), 1000) : { hits: [] };
      const emax = Math.max(1e-9, ...list.hits.map((h) => h.score));
      exp.set(q.id, new Map(list.hits.map((h) => [docOf.get(h.id)!, h.score / emax])));
    }
    for (const beta of [0.1, 0.2, 0.4]) {
      const withExp = (q: Q, l: number, i: number) => l + beta * (exp.get(q.id)!.get(i) ?? 0);
      evaluate(`rm3 fb=${fb} terms=${nt} beta=${beta} lexical`, (q) => {
        const cand = new Set([...q.lex.slice(0, 300).map((h) => h.i), ...exp.get(q.id)!.keys()]);
        const ls = new Map(q.lex.map((h) => [h.i, h.s]));
        const lmax = q.lex[0]?.s ?? 1;
        return [...cand].map((i) => ({ i, s: withExp(q, (ls.get(i) ?? 0) / lmax, i) })).sort((a, b) => b.s - a.s || a.i - b.i).slice(0, 100).map((x) => x.i);
      });
      for (const w of [0.8]) {
        evaluate(`rm3 fb=${fb} terms=${nt} beta=${beta} interp w=${w}`, (q) => {
          const cand = new Set([...q.lex.slice(0, 100).map((h) => h.i), ...topBy(q.cos, 100)]);
          const ls = new Map(q.lex.map((h) => [h.i, h.s]));
          const lmax = q.lex[0]?.s ?? 1;
          return [...cand]
            .map((i) => ({ i, s: withExp(q, (ls.get(i) ?? 0) / lmax, i) + w * q.cos[i] }))
            .sort((a, b) => b.s - a.s || a.i - b.i)
            .slice(0, 100)
            .map((x) => x.i);
        });
      }
    }
  }
}
if (values.rm3) {
  await pb.close();
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(0);
}
for (const a of [0.2, 0.3, 0.4, 0.5]) evaluate(`minmax a=${a}`, (q) => fused(q, q.cos, 100, 100, (l, c, st) => (1 - a) * l + (a * (c - st.cmin)) / Math.max(1e-9, st.cmax - st.cmin)));
for (const [ld, vd] of [
  [200, 100],
  [100, 200],
  [300, 300],
])
  evaluate(`interp w=0.8 depth ${ld}/${vd}`, (q) => fused(q, q.cos, ld, vd, (l, c) => l + 0.8 * c));
for (const k of [60]) {
  for (const wv of [0.5, 1]) {
    evaluate(`rrf k=${k} wv=${wv}`, (q) => {
      const s = new Map<number, number>();
      q.lex.slice(0, 100).forEach((h, r) => s.set(h.i, (s.get(h.i) ?? 0) + 1 / (k + r + 1)));
      topBy(q.cos, 100).forEach((i, r) => s.set(i, (s.get(i) ?? 0) + wv / (k + r + 1)));
      return [...s.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0]).map(([i]) => i);
    });
  }
}
// Vector pseudo-relevance feedback: the query vector moved towards the top lexical hits' vectors.
for (const fb of [3, 5, 10]) {
  for (const g of [0.5, 1, 2]) {
    const prf = new Map<string, Float32Array>();
    for (const q of qs) {
      const v = Float32Array.from(q.qv);
      const top = q.lex.slice(0, fb);
      for (const h of top) for (let k = 0; k < dims; k++) v[k] += (g / top.length) * dv[h.i][k];
      let n = 0;
      for (let k = 0; k < dims; k++) n += v[k] * v[k];
      n = Math.sqrt(n) || 1;
      const cos = new Float32Array(dv.length);
      for (let i = 0; i < dv.length; i++) cos[i] = dot(v, dv[i]) / n;
      prf.set(q.id, cos);
    }
    for (const w of [0.8, 1.2]) evaluate(`vprf fb=${fb} g=${g} interp w=${w}`, (q) => fused(q, prf.get(q.id)!, 100, 100, (l, c) => l + w * c));
    evaluate(`vprf fb=${fb} g=${g} vector`, (q) => topBy(prf.get(q.id)!, 100));
  }
}
await pb.close();
rmSync(dataDir, { recursive: true, force: true });
