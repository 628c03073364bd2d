// npm run bench -- recs [--papers N] [--readers N] [--requests N] [--window day|week|month]
//                      [--data DIR --phase prepare|measure|all]
// "For you" at scale: N papers (the bundled sample's real metadata, repeated under new ids) spread
// over a year of daily lists, the static embedder trained on the sample and every paper embedded,
// and a stored model for each of `readers` readers (50 trained from real upvotes, their encoded
// weights copied to the rest: a model row is the same size whatever it learnt). Then the worker's
// part — the windows' candidate pools built, 20 readers retrained — and, one request at a time, the
// reader's list through HTTP — GET /api/me/recommendations (personal token) and the /for-you page
// (session) — for random readers, and recommend() alone in-process: p50/p99 latency, the event
// loop's longest delay and the load average. With --data the instance is kept in DIR (SQLite): generate
// it once (--phase prepare, under nice) and measure it (--phase measure, under flock /tmp/bench.lock).
// Without --data, DATABASE_URL naming PostgreSQL runs in a fresh schema, else SQLite in a temporary dir.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import type { IngestItem } from '../src/ingest/types.ts';
import type { PaperInput } from '../src/domain/paper.ts';
import { addDays } from '../src/domain/dates.ts';
import { buildApp } from '../src/http/app.ts';
import { RecStore, type ModelRow } from '../src/storage/recs.ts';
import { percentile } from '../src/search/metrics.ts';

const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000' },
    readers: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '300' },
    window: { type: 'string', default: 'week' },
    /** Keep the generated instance in this directory (SQLite), to measure it again later. */
    data: { type: 'string' },
    /** prepare: generate only; measure: requests against a prepared --data; all (default): both. */
    phase: { type: 'string', default: 'all' },
  },
});
const PHASE = String(values.phase) as 'prepare' | 'measure' | 'all';
const N_PAPERS = Number(values.papers);
const N_READERS = Number(values.readers);
const N_REQ = Number(values.requests);
const WINDOW = String(values.window) as 'day' | 'week' | 'month';
const LAST_DAY = '2026-11-27';

let seed = 7;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

const keep = values.data ? String(values.data) : undefined;
if (keep) mkdirSync(keep, { recursive: true });
if (PHASE !== 'all' && !keep) throw new Error('--phase prepare|measure needs --data DIR');
const dataDir = keep ?? mkdtempSync(join(tmpdir(), 'paperboy-bench-recs-'));
const pgUrl = !keep && process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const schema = pgUrl ? `bench_recs_${randomBytes(3).toString('hex')}` : undefined;
if (pgUrl) {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  await c.query(`create schema ${schema}`);
  await c.end();
}
const cfg = loadConfig({
  ...process.env,
  PAPERBOY_DATA_DIR: dataDir,
  PAPERBOY_LOG_LEVEL: 'silent',
  PAPERBOY_LOAD_SAMPLE: 'false',
  PAPERBOY_PAGE_CACHE_SECONDS: '0',
  PAPERBOY_LIMIT_VOTES_PER_HOUR: '100000',
});
const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent'), schema });
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

const ids: number[] = [];
try {
  if (PHASE !== 'measure') await prepare();
  else ids.push(...(await pb.db.kysely.selectFrom('users').select('id').where('email', 'like', '%@bench.example').orderBy('id').execute()).map((r) => r.id));
  if (PHASE !== 'prepare') await measure();
} finally {
  await pb.close();
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
  if (pgUrl) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}

async function prepare(): Promise<void> {
  // 1. Papers: the sample repeated under new ids, ~N/365 per day over the year before LAST_DAY.
  let t = performance.now();
  const sample: PaperInput[] = [];
  for await (const it of parseJsonl(SAMPLE_FILES.arxiv, {}, undefined, 'sample')) if (it.kind === 'paper') sample.push(it.paper);
  const perDay = Math.max(1, Math.ceil(N_PAPERS / 365));
  let batch: IngestItem[] = [];
  for (let i = 0; i < N_PAPERS; i++) {
    const src = sample[i % sample.length];
    const day = addDays(LAST_DAY, -Math.floor(i / perDay));
    const arxivId = `${String(2600 + Math.floor(i / 99999)).slice(-4)}.${String(i % 99999).padStart(5, '0')}`;
    const paper = { ...src, arxivId, publishedAt: `${day}T00:00:00.000Z`, updatedAt: `${day}T00:00:00.000Z`, versions: undefined };
    batch.push({ kind: 'paper', paper, entry: { arxivId, day, source: 'arxiv', submittedAt: `${day}T00:00:00Z` } });
    if (batch.length === 2000) {
      await pb.importer.run('bench', 'recs', batch, { batchSize: 1000 });
      batch = [];
    }
  }
  if (batch.length) await pb.importer.run('bench', 'recs', batch, { batchSize: 1000 });
  out({ step: 'papers', papers: await pb.stores.papers.count(), perDay, seconds: +((performance.now() - t) / 1000).toFixed(1) });

  // 2. The static embedder trained on a sample of the corpus, every paper embedded.
  t = performance.now();
  await pb.search.train({ maxDocs: 10_000 });
  await pb.search.embedAll(2000);
  out({ step: 'embedded', embedder: (await pb.search.embedder())?.id, seconds: +((performance.now() - t) / 1000).toFixed(1) });

  // 3. Readers: 50 models trained from 5–20 upvotes each, copied to N_READERS readers.
  t = performance.now();
  const db = pb.db.kysely;
  const now = new Date().toISOString();
  for (let i = 0; i < N_READERS; i += 1000) {
    const rows = Array.from({ length: Math.min(1000, N_READERS - i) }, (_, k) => ({
      email: `r${i + k}@bench.example`,
      username: `r${i + k}`,
      role: 'user',
      created_at: now,
    }));
    const got = await db.insertInto('users').values(rows).returning('id').execute();
    ids.push(...got.map((r) => r.id));
  }
  const maxPaper = await pb.stores.papers.count();
  const trained: ModelRow[] = [];
  for (let i = 0; i < 50; i++) {
    const n = 5 + Math.floor(rnd() * 16);
    const papers = [...new Set(Array.from({ length: n }, () => 1 + Math.floor(rnd() * maxPaper)))];
    await db
      .insertInto('upvotes')
      .values(papers.map((paper_id) => ({ user_id: ids[i], paper_id, created_at: now })))
      .execute();
    await pb.recs.train(ids[i]);
    trained.push((await new RecStore(db).model(ids[i]))!);
  }
  const store = new RecStore(db);
  const copies = ids.slice(50).map((user_id, k) => ({ ...trained[k % 50], user_id }));
  await store.saveModels(copies);
  const bytes = trained.reduce((s, m) => s + (m.model as Uint8Array).byteLength, 0) / trained.length;
  out({ step: 'models', readers: await store.countModels(), model_bytes_mean: Math.round(bytes), seconds: +((performance.now() - t) / 1000).toFixed(1) });
}

