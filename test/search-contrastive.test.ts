// The contrastive stage of the default embedder (src/search/embedders/contrastive.ts), pure: the
// loss falls, a training resumed from an epoch's checkpoint ends where an uninterrupted one does,
// and the trained model ranks a paper's own abstract first for its title more often than PPMI alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sentences, type ContrastiveCheckpoint } from '../src/search/embedders/contrastive.ts';
import { PairCounter, trainStaticModel } from '../src/search/embedders/train.ts';
import { StaticEmbedder } from '../src/search/embedders/static.ts';
import { samplePapers } from './support/kaggle.ts';
import { lexicalMatcher } from '../src/search/embedders/neighbours.ts';

const docs = samplePapers()
  .slice(0, 600)
  .map((p) => ({ title: p.title, abstract: p.summary }));
const OPTS = { dims: 32, maxVocab: 4000, iterations: 2 };

test('sentences: split on end punctuation, also when a corpus glued them ("disabilities.A line")', () => {
  assert.deepEqual(sentences('First one. Second (one)! 3 more? x.y stays'), ['First one.', 'Second (one)!', '3 more? x.y stays']);
  assert.deepEqual(sentences('Brain disabilities.A line scan was used at 1.2 ms.'), ['Brain disabilities.', 'A line scan was used at 1.2 ms.']);
});

test('the loss falls; a resumed training ends where an uninterrupted one does', () => {
  const checkpoints: ContrastiveCheckpoint[] = [];
  const full = trainStaticModel(docs, { ...OPTS, contrastive: { epochs: 3, batch: 64 }, onCheckpoint: (c) => checkpoints.push(structuredClone(c)) });
  const losses = full.stats.losses!;
  assert.equal(losses.length, 3);
  assert.ok(losses[2] < losses[0], `loss ${losses.join(' → ')}`);
  assert.equal(checkpoints.length, 3);
  const resumed = trainStaticModel(docs, { ...OPTS, contrastive: { epochs: 3, batch: 64 }, resume: checkpoints[0] });
  assert.deepEqual(resumed.stats.losses, losses);
  assert.deepEqual(resumed.model.embeddings, full.model.embeddings);
});

test('titles find their own paper more often after the contrastive stage than with PPMI alone', () => {
  const hitsAt1 = (contrastive: false | { epochs: number; batch: number }) => {
    const { model } = trainStaticModel(docs, { ...OPTS, contrastive });
    const e = new StaticEmbedder(model, 't', '0');
    const dv = docs.map((d) => e.embedOne(d.abstract));
    let hits = 0;
    docs.forEach((d, i) => {
      const q = e.embedOne(d.title);
      let best = -1;
      let bestS = -Infinity;
      dv.forEach((v, j) => {
        let s = 0;
        for (let k = 0; k < v.length; k++) s += v[k] * q[k];
        if (s > bestS) [bestS, best] = [s, j];
      });
      if (best === i) hits++;
    });
    return hits / docs.length;
  };
  const ppmi = hitsAt1(false);
  const trained = hitsAt1({ epochs: 3, batch: 64 });
  assert.ok(trained > ppmi, `title → own abstract at 1: PPMI ${ppmi.toFixed(3)}, contrastive ${trained.toFixed(3)}`);
});

test('hard negatives: the paper sharing the most rare words, never the paper itself; words in too many papers are skipped', () => {
  // Rows 1–9; idf of row r is r (rarer words weigh more). Row 1 is in every paper.
  const doc = (...rows: number[]) => ({ title: Int32Array.from(rows.slice(0, 1)), sentences: [Int32Array.from(rows.slice(1))] });
  const docs = [doc(1, 7, 8), doc(1, 7, 9), doc(1, 8, 2), doc(1, 3, 4), doc(1, 5, 6)];
  const idf = Float32Array.from({ length: 10 }, (_, r) => r);
  const match = lexicalMatcher(docs, idf, 0.5);
  assert.equal(match(Int32Array.from([7, 8]), 0), 2, 'paper 2 shares row 8 (idf 8), paper 1 only row 7');
  assert.equal(match(Int32Array.from([8, 2]), 2), 0, 'never the paper itself');
  assert.equal(match(Int32Array.from([1]), 3), -1, 'a word in every paper matches nothing');
  assert.equal(match(Int32Array.from([5, 5, 6]), 4), -1, 'no other paper has the words');
});

test('training with hard negatives lowers the loss and resumes to the same table', () => {
  const opts = { ...OPTS, contrastive: { epochs: 2, batch: 64, hardNegatives: true } };
  const checkpoints: ContrastiveCheckpoint[] = [];
  const full = trainStaticModel(docs, { ...opts, onCheckpoint: (c) => checkpoints.push(structuredClone(c)) });
  const losses = full.stats.losses!;
  assert.ok(losses[1] < losses[0], `loss ${losses.join(' → ')}`);
  const resumed = trainStaticModel(docs, { ...opts, resume: checkpoints[0] });
  assert.deepEqual(resumed.model.embeddings, full.model.embeddings);
});

test('the co-occurrence counter counts every key, through its growth, as a Map does', () => {
  const counter = new PairCounter();
  const expected = new Map<number, number>();
  let seed = 3;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  // Keys up to 60,000² (beyond 2^31) and many repeats: the table doubles several times.
  for (let n = 0; n < 300_000; n++) {
    const key = Math.floor(rnd() ** 3 * 60_000 * 60_000);
    counter.add(key);
    expected.set(key, (expected.get(key) ?? 0) + 1);
  }
  const got = new Map<number, number>();
  counter.forEach((k, c) => got.set(k, c));
  assert.equal(counter.size, expected.size);
  assert.deepEqual(got, expected);
});
