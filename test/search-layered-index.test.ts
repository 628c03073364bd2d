// The two-layer vector index (src/search/layered-index.ts): a mapped base file and an in-memory
// delta answer as one index through replacements, deletions and compactions, and int8 quantisation
// keeps the neighbours of exact cosine search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayeredIndex, quantise } from '../src/search/layered-index.ts';
import { VectorFile } from '../src/search/vector-file.ts';

const DIMS = 128;
/** A mulberry32 stream from `seed`, uniform in [-0.5, 0.5). */
function stream(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
}
/** 16 topic directions: vectors cluster around them, as papers' embeddings do (uniform random vectors have no near neighbours to find). */
const topics = (() => {
  const rnd = stream(12345);
  return Array.from({ length: 16 }, () => Float32Array.from({ length: DIMS }, rnd));
})();
/** n unit vectors, all distinct, each near one of the topics (a stream from `seed`). */
function vectors(n: number, seed: number): Float32Array[] {
  const rnd = stream(seed);
  return Array.from({ length: n }, () => {
    const t = topics[Math.floor((rnd() + 0.5) * topics.length)];
    const v = Float32Array.from({ length: DIMS }, (_, i) => t[i] + 0.7 * rnd());
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
function quantised(vs: Float32Array[]): Int8Array {
  const q = new Int8Array(vs.length * DIMS);
  vs.forEach((v, i) => quantise(v, q.subarray(i * DIMS, (i + 1) * DIMS)));
  return q;
}
/** Puts `vs` under `ids`, or under first, first + 1, … when given a number. */
function put(idx: LayeredIndex, ids: number[] | number, vs: Float32Array[]) {
  idx.put(typeof ids === 'number' ? vs.map((_, i) => ids + i) : ids, quantised(vs));
}

test('quantise: each vector scaled to the int8 range by its largest component, cosines kept', () => {
  const [a, b] = vectors(2, 3);
  const qa = quantise(a);
  assert.equal(Math.max(...qa.map(Math.abs)), 127);
  const qb = quantise(b);
  const qcos = qa.reduce((s, x, i) => s + x * qb[i], 0) / Math.hypot(...qa) / Math.hypot(...qb);
  assert.ok(Math.abs(qcos - cos(a, b)) < 0.01, `${qcos} vs ${cos(a, b)}`);
  assert.deepEqual([...quantise(new Float32Array(4))], [0, 0, 0, 0]);
});

test('base and delta answer as one index through replacements, deletions and compactions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layered-'));
  const file = join(dir, 'v.usearch');
  try {
    const all = new Map<number, Float32Array>();
    const idx = new LayeredIndex(DIMS);
    const first = vectors(500, 1);
    put(idx, 1, first);
    first.forEach((v, i) => all.set(i + 1, v));
    idx.compact(file);
    assert.equal(idx.baseSize, 500);
    assert.equal(idx.changes, 0);
    // After the save: 50 new papers, 30 replaced vectors, 20 deletions (some of them in the delta).
    const more = vectors(50, 2);
    put(idx, 1001, more);
    more.forEach((v, i) => all.set(1001 + i, v));
    const repl = vectors(30, 4);
    put(idx, 10, repl);
    repl.forEach((v, i) => all.set(10 + i, v));
    for (const id of [100, 101, 102, 1001, 1002, ...Array.from({ length: 15 }, (_, i) => 200 + i)]) {
      assert.equal(idx.remove(id), true, `remove ${id}`);
      all.delete(id);
    }
    assert.equal(idx.remove(100), false, 'already gone');
    assert.equal(idx.size, all.size);
    const check = (label: string) => {
      for (const q of vectors(20, 9)) {
        const exact = [...all.entries()].sort((x, y) => cos(q, y[1]) - cos(q, x[1])).map(([id]) => id);
        const got = idx.search(q, 10).map((m) => m.id);
        assert.equal(got.length, 10);
        for (const id of got) assert.ok(all.has(id), `${label}: ${id} was deleted`);
        // The delta's replacement, never the base's old vector: each id once.
        assert.equal(new Set(got).size, got.length);
        const overlap = got.filter((id) => exact.slice(0, 10).includes(id)).length;
        assert.ok(overlap >= 8, `${label}: ${overlap}/10 of the exact neighbours`);
      }
    };
    check('base + delta');
    idx.compact(file);
    assert.equal(idx.changes, 0);
    assert.equal(idx.baseSize, all.size);
    check('after compaction');
    // Another process maps the same file.
    const other = new LayeredIndex(DIMS);
    other.open(file);
    assert.equal(other.size, all.size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a large compaction merges in a thread of its own: searches go on from the old layers, changes wait, the merged file is mapped', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'layered-'));
  const file = join(dir, 'v.usearch');
  try {
    const idx = new LayeredIndex(DIMS);
    const base = vectors(21_000, 5);
    put(idx, 1, base);
    idx.compact(file);
    const more = vectors(300, 6);
    put(idx, 100_001, more);
    assert.equal(idx.remove(7), true);
    const probe = more[0];
    const merging = idx.compactOffThread(file);
    // Not done on this thread: the changes are still pending, and the old layers answer.
    assert.equal(idx.changes, 301);
    assert.equal(idx.search(probe, 1)[0].id, 100_001);
    assert.throws(() => idx.remove(8), /being compacted/);
    await merging;
    assert.equal(idx.changes, 0);
    assert.equal(idx.baseSize, 21_000 + 300 - 1);
    assert.equal(idx.search(probe, 1)[0].id, 100_001);
    assert.ok(!idx.search(base[6], 5).some((m) => m.id === 7), 'the removed entry is gone from the merged file');
    assert.equal(idx.remove(8), true, 'changes are accepted again');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a staged backlog is not searchable until compacted, then inserted once into the file with the delta as its seed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'layered-'));
  const file = join(dir, 'v.usearch');
  try {
    const idx = new LayeredIndex(DIMS);
    // A first build: the first vectors go into the delta (searchable at once), the backlog is staged.
    const early = vectors(1_000, 7);
    put(idx, 1, early);
    const backlog = vectors(21_000, 8);
    idx.stage(
      backlog.map((_, i) => 10_001 + i),
      quantised(backlog),
    );
    // A staged entry that is then put again is searchable at once; one staged and removed is gone.
    put(idx, [10_001], [backlog[0]]);
    assert.equal(idx.remove(10_002), true);
    assert.equal(idx.size, 1_001);
    assert.equal(idx.stagedSize, 21_000 - 2);
    assert.equal(idx.changes, 1_000 + 21_000 - 1);
    assert.equal(idx.search(backlog[5], 1)[0].id === 10_006, false, 'staged: not searchable yet');
    assert.equal(idx.search(backlog[0], 1)[0].id, 10_001);
    await idx.compactOffThread(file);
    assert.equal(idx.changes, 0);
    assert.equal(idx.stagedSize, 0);
    assert.equal(idx.baseSize, 1_000 + 21_000 - 1);
    for (const i of [0, 5, 20_999]) assert.equal(idx.search(backlog[i], 1)[0].id, 10_001 + i);
    assert.equal(idx.search(early[3], 1)[0].id, 4);
    assert.ok(!idx.search(backlog[1], 5).some((m) => m.id === 10_002), 'the removed staged entry never reached the file');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f !== 'v.usearch' && f !== 'v.usearch.i8'),
      [],
      'the seed and temporary files are gone',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the vector file beside an index: ids in order, each vector read back, a merge drops the hidden and replaced and adds the new', () => {
  const dir = mkdtempSync(join(tmpdir(), 'layered-'));
  try {
    const dims = 4;
    const v = (...xs: number[]) => Int8Array.from(xs);
    const a = join(dir, 'a.i8');
    VectorFile.merge(a, dims, undefined, [], [30, 10, 20], Int8Array.from([...v(3, 3, 3, 3), ...v(1, 1, 1, 1), ...v(2, 2, 2, 2)]));
    const fa = VectorFile.open(a);
    assert.deepEqual([...fa.ids], [10, 20, 30]);
    const out = new Int8Array(dims);
    assert.equal(fa.read(20, out), true);
    assert.deepEqual([...out], [2, 2, 2, 2]);
    assert.equal(fa.read(25, out), false);
    fa.close();
    // 10 deleted, 30 replaced, 5 and 40 new.
    const b = join(dir, 'b.i8');
    VectorFile.merge(b, dims, a, [10, 30], [40, 30, 5], Int8Array.from([...v(4, 4, 4, 4), ...v(-3, -3, -3, -3), ...v(5, 5, 5, 5)]));
    const fb = VectorFile.open(b);
    assert.deepEqual([...fb.ids], [5, 20, 30, 40]);
    const got = [...fb.ids].map((id) => (fb.read(id, out), out[0]));
    assert.deepEqual(got, [5, 2, -3, 4]);
    fb.close();
    assert.throws(() => VectorFile.merge(join(dir, 'c.i8'), 8, b, [], [], new Int8Array(0)), /not a vector file of 8 dimensions/);
    assert.throws(() => VectorFile.merge(join(dir, 'd.i8'), dims, undefined, [], [2 ** 32], new Int8Array(dims)), /does not fit/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