async function measure(): Promise<void> {
  // 4. Requests through HTTP, one at a time, random readers.
  const { app } = await buildApp(pb);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const sampleReaders = Array.from({ length: 200 }, () => ids[Math.floor(rnd() * ids.length)]);
  const creds = new Map<number, { token: string; session: string }>();
  for (const id of new Set(sampleReaders)) {
    creds.set(id, { token: (await pb.community.accounts.createToken(id, 'bench')).token, session: await pb.community.accounts.createSession(id) });
  }
  // The worker's part: the windows' candidate pools (as the recs.pool job builds them), and a
  // reader's retraining after a vote (the recs.train job), timed here in the same process.
  let t = performance.now();
  out({ step: 'worker: candidate pools built', pools: await pb.recs.buildPools({ force: true }), seconds: +((performance.now() - t) / 1000).toFixed(1) });
  const trains: number[] = [];
  for (const id of ids.slice(0, 20)) {
    t = performance.now();
    await pb.recs.train(id);
    trains.push(performance.now() - t);
  }
  trains.sort((a, b) => a - b);
  out({
    step: 'worker: one reader retrained',
    readers: trains.length,
    p50_ms: +percentile(trains, 50).toFixed(1),
    max_ms: +trains[trains.length - 1].toFixed(1),
  });
  const first = performance.now();
  const r0 = await fetch(`${url}/api/me/recommendations?window=${WINDOW}&limit=20`, {
    headers: { authorization: `Bearer ${creds.get(sampleReaders[0])!.token}` },
  });
  if (r0.status !== 200) throw new Error(`first request: ${r0.status} ${await r0.text()}`);
  out({
    step: 'first request (reads the stored pool)',
    window: WINDOW,
    ms: +(performance.now() - first).toFixed(1),
    items: ((await r0.json()) as unknown[]).length,
    personal: r0.headers.get('x-paperboy-personal'),
  });
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  for (const kind of ['api', 'page'] as const) {
    const lat: number[] = [];
    let personal = 0;
    const slow: unknown[] = [];
    loop.reset();
    for (let i = 0; i < N_REQ; i++) {
      const id = sampleReaders[i % sampleReaders.length];
      const c = creds.get(id)!;
      const s = performance.now();
      const r =
        kind === 'api'
          ? await fetch(`${url}/api/me/recommendations?window=${WINDOW}&limit=20`, { headers: { authorization: `Bearer ${c.token}` } })
          : await fetch(`${url}/for-you?window=${WINDOW}`, { headers: { cookie: `pb_session=${c.session}` } });
      await r.arrayBuffer();
      lat.push(performance.now() - s);
      if (performance.now() - s > 1000) slow.push({ i, reader: id, ms: Math.round(performance.now() - s), at: new Date().toISOString().slice(11, 23) });
      if (r.status !== 200) throw new Error(`${kind}: ${r.status}`);
      if (kind === 'api' && r.headers.get('x-paperboy-personal') === 'true') personal++;
    }
    lat.sort((a, b) => a - b);
    out({
      step: kind === 'api' ? 'GET /api/me/recommendations' : 'GET /for-you',
      window: WINDOW,
      requests: N_REQ,
      p50_ms: +percentile(lat, 50).toFixed(1),
      p99_ms: +percentile(lat, 99).toFixed(1),
      max_ms: +lat[lat.length - 1].toFixed(1),
      ...(kind === 'api' ? { personal } : {}),
      event_loop_delay_max_ms: +(loop.max / 1e6).toFixed(1),
      over_1s: slow,
      load: loadavg().map((x) => +x.toFixed(2)),
    });
  }
  // The recommender alone (no HTTP, no page): the same readers, their models cached by now.
  const direct: number[] = [];
  for (let i = 0; i < N_REQ; i++) {
    const st = performance.now();
    await pb.recs.recommend(sampleReaders[i % sampleReaders.length], { window: WINDOW, limit: 20 });
    direct.push(performance.now() - st);
  }
  direct.sort((a, b) => a - b);
  out({
    step: 'recommend() in-process',
    window: WINDOW,
    calls: N_REQ,
    p50_ms: +percentile(direct, 50).toFixed(2),
    p99_ms: +percentile(direct, 99).toFixed(2),
    max_ms: +direct[direct.length - 1].toFixed(1),
    load: loadavg().map((x) => +x.toFixed(2)),
  });
  await app.close();
}
