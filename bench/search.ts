// npm run bench -- search [--sizes 10000,100000,1000000] [--queries 1000] [--keep DIR] [--reembed] [--stages] [--no-raw] [--train-once]
// Builds corpora resampled from the bundled sample (9,437 real arXiv papers), indexes them
// (FTS5 by trigger, the static embedder trained on each corpus as an instance trains it, usearch
// HNSW), then times 1,000 hybrid queries beside the same queries as a raw FTS5 bm25() statement.
// Prints one JSON line per size. --train-once trains on the first corpus only and reuses the model;
// --train-max-docs N trains on at most N papers.
// --keep DIR keeps each corpus in DIR/<size> and reuses it next time (papers, model, vectors and the
// saved index: only what is missing is built; --reembed embeds and indexes again). --stages adds the
// time of each step of SearchService.rank for the slowest hybrid queries.
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, readFileSync, readdirSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logger.ts';
import { openPaperboy } from '../src/wiring.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import { percentile } from '../src/search/metrics.ts';
import { fts5Query, queryTerms } from '../src/search/text.ts';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    queries: { type: 'string', default: '1000' },
    keep: { type: 'string' },
    reembed: { type: 'boolean', default: false },
    stages: { type: 'boolean', default: false },
    // Skip the raw FTS5 statement (no fts5_* figures): for timing changes to the hybrid path alone.
    'no-raw': { type: 'boolean', default: false },
    'train-once': { type: 'boolean', default: false },
    // Papers the training reads at most (default: as an instance, see src/search/training.ts).
    'train-max-docs': { type: 'string' },
  },
});
const sizes = String(values.sizes).split(',').map(Number);
const nQueries = Number(values.queries);

