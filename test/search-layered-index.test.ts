// The two-layer vector index (src/search/layered-index.ts): a mapped base file and an in-memory
// delta answer as one index through replacements, deletions and compactions, and int8 quantisation
// keeps the neighbours of exact cosine search.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LayeredIndex, quantise } from '../src/search/layered-index.ts';

const DIMS = 32;
function vectors(n: number, seed: number): Float32Array[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
  return Array.from({ length: n }, () => {
    const v = Float32Array.from({ length: DIMS }, rnd);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  });
}
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
function put(idx: LayeredIndex, ids: number[], vs: Float32Array[]) {
  const q = new Int8Array(ids.length * DIMS);
  vs.forEach((v, i) => quantise(v, q.subarray(i * DIMS, (i + 1) * DIMS)));
  idx.put(ids, q);
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
    put(
      idx,
      first.map((_, i) => i + 1),
      first,
    );
    first.forEach((v, i) => all.set(i + 1, v));
    idx.compact(file);
    assert.equal(idx.baseSize, 500);
    assert.equal(idx.changes, 0);
    // After the save: 50 new papers, 30 replaced vectors, 20 deletions (some of them in the delta).
    const more = vectors(50, 2);
    put(
      idx,
      more.map((_, i) => 1001 + i),
      more,
    );
    more.forEach((v, i) => all.set(1001 + i, v));
    const repl = vectors(30, 4);
    put(
      idx,
      repl.map((_, i) => 10 + i),
      repl,
    );
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
    put(
      idx,
      base.map((_, i) => i + 1),
      base,
    );
    idx.compact(file);
    const more = vectors(300, 6);
    put(
      idx,
      more.map((_, i) => 100_001 + i),
      more,
    );
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
