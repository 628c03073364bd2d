// npm run bench -- hnsw --db DIR/paperboy.db [--papers 100000] [--connectivity 16,12,8] [--queries 1000]
// What the HNSW graph's connectivity costs and saves on a real corpus's vectors (a corpus kept by
// `bench search --keep`): for each connectivity, an int8 index (every core), its file's bytes a
// paper, build seconds, and recall@10 of the exact int8 neighbours for papers' own vectors as
// queries (not themselves), with the search time. One JSON line per connectivity. Then the replica's
// own index (layered-index.ts: a binary graph whose candidates are rescored with int8 vectors), built
// and saved as a first build is, measured the same way: bytes a paper of its graph and its vector file.
// The bundled sample has 9,437 distinct papers: a resampled corpus gives that many distinct vectors.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import usearch, { type MetricKind, type ScalarKind } from 'usearch';
import { LayeredIndex, quantise } from '../src/search/layered-index.ts';
import { VECTORS } from '../src/search/index-merge.ts';
import { fromBytes } from '../src/search/embedders/types.ts';

const { values } = parseArgs({
  options: {
    db: { type: 'string' },
    papers: { type: 'string', default: '100000' },
    connectivity: { type: 'string', default: '16,12,8' },
    queries: { type: 'string', default: '1000' },
  },
});
if (!values.db) {
  console.error('usage: npm run bench -- hnsw --db DIR/paperboy.db [--papers N] [--connectivity 16,12,8] [--queries N]');
  process.exit(2);
}
const N = Number(values.papers);
const db = new Database(values.db, { readonly: true });
const rows = db.prepare('select paper_id, vector from paper_vectors order by paper_id limit ?').all(N) as { paper_id: number; vector: Uint8Array }[];
db.close();
const dims = fromBytes(rows[0].vector).length;
// A corpus resampled from the bundled sample (bench search, bench http) repeats each paper's vector:
// only the first of equal vectors is kept, or a query's nearest would be its own copies.
const seen = new Set<string>();
const distinct: { id: number; v: Int8Array }[] = [];
for (const r of rows) {
  const v = quantise(fromBytes(r.vector));
  const h = Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64');
  if (seen.has(h)) continue;
  seen.add(h);
  distinct.push({ id: r.paper_id, v });
}
const n = distinct.length;
const keys = BigUint64Array.from(distinct, (d) => BigInt(d.id));
const vectors = new Int8Array(n * dims);
distinct.forEach((d, i) => vectors.set(d.v, i * dims));
const nq = Math.min(Number(values.queries), n);
const qIdx = Array.from({ length: nq }, (_, i) => Math.floor((i * n) / nq));
const queries = new Int8Array(nq * dims);
qIdx.forEach((j, i) => queries.set(vectors.subarray(j * dims, (j + 1) * dims), i * dims));

// The exact neighbours (int8 cosine, as the index measures; exactSearch answers row numbers), themselves
// excluded. A resampled corpus holds copies with equal vectors: a hit is any answer no farther than the
// tenth exact neighbour (ties count).
const t0 = performance.now();
const exact = usearch.exactSearch(vectors, queries, dims, 11, 'cos' as MetricKind, 0) as unknown as { keys: BigUint64Array; distances: Float32Array };
const tenth = qIdx.map((j, i) => {
  const found = [...exact.keys.subarray(i * 11, (i + 1) * 11)].map((r, k) => ({ r: Number(r), d: exact.distances[i * 11 + k] })).filter((x) => x.r !== j);
  return found[9].d;
});
console.log(JSON.stringify({ rows: rows.length, distinct: n, dims, queries: nq, exactSeconds: Number(((performance.now() - t0) / 1000).toFixed(1)) }));

for (const connectivity of String(values.connectivity).split(',').map(Number)) {
  const index = new usearch.Index({
    dimensions: dims,
    metric: 'cos' as MetricKind,
    quantization: 'i8' as ScalarKind,
    connectivity,
    expansion_add: 64,
    expansion_search: 96,
    multi: false,
  });
  const t1 = performance.now();
  index.add(keys, vectors, 0);
  const buildSeconds = (performance.now() - t1) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'bench-hnsw-'));
  const file = join(dir, 'v.usearch');
  index.save(file);
  const bytes = statSync(file).size;
  rmSync(dir, { recursive: true, force: true });
  let found = 0;
  const t2 = performance.now();
  for (let i = 0; i < nq; i++) {
    const m = index.search(queries.subarray(i * dims, (i + 1) * dims), 11, 1);
    const got = [...m.keys]
      .map((k, x) => ({ k, d: m.distances[x] }))
      .filter((x) => x.k !== keys[qIdx[i]])
      .slice(0, 10);
    found += got.filter((x) => x.d <= tenth[i] + 1e-6).length;
  }
  const searchMs = (performance.now() - t2) / nq;
  console.log(
    JSON.stringify({
      connectivity,
      buildSeconds: Number(buildSeconds.toFixed(1)),
      fileBytesPerPaper: Math.round(bytes / n),
      recallAt10: Number((found / (nq * 10)).toFixed(4)),
      searchMs: Number(searchMs.toFixed(3)),
    }),
  );
}

{
  const dir = mkdtempSync(join(tmpdir(), 'bench-hnsw-'));
  const file = join(dir, 'v.usearch');
  const idx = new LayeredIndex(dims);
  const t1 = performance.now();
  idx.stage(
    distinct.map((d) => d.id),
    vectors,
  );
  await idx.compactOffThread(file);
  const buildSeconds = (performance.now() - t1) / 1000;
  const graph = statSync(file).size;
  const vecFile = statSync(file + VECTORS).size;
  let found = 0;
  const t2 = performance.now();
  for (let i = 0; i < nq; i++) {
    // The int8 query as floats: the rescored cosine is then exactly the int8 cosine of the exact search.
    const q = Float32Array.from(queries.subarray(i * dims, (i + 1) * dims));
    const got = idx
      .search(q, 11)
      .filter((x) => x.id !== distinct[qIdx[i]].id)
      .slice(0, 10);
    found += got.filter((x) => x.distance <= tenth[i] + 1e-4).length;
  }
  const searchMs = (performance.now() - t2) / nq;
  rmSync(dir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      index: 'replica (b1 graph, int8 rescore)',
      connectivity: 16,
      buildSeconds: Number(buildSeconds.toFixed(1)),
      graphBytesPerPaper: Math.round(graph / n),
      vectorFileBytesPerPaper: Math.round(vecFile / n),
      recallAt10: Number((found / (nq * 10)).toFixed(4)),
      searchMs: Number(searchMs.toFixed(3)),
    }),
  );
}
