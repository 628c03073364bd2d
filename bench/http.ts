// npm run bench -- http [--papers 100000] [--duration 10] [--connections 16] [--pg postgres://…] [--only pg|sqlite] [--targets search,paper]
// npm run bench -- http --during-training [--papers 100000] [--duration 10] [--rate 10] [--worker-in-loop]: page
// latency and the web thread's event-loop delay while the worker trains and embeds (bench/_during-training.ts).
// Builds a corpus resampled from the bundled sample (new ids, shifted dates), copies it to a fresh
// PostgreSQL schema with migrate-data, starts 2 web processes on PostgreSQL and 1 on SQLite, and
// loads each on loopback: autocannon for throughput, then an open loop at a set rate for latency
// (see loadAtRate). Prints one JSON line per figure.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { cpus, loadavg, totalmem } from 'node:os';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { openDb, openSqlite } from '../src/storage/db.ts';
import { migrateToLatest } from '../src/storage/migrate.ts';
import { migrateData } from '../src/storage/migrate-data.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import type { IngestItem } from '../src/ingest/types.ts';
import type { PaperInput } from '../src/domain/paper.ts';
import { titleQueries } from './_queries.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({
  options: {
    papers: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '16' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
    only: { type: 'string' },
    /** Run only the targets whose name contains one of these words (comma-separated). */
    targets: { type: 'string' },
    fresh: { type: 'boolean' },
    'during-training': { type: 'boolean' },
    rate: { type: 'string', default: '10' },
    'worker-in-loop': { type: 'boolean' },
    'worker-process': { type: 'boolean' },
    /** Build (or resume) the corpus and stop: data generation apart from the measured run. */
    'corpus-only': { type: 'boolean' },
  },
});
const N = Number(values.papers);
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));
out({
  bench: 'http',
  papers: N,
  cores: cpus().length,
  cpu: cpus()[0]?.model,
  memGiB: Math.round(totalmem() / 2 ** 30),
  durationS: DURATION,
  connections: CONNECTIONS,
});

// 1. The corpus: the sample's papers again and again, each copy with new ids and dates two weeks earlier.
const dir = join(ROOT, 'data', 'bench', `http-${N}`);
const sqliteFile = join(dir, 'paperboy.db');
async function* resampled(skip: number): AsyncGenerator<IngestItem> {
  const base: PaperInput[] = [];
  for await (const it of parseJsonl(SAMPLE_FILES.arxiv, {}, undefined, 'bench')) if (it.kind === 'paper') base.push(it.paper);
  const shift = (iso: string | null | undefined, days: number) => (iso ? new Date(Date.parse(iso) - days * 86_400_000).toISOString() : iso);
  for (let c = skip; c < N; c++) {
    const p = base[c % base.length];
    const copy = Math.floor(c / base.length);
    // 4001.00001, 4002.00001 … : valid new-style ids no real paper has.
    const id = `${40 + Math.floor(c / (12 * 99_999))}${String((c % 12) + 1).padStart(2, '0')}.${String((Math.floor(c / 12) % 99_999) + 1).padStart(5, '0')}`;
    const publishedAt = shift(p.publishedAt, copy * 14);
    const paper = { ...p, arxivId: id, publishedAt, updatedAt: shift(p.updatedAt, copy * 14), versions: [{ version: 1, date: publishedAt ?? undefined }] };
    const entry = publishedAt ? { arxivId: id, day: publishedAt.slice(0, 10), source: 'arxiv', submittedAt: publishedAt } : undefined;
    yield { kind: 'paper', paper, entry };
  }
}
{
  const t0 = performance.now();
  mkdirSync(dir, { recursive: true });
  const cfg = loadConfig({ PAPERBOY_DATA_DIR: dir, PAPERBOY_LOG_LEVEL: 'warn', PAPERBOY_LOAD_SAMPLE: 'false' });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('warn') });
  const have = await pb.stores.papers.count();
  if (have < N) {
    // Papers are generated in a fixed order, so an interrupted build resumes where it stopped.
    const s = await pb.importer.run('bench', 'resampled sample', resampled(have), { batchSize: 2000 });
    out({ step: 'corpus', inserted: s.inserted, errors: s.errors, seconds: Math.round(performance.now() - t0) / 1000 });
  } else out({ step: 'corpus', reused: sqliteFile, papers: have });
  if (!values['during-training']) {
    // Hybrid search needs the embedder and the vectors: trained and embedded here, as a worker would.
    const t1 = performance.now();
    if (!(await pb.search.embedder())) await pb.search.train({ maxDocs: 20_000 });
    const embedded = await pb.search.embedAll(5000);
    out({ step: 'embedder', embedder: (await pb.search.embedder())?.id, embedded, seconds: Math.round(performance.now() - t1) / 1000 });
  }
  await pb.close();
}
if (values['corpus-only']) process.exit(0);
if (values['during-training']) {
  const { duringTraining } = await import('./_during-training.ts');
  await duringTraining({
    root: ROOT,
    dir,
    sqliteFile,
    papers: N,
    windowS: DURATION,
    rate: Number(values.rate),
    out,
    workerInLoop: values['worker-in-loop'],
    workerProcess: values['worker-process'],
  });
  process.exit(0);
}

