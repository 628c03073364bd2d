// Fusion rules (src/search/fusion.ts), pure: interpolation for search, reciprocal-rank fusion for
// similar papers, the by-meaning match of digests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interpolate, matchesByMeaning, reciprocalRank, SEMANTIC_MATCH } from '../src/search/fusion.ts';

test('interpolation: lexical score over the best one, plus weight × cosine; ties by id', () => {
  const got = interpolate(
    [
      { id: 3, lexical: 10, cosine: 0.1 },
      { id: 1, lexical: 5, cosine: 0.9 },
      { id: 2, cosine: 0.8 },
      { id: 4, lexical: 5, cosine: 0.9 },
    ],
    0.5,
  );
  assert.deepEqual(
    got.map((h) => [h.id, h.score]),
    [
      [3, 1.05],
      [1, 0.95],
      [4, 0.95],
      [2, 0.4],
    ],
  );
  assert.deepEqual(interpolate([{ id: 1, cosine: 0.5 }], 2), [{ id: 1, cosine: 0.5, score: 1 }], 'no lexical score at all: cosines alone');
  assert.deepEqual(interpolate([], 1), []);
});

test('reciprocal-rank fusion: weight / (k + rank) summed over lists, excluded ids left out', () => {
  const got = reciprocalRank(
    [
      { ids: [7, 1, 2], weight: 1 },
      { ids: [2, 9], weight: 0.5 },
    ],
    60,
    new Set([7]),
  );
  assert.deepEqual(
    got.map((h) => h.id),
    [2, 1, 9],
  );
  assert.ok(Math.abs(got[0].score - (1 / 63 + 0.5 / 61)) < 1e-12);
  assert.ok(Math.abs(got[1].score - 1 / 62) < 1e-12);
});

test('a digest keyword matches by meaning at a cosine of SEMANTIC_MATCH or more', () => {
  assert.equal(matchesByMeaning({ id: 1, cosine: SEMANTIC_MATCH }), true);
  assert.equal(matchesByMeaning({ id: 1, cosine: SEMANTIC_MATCH - 0.01 }), false);
  assert.equal(matchesByMeaning({ id: 1 }), false);
});
