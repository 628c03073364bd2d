// The two-layer vector index (src/search/layered-index.ts): a mapped base file and an in-memory
// delta answer as one index through replacements, deletions and compactions, and int8 quantisation
// keeps the neighbours of exact cosine search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayeredIndex, quantise } from '../src/search/layered-index.ts';

const DIMS = 32;
/** n unit vectors, all distinct (a mulberry32 stream from `seed`). */
function vectors(n: number, seed: number): Float32Array[] {
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: DIMS }, rnd);
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
        const got = idx.search(quantise(q), 10).map((m) => m.id);
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
    const probe = quantise(more[0]);
    const merging = idx.compactOffThread(file);
    // Not done on this thread: the changes are still pending, and the old layers answer.
    assert.equal(idx.changes, 301);
    assert.equal(idx.search(probe, 1)[0].id, 100_001);
    assert.throws(() => idx.remove(8), /being compacted/);
    await merging;
    assert.equal(idx.changes, 0);
    assert.equal(idx.baseSize, 21_000 + 300 - 1);
    assert.equal(idx.search(probe, 1)[0].id, 100_001);
    assert.ok(!idx.search(quantise(base[6]), 5).some((m) => m.id === 7), 'the removed entry is gone from the merged file');
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
    assert.equal(idx.search(quantise(backlog[5]), 1)[0].id === 10_006, false, 'staged: not searchable yet');
    assert.equal(idx.search(quantise(backlog[0]), 1)[0].id, 10_001);
    await idx.compactOffThread(file);
    assert.equal(idx.changes, 0);
    assert.equal(idx.stagedSize, 0);
    assert.equal(idx.baseSize, 1_000 + 21_000 - 1);
    for (const i of [0, 5, 20_999]) assert.equal(idx.search(quantise(backlog[i]), 1)[0].id, 10_001 + i);
    assert.equal(idx.search(quantise(early[3]), 1)[0].id, 4);
    assert.ok(!idx.search(quantise(backlog[1]), 5).some((m) => m.id === 10_002), 'the removed staged entry never reached the file');
    assert.deepEqual(
      readdirSync(dir).filter((f) => f !== 'v.usearch'),
      [],
      'the seed and temporary files are gone',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