// 2. PostgreSQL: a fresh schema filled by migrate-data (its speed is a figure too).
const schema = `bench_http_${N}`;
if (values.only !== 'sqlite') {
  const admin = new pg.Client({ connectionString: values.pg });
  await admin.connect();
  // Reuse a complete copy from an earlier run unless --fresh (migrate-data resumes a partial one).
  // A copy counts as complete with every paper and every vector.
  const have = await admin
    .query(`select least((select count(*) from ${schema}.papers), (select count(*) from ${schema}.paper_vectors))::int as n`)
    .then((r) => r.rows[0].n as number)
    .catch(() => 0);
  if (values.fresh || have === 0) {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.query(`create schema ${schema}`);
  }
  await admin.end();
  const t0 = performance.now();
  const target = openDb({ url: values.pg, dataDir: dir, schema, statementTimeoutMs: 600_000 });
  const applied = await migrateToLatest(target);
  if (have < N || values.fresh) {
    const src = openSqlite(sqliteFile);
    const report = await migrateData(src.sqlite!, target.pool!, { batchSize: 2000 });
    await src.close();
    // What autovacuum does after a bulk load (statistics, visibility map, GIN pending lists merged).
    await target.pool!.query('vacuum analyze');
    out({ step: 'migrate-data', rows: report.tables.reduce((a, t) => a + t.copied, 0), seconds: Math.round(performance.now() - t0) / 1000 });
  } else {
    // A migration that rewrote rows of a reused copy left dead ones, which autovacuum clears in time.
    if (applied.length) await target.pool!.query('vacuum analyze');
    out({ step: 'migrate-data', reused: schema, papers: have, migrated: applied });
  }
  await target.close();
}

// 3. Web processes.
interface Web {
  proc: ChildProcess;
  url: string;
}
function startWeb(env: Record<string, string>): Promise<Web> {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), 'serve', '--role', 'web'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      PAPERBOY_LOG_LEVEL: 'info',
      PAPERBOY_LOAD_SAMPLE: 'false',
      PAPERBOY_DATA_DIR: dir,
      // The load generator is one client on loopback: lift the per-client API limit, or it would measure 429s.
      PAPERBOY_API_RATE_LIMIT_IP: '1000000',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += String(d);
      const m = /Paperboy is serving .* at (http:\/\/[^"\s]+)/.exec(buf);
      if (m) {
        // Keep draining the logs (they are part of the cost being measured) without storing them.
        proc.stderr!.off('data', onData);
        proc.stderr!.resume();
        resolve({ proc, url: m[1] });
      }
    };
    proc.stderr!.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`web process exited with ${code}: ${buf.slice(-2000)}`)));
  });
}
async function ready(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) return;
    await new Promise((res) => setTimeout(res, 500));
  }
  throw new Error(`${url} never became ready`);
}

