// The recommender's pieces without a database: the linear SVM reaches the optimum of its problem
// (the primal and dual objectives meet, as liblinear's solver guarantees), class weights balance as
// scikit-learn's do, features follow sanity-lite's analyzer, and a stored model decodes to itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trainSvm, decision } from '../src/recs/svm.ts';
import { TfidfVocab, fitIdf, applyIdf, decodeIdf, encodeIdf, hashedFeatures, ngrams, type SparseRow } from '../src/recs/features.ts';
import { decodeModel, encodeModel, trainReaderModel, Scorer } from '../src/recs/model.ts';
import { buildPool, decodePool, encodePool, scorePool, topPositions } from '../src/recs/pool.ts';

function rng(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

/** Random sparse rows, positives shifted on the first columns. */
function data(n: number, cols: number, seed = 1): { x: SparseRow[]; y: number[] } {
  const r = rng(seed);
  const x: SparseRow[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 5 === 0 ? 1 : -1;
    const idx = [...new Set(Array.from({ length: 8 }, () => Math.floor(r() * cols)))].sort((a, b) => a - b);
    const val = idx.map((c) => r() + (label > 0 && c < cols / 4 ? 1 : 0));
    x.push({ idx: Int32Array.from(idx), val: Float32Array.from(val) });
    y.push(label);
  }
  return { x, y };
}

test('the SVM solves its problem: primal and dual objectives meet (squared hinge, balanced classes)', () => {
  const { x, y } = data(300, 40);
  const C = 0.5;
  const m = trainSvm(x, y, 40, { C, tol: 1e-8, maxIter: 100_000 });
  const nPos = y.filter((v) => v > 0).length;
  const ci = (i: number) => (y[i] > 0 ? (C * y.length) / (2 * nPos) : (C * y.length) / (2 * (y.length - nPos)));
  let ww = 0;
  for (const v of m.w) ww += v * v;
  let primal = ww / 2;
  for (let i = 0; i < x.length; i++) primal += ci(i) * Math.max(0, 1 - y[i] * decision(m, x[i])) ** 2;
  // The dual optimum is ≤ the primal one; with w = Σ αᵢyᵢxᵢ, the dual at α* equals −‖w‖²/2 + Σα − Σα²/(4Cᵢ).
  // Reconstruct α from the KKT conditions of the squared hinge: αᵢ = 2Cᵢ·max(0, 1 − yᵢw·xᵢ).
  let dual = -ww / 2;
  for (let i = 0; i < x.length; i++) {
    const a = 2 * ci(i) * Math.max(0, 1 - y[i] * decision(m, x[i]));
    dual += a - (a * a) / (4 * ci(i));
  }
  assert.ok(primal >= dual - 1e-6, `primal ${primal} < dual ${dual}`);
  assert.ok((primal - dual) / primal < 1e-3, `gap ${primal - dual} of ${primal}`);
  // It separates what is separable here: positives score higher on average.
  const mean = (s: number) => x.filter((_, i) => y[i] === s).reduce((a, xi) => a + decision(m, xi), 0) / x.filter((_, i) => y[i] === s).length;
  assert.ok(mean(1) > 0 && mean(-1) < 0);
});

test('the hinge-loss solver keeps 0 ≤ α ≤ C, and the intercept is learnt as a feature of value 1', () => {
  const { x, y } = data(200, 30, 3);
  const m = trainSvm(x, y, 30, { C: 0.1, loss: 'hinge', tol: 1e-6 });
  assert.equal(m.w.length, 31);
  assert.notEqual(m.w[30], 0);
  const none = trainSvm(x, y, 30, { C: 0.1, bias: 0 });
  assert.equal(none.w[30], 0);
});

test("features: sanity-lite's analyzer (stop words out, then bigrams), tf-idf vocabulary, hashed idf", () => {
  assert.deepEqual(ngrams('The Diffusion model of the year'), ['diffusion', 'model', 'year', 'diffusion model', 'model year']);
  assert.deepEqual(ngrams('x y 3d a_b'), ['a_b']);
  const texts = Array.from({ length: 20 }, (_, i) => `paper ${i} about ${i % 2 ? 'diffusion models' : 'robot grasping'} and more words ${i}`);
  const v = TfidfVocab.fit(texts, { minDf: 2, maxDf: 0.6 });
  assert.ok(v.index.has('diffusion models') && v.index.has('robot grasping'));
  assert.ok(!v.index.has('paper'), 'in every paper: above max_df');
  const row = v.transform(texts[1]);
  assert.ok(Math.abs(row.val.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
  const rows = texts.map((t) => hashedFeatures(t));
  const idf = fitIdf(rows);
  const back = decodeIdf(encodeIdf(idf));
  assert.equal(back.docs, 20);
  assert.equal(back.weights.size, idf.weights.size);
  const w = applyIdf(rows[1], idf);
  assert.ok(Math.abs(w.val.reduce((s, x) => s + x * x, 0) - 1) < 1e-5);
});

test('a reader model learns the topic, keeps a few KB, and decodes to the same scores', () => {
  const f = (t: string) => ({ vec: null, lex: hashedFeatures(t) });
  const pos = ['denoising diffusion models for images', 'latent diffusion models sample faster', 'diffusion models with guidance'].map((t) => ({ f: f(t) }));
  const neg = Array.from({ length: 50 }, (_, i) => ({ f: f(`robot grasping policy ${i} with language instructions number ${i}`) }));
  const m = trainReaderModel(pos, neg, '', 0);
  const s = new Scorer(m);
  assert.ok(s.score(f('a new diffusion models sampler')) > s.score(f('a new robot grasping benchmark')));
  const bytes = encodeModel(m);
  assert.ok(bytes.length < 10_000);
  const d = new Scorer(decodeModel(bytes));
  assert.ok(Math.abs(d.score(f('diffusion models')) - s.score(f('diffusion models'))) < 1e-5);
  assert.throws(() => decodeModel(Buffer.from('nope')), /not a reader model/);
  // Scoring through a pool's inverted index (encoded and decoded as stored) gives the same scores
  // as paper by paper, and the partial selection keeps the best, skipping what it is told to.
  const papers = ['diffusion models again', 'robot grasping policy 3', 'nothing in common', 'latent diffusion and robots'].map(f);
  const pool = decodePool(
    encodePool(
      buildPool(
        [11, 12, 13, 14],
        papers.map((p) => p.lex),
      ),
    ),
  );
  assert.deepEqual([...pool.ids], [11, 12, 13, 14]);
  const all = scorePool(decodeModel(bytes), pool);
  papers.forEach((p, i) => assert.ok(Math.abs(all[i] - s.score(p)) < 1e-5, `${all[i]} vs ${s.score(p)}`));
  const order = papers.map((_, i) => i).sort((a, b) => all[b] - all[a]);
  assert.deepEqual(
    topPositions(all, 2, () => false).map((t) => t.i),
    order.slice(0, 2),
  );
  assert.deepEqual(
    topPositions(all, 2, (i) => i === order[0]).map((t) => t.i),
    order.slice(1, 3),
  );
  assert.throws(() => decodePool(Buffer.from('nope, not a pool')), /not a candidate pool/);
});