interface SampleRow {
  arxiv_id: string;
  title: string;
  authors: string[];
  summary: string;
  categories?: string[];
  published?: string;
}
const sample = brotliDecompressSync(readFileSync(SAMPLE_FILES.arxiv))
  .toString('utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as SampleRow);

let seed = 12345;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

// Queries: 2–4 content words from a random sample title (what people type).
const queries = Array.from({ length: nQueries }, () => {
  const ws = queryTerms(sample[Math.floor(rnd() * sample.length)].title).filter((w) => w.length > 2);
  const start = Math.floor(rnd() * Math.max(1, ws.length - 3));
  return ws.slice(start, start + 2 + Math.floor(rnd() * 3)).join(' ') || 'learning';
});

function dirSize(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirSize(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

const fileSize = (f: string) => (existsSync(f) ? statSync(f).size : 0);

const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

let modelDir: string | undefined;
const keep = mkdtempSync(join(tmpdir(), 'paperboy-bench-model-'));
for (const n of sizes) {
  const kept = values.keep ? join(values.keep, String(n)) : undefined;
  if (kept) mkdirSync(kept, { recursive: true });
  const dataDir = kept ?? mkdtempSync(join(tmpdir(), 'paperboy-bench-search-'));
  const loadStart = (await import('node:os')).loadavg()[0].toFixed(1);
  const pb = await openPaperboy(loadConfig({ PAPERBOY_DATA_DIR: dataDir, PAPERBOY_LOG_LEVEL: 'silent', PAPERBOY_LOAD_SAMPLE: 'false' }), { migrate: true, log: createLogger('silent') });
  const sqlite = pb.db.sqlite!;
  const stored = (sqlite.prepare('select count(*) as n from papers').get() as { n: number }).n;
  if (stored && stored !== n) throw new Error(`${dataDir} holds ${stored} papers, not ${n}`);
  const reuse = stored === n;
  const t0 = Date.now();
  if (!reuse) {
    // Bulk insert straight into papers (the FTS triggers still run): resampled copies with new ids,
    // 20,000 a transaction, the write-ahead log truncated every 10 transactions (one transaction of
    // 1M rows left a 3 GB log beside a 4.3 GB database).
    const ins = sqlite.prepare(`insert into papers (arxiv_id, version, title, abstract, authors_json, categories_json, primary_category, published_at,
      versions_json, source, created_at, modified_at) values (?, 1, ?, ?, ?, ?, ?, ?, '[]', 'bench', ?, ?)`);
    const now = new Date().toISOString();
    const batch = sqlite.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const s = sample[i % sample.length];
        const copy = Math.floor(i / sample.length);
        ins.run(`b${copy}.${s.arxiv_id}`, s.title, s.summary, JSON.stringify(s.authors), JSON.stringify(s.categories ?? []), s.categories?.[0] ?? null, s.published ?? null, now, now);
      }
    });
    for (let i = 0, k = 1; i < n; i += 20_000, k++) {
      batch(i, Math.min(n, i + 20_000));
      if (k % 10 === 0) sqlite.pragma('wal_checkpoint(TRUNCATE)');
    }
    sqlite.pragma('wal_checkpoint(TRUNCATE)');
  }
  const lexicalSeconds = (Date.now() - t0) / 1000;
  const t1 = Date.now();
  let trainSeconds = 0;
  if (reuse && (await pb.search.embedder())) {
    // A kept corpus has its model in its database.
  } else if (!modelDir || !values['train-once']) {
    // Trained as an instance trains its default model (its sample of the papers), on each corpus.
    await pb.search.train(values['train-max-docs'] ? { maxDocs: Number(values['train-max-docs']) } : {});
    trainSeconds = (Date.now() - t1) / 1000;
    await pb.search.embedder();
    modelDir = join(keep, 'embedder');
    cpSync(pb.search.staticModelDir, modelDir, { recursive: true });
  } else {
    // A model trained before (in <data dir>/embedder) is published to the new database on first use.
    cpSync(modelDir, join(dataDir, 'embedder'), { recursive: true });
    await pb.search.reload();
  }
  if (values.reembed) {
    sqlite.exec('delete from paper_vectors');
    rmSync(join(dataDir, 'vectors'), { recursive: true, force: true });
    await pb.search.reload();
  }
  const t2 = Date.now();
  const c2 = cpuSeconds();
  const embedded = await pb.search.embedAll(5000);
  const embedSeconds = (Date.now() - t2) / 1000;
  const embedCpu = cpuSeconds() - c2;
  const t3 = Date.now();
  const c3 = cpuSeconds();
  const vi = (await pb.search.vectorIndex())!;
  const hnswSeconds = (Date.now() - t3) / 1000;
  const hnswCpu = cpuSeconds() - c3;
  await vi.save();

  const raw = sqlite.prepare('select rowid, bm25(papers_fts) as s from papers_fts where papers_fts match ? order by bm25(papers_fts) limit 10');
  const hybrid: number[] = [];
  const fts: number[] = [];
  const cpuMs: number[] = [];
  const stages: { q: string; ms: number; t: Record<string, number> }[] = [];
  for (const q of queries.slice(0, 20)) await pb.search.rank(q, { limit: 10 }); // warm-up
  const c4 = cpuSeconds();
  let hybridCpu = 0;
  for (const q of queries) {
    if (!values['no-raw']) {
      const a = performance.now();
      raw.all(fts5Query(queryTerms(q)));
      fts.push(performance.now() - a);
    }
    const cb = cpuSeconds();
    const b = performance.now();
    const t: Record<string, number> = {};
    await pb.search.rank(q, { limit: 10, mode: 'hybrid', depth: 100, timings: values.stages ? t : undefined });
    const ms = performance.now() - b;
    const cpu = cpuSeconds() - cb;
    hybridCpu += cpu;
    cpuMs.push(cpu * 1000);
    hybrid.push(ms);
    if (values.stages) stages.push({ q, ms, t });
  }
  const queryCpu = cpuSeconds() - c4;
  hybrid.sort((x, y) => x - y);
  fts.sort((x, y) => x - y);
  cpuMs.sort((x, y) => x - y);
  const r2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      papers: n,
      queries: queries.length,
      reused: reuse,
      insert_with_fts_seconds: r2(lexicalSeconds),
      train_embedder_seconds: r2(trainSeconds),
      embedded,
      embed_seconds: r2(embedSeconds),
      embed_cpu_seconds: r2(embedCpu),
      hnsw_build_seconds: r2(hnswSeconds),
      hnsw_cpu_seconds: r2(hnswCpu),
      db_bytes: dirSize(dataDir) - dirSize(join(dataDir, 'vectors')) - dirSize(pb.search.staticModelDir),
      wal_bytes: fileSize(join(dataDir, 'paperboy.db-wal')),
      db_bytes_per_paper: Math.round((dirSize(dataDir) - dirSize(join(dataDir, 'vectors')) - dirSize(pb.search.staticModelDir)) / n),
      vector_index_bytes: statSync(vi.file).size,
      peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
      rss_mb: Math.round(process.memoryUsage().rss / 1024 / 1024),
      hybrid_ms_p50: r2(percentile(hybrid, 50)),
      hybrid_ms_p99: r2(percentile(hybrid, 99)),
      fts5_ms_p50: r2(percentile(fts, 50)),
      fts5_ms_p99: r2(percentile(fts, 99)),
      hybrid_cpu_ms_mean: r2((hybridCpu * 1000) / queries.length),
      // CPU time of the process during each hybrid query (what the other work on the machine does not inflate).
      hybrid_cpu_ms_p50: r2(percentile(cpuMs, 50)),
      hybrid_cpu_ms_p99: r2(percentile(cpuMs, 99)),
      query_cpu_seconds: r2(queryCpu),
      load_average: [loadStart, (await import('node:os')).loadavg()[0].toFixed(1)],
    }),
  );
  if (values.stages) {
    // Mean time of each step over the slowest 1% of the hybrid queries, and over all of them.
    stages.sort((x, y) => y.ms - x.ms);
    const mean = (xs: typeof stages) => {
      const m: Record<string, number> = {};
      for (const s of xs) for (const [k, v] of Object.entries(s.t)) m[k] = (m[k] ?? 0) + v / xs.length;
      return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, r2(v)]));
    };
    const slow = stages.slice(0, Math.max(1, Math.ceil(stages.length / 100)));
    console.log(JSON.stringify({ papers: n, stages_ms_slowest_1pct: mean(slow), stages_ms_all: mean(stages) }));
    for (const s of stages.slice(0, 12)) {
      console.log(JSON.stringify({ q: s.q, ms: r2(s.ms), ...Object.fromEntries(Object.entries(s.t).map(([k, v]) => [k, r2(v)])) }));
    }
  }
  await pb.close();
  if (!kept) rmSync(dataDir, { recursive: true, force: true });
}
rmSync(keep, { recursive: true, force: true });