const require = createRequire(import.meta.url);
type Result = {
  requests: { average: number };
  latency: { p50: number; p99: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
};
const autocannon = require('autocannon') as (opts: Record<string, unknown>) => Promise<Result>;

// Sample request paths from the corpus itself.
const probe = openSqlite(sqliteFile);
const ids = (probe.sqlite!.prepare('select arxiv_id from papers order by random() limit 2000').all() as { arxiv_id: string }[]).map((r) => r.arxiv_id);
const day = (probe.sqlite!.prepare('select max(day) as d from daily_entries').get() as { d: string }).d;
// 1,000 distinct queries of 2-4 content words from random titles (what people type), so that no
// answer is served twice within the micro-cache's few seconds; plus a few typed by hand, typos included.
const titles = (probe.sqlite!.prepare('select title from papers order by random() limit 1000').all() as { title: string }[]).map((r) => r.title);
await probe.close();
const queries = [...titleQueries(titles), 'diffusion models for image generation', 'graph neural networks', 'tranformer atention'];

function rotating(paths: string[], headers: Record<string, string> = {}) {
  let i = 0;
  return [
    {
      method: 'GET',
      setupRequest: (req: Record<string, unknown>) => ({ ...req, headers: { ...(req.headers as object), ...headers }, path: paths[i++ % paths.length] }),
    },
  ];
}

interface Target {
  name: string;
  requests: ReturnType<typeof rotating>;
  /** The throughput target, at which latency is measured too (requests/s). */
  rate: number;
}

/** Requests/s at which latency is measured where the issue sets no throughput target (that of search). */
const DEFAULT_RATE = 150;

async function findSearch(url: string): Promise<{ path: string; mode: string | null } | undefined> {
  for (const p of ['/api/papers/search?q=', '/api/search?q=']) {
    const r = await fetch(`${url}${p}${encodeURIComponent('graph neural networks')}`).catch(() => undefined);
    // The mode says whether the figure is hybrid search or its lexical fallback.
    if (r?.status === 200 && /json/.test(r.headers.get('content-type') ?? '')) return { path: p, mode: r.headers.get('x-search-mode') };
  }
  return undefined;
}

// CPU time from /proc (Linux), so that a figure taken while other work shares the cores still says
// what a request costs: the web processes' CPU, their PostgreSQL backends' (found by application
// name), and the load average.
const TICK_MS = 10; // USER_HZ = 100
function procCpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) * TICK_MS; // utime, stime
  } catch {
    return 0;
  }
}
const APP_NAME = 'paperboy-bench-http';
const pgUrl = (() => {
  const u = new URL(values.pg!);
  u.searchParams.set('application_name', APP_NAME);
  return u.toString();
})();
/** CPU of each PostgreSQL backend serving the web processes (the server may be serving others too). */
async function backendsCpu(): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (values.only === 'sqlite') return out;
  const c = new pg.Client({ connectionString: values.pg });
  await c.connect();
  try {
    const r = await c.query('select pid from pg_stat_activity where application_name = $1', [APP_NAME]);
    for (const { pid } of r.rows as { pid: number }[]) out.set(pid, procCpuMs(pid));
  } finally {
    await c.end();
  }
  return out;
}
const linux = existsSync('/proc/self/stat');

/** Server CPU while `run` loads the web processes: theirs and their PostgreSQL backends', per request. */
async function measured<T>(webs: Web[], run: () => Promise<T>, done: (r: T) => number): Promise<{ result: T; cpu: Record<string, number> }> {
  const web0 = linux ? webs.reduce((a, w) => a + procCpuMs(w.proc.pid!), 0) : 0;
  const pg0 = linux ? await backendsCpu() : new Map<number, number>();
  const result = await run();
  const n = done(result) || 1;
  // Backends opened during the run count from zero (one that closed meanwhile is missed).
  const pgMs = [...(linux ? await backendsCpu() : new Map<number, number>())].reduce((a, [pid, ms]) => a + ms - (pg0.get(pid) ?? 0), 0);
  const cpu: Record<string, number> = linux
    ? {
        webCpuMsPerReq: Math.round(((webs.reduce((a, w) => a + procCpuMs(w.proc.pid!), 0) - web0) / n) * 10) / 10,
        pgCpuMsPerReq: Math.round((pgMs / n) * 10) / 10,
      }
    : {};
  return { result, cpu };
}

/** Throughput: autocannon keeps CONNECTIONS connections busy for DURATION seconds (latency there is mostly queueing). */
async function load(webs: Web[], t: Target) {
  const per = Math.max(1, Math.round(CONNECTIONS / webs.length));
  const { result: rs, cpu } = await measured(
    webs,
    () => Promise.all(webs.map((w) => autocannon({ url: w.url, connections: per, duration: DURATION, requests: t.requests, timeout: 10 }))),
    (rs) => rs.reduce((a, r) => a + r['2xx'] + r.non2xx, 0),
  );
  return {
    rps: Math.round(rs.reduce((a, r) => a + r.requests.average, 0)),
    p50ms: Math.max(...rs.map((r) => r.latency.p50)),
    p99ms: Math.max(...rs.map((r) => r.latency.p99)),
    maxms: Math.max(...rs.map((r) => r.latency.max)),
    ok: rs.reduce((a, r) => a + r['2xx'], 0),
    errors: rs.reduce((a, r) => a + r.errors + r.timeouts + r.non2xx, 0),
    ...cpu,
    load1: Math.round(loadavg()[0] * 100) / 100,
  };
}

/**
 * Latency at a set load: `rate` requests a second for DURATION seconds, leaving at evenly spaced times
 * whatever the server's pace (an open loop, as wrk2 does), in turn to each web process over
 * keep-alive connections (CONNECTIONS in all; a request waits for a free one). Each latency counts
 * from the time its request was due to leave, so a stalled server shows in full.
 * autocannon's own rate mode does neither. Each connection sends its share of a second back to back
 * at the start of the second, then waits: the server gets every connection at once, then nothing.
 * Its correction for coordinated omission assumes 1 ms between requests (Math.ceil(1 / rate), with
 * the rate per second), so a response of n ms adds n - 1 made-up samples from 1 to n - 1 ms. At
 * 150/s on hybrid search here, the responses it timed had p50/p99 60-70/123-145 ms (the latency of
 * 16 requests at once); it reported 31-37/98-131 ms.
 */
async function loadAtRate(webs: Web[], t: Target, rate: number) {
  const agents = webs.map(() => new http.Agent({ keepAlive: true, maxSockets: Math.max(1, Math.round(CONNECTIONS / webs.length)) }));
  const setup = t.requests[0].setupRequest;
  const n = Math.round(rate * DURATION);
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const send = (i: number, due: number) =>
    new Promise<void>((resolve) => {
      const w = webs[i % webs.length];
      const { path, headers } = setup({ method: 'GET', headers: {} }) as { path: string; headers: Record<string, string> };
      const fail = () => {
        errors++;
        resolve();
      };
      const req = http.get(new URL(path, w.url), { agent: agents[i % webs.length], headers, timeout: 10_000 }, (res) => {
        res.resume();
        res.on('error', fail);
        res.on('end', () => {
          latencies.push(performance.now() - due);
          if (res.statusCode! < 400) ok++;
          else errors++;
          resolve();
        });
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', fail);
    });
  const { result: seconds, cpu } = await measured(
    webs,
    async () => {
      const pending: Promise<void>[] = [];
      const start = performance.now() + 20;
      for (let i = 0; i < n; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
        pending.push(send(i, due));
      }
      await Promise.all(pending);
      return (performance.now() - start) / 1000;
    },
    () => n,
  );
  for (const a of agents) a.destroy();
  latencies.sort((a, b) => a - b);
  const pct = (q: number) => (latencies.length ? Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]) : 0);
  return {
    rps: Math.round(n / seconds),
    p50ms: pct(0.5),
    p99ms: pct(0.99),
    maxms: Math.round(latencies[latencies.length - 1] ?? 0),
    ok,
    errors,
    ...cpu,
    load1: Math.round(loadavg()[0] * 100) / 100,
  };
}

async function runSetup(label: string, webs: Web[]) {
  const urls = webs.map((w) => w.url);
  for (const u of urls) await ready(u);
  const search = await findSearch(urls[0]);
  const targets: Target[] = [
    // Anonymous visitors without cookies get the micro-cached page; one with a cookie gets it rendered.
    { name: 'daily page', requests: rotating(['/']), rate: 500 },
    { name: 'daily page, rendered (a visitor with a cookie)', requests: rotating(['/'], { cookie: 'pb_csrf=benchbenchbenchbenchbench' }), rate: DEFAULT_RATE },
    { name: 'paper page', requests: rotating(ids.map((id) => `/papers/${id}`)), rate: DEFAULT_RATE },
    { name: 'daily API', requests: rotating([`/api/daily_papers?date=${day}`, '/api/daily_papers']), rate: DEFAULT_RATE },
  ];
  if (search)
    targets.push({
      name: `search API (${search.mode ?? 'mode not said'})`,
      requests: rotating(queries.map((q) => `${search.path}${encodeURIComponent(q)}`)),
      rate: 150,
    });
  else out({ setup: label, target: 'search API', status: 'pending: no search API answers on this tree' });
  const wanted = values.targets?.split(',').filter(Boolean);
  for (const t of targets) {
    if (wanted && !wanted.some((w) => t.name.includes(w))) continue;
    // A short warm-up so the first figures do not measure JIT and cold caches.
    await autocannon({ url: urls[0], connections: 4, duration: 2, requests: t.requests });
    // Throughput with every connection busy (latency there is mostly queueing: about connections ÷ rps),
    // then latency at the target rate.
    out({ setup: label, target: t.name, ...(await load(webs, t)) });
    out({ setup: label, target: t.name, atRate: t.rate, ...(await loadAtRate(webs, t, t.rate)) });
  }
}

const started: Web[] = [];
try {
  if (values.only !== 'sqlite') {
    const webs = [
      await startWeb({ DATABASE_URL: pgUrl, PAPERBOY_DATABASE_SCHEMA: schema }),
      await startWeb({ DATABASE_URL: pgUrl, PAPERBOY_DATABASE_SCHEMA: schema }),
    ];
    started.push(...webs);
    await runSetup('postgres, 2 web processes', webs);
    for (const w of webs) w.proc.kill('SIGTERM');
  }
  if (values.only !== 'pg') {
    const web = await startWeb({ DATABASE_URL: `sqlite:${sqliteFile}` });
    started.push(web);
    await runSetup('sqlite, 1 web process', [web]);
    web.proc.kill('SIGTERM');
  }
} finally {
  for (const w of started) if (w.proc.exitCode === null) w.proc.kill('SIGTERM');
}
if (!existsSync(sqliteFile)) process.exitCode = 1;
