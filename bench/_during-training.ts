// `npm run bench -- http --during-training`: a fresh copy of the bench corpus without model or
// vectors, served by one process in role all (the default: web + worker, the worker in a thread),
// syncs on against a source that refuses connections. While its worker trains the embedder and
// embeds every paper, an open loop loads the daily page (rendered), paper pages and the search API;
// each window prints page latency and the web thread's event-loop delay (p99, max) from inside the
// server (bench/_web-eld.ts), with the phase the worker was in.
import { fork } from 'node:child_process';
import http from 'node:http';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { openSqlite } from '../src/storage/db.ts';

type Out = (o: Record<string, unknown>) => void;

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function duringTraining(opts: { root: string; dir: string; sqliteFile: string; papers: number; windowS: number; rate: number; out: Out }): Promise<void> {
  const { out } = opts;
  // The copy: every paper, no model, no vectors (what a new instance has after its first import).
  const dataDir = join(opts.dir, 'during-training');
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'paperboy.db');
  copyFileSync(opts.sqliteFile, file);
  const db = openSqlite(file);
  db.sqlite!.exec('delete from paper_vectors; delete from embedder_model_chunks; delete from embedder_models; delete from jobs;');
  const probe = (sql: string) => db.sqlite!.prepare(sql).pluck().get() as number | string | null;
  const ids = db.sqlite!.prepare('select arxiv_id from papers order by random() limit 500').pluck().all() as string[];
  const titles = db.sqlite!.prepare('select title from papers order by random() limit 300').pluck().all() as string[];
  const queries = titles.map((t) => t.split(/\s+/).slice(0, 3).join(' '));
  const port = await closedPort();
  const src = `http://127.0.0.1:${port}`;
  const child = fork(join(opts.root, 'bench', '_web-eld.ts'), [], {
    cwd: opts.root,
    execArgv: ['--import', 'tsx'],
    env: {
      ...process.env,
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PAPERBOY_DATA_DIR: dataDir,
      PAPERBOY_LOAD_SAMPLE: 'false',
      PAPERBOY_API_RATE_LIMIT_IP: '1000000',
      PAPERBOY_ARXIV_OAI_URL: `${src}/oai`,
      PAPERBOY_ARXIV_API_URL: `${src}/api/query`,
      PAPERBOY_ARXIV_RSS_URL: `${src}/rss`,
      PAPERBOY_HF_URL: src,
    },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const messages: ((m: any) => void)[] = [];
  child.on('message', (m) => messages.shift()?.(m));
  const next = () => new Promise<any>((r) => messages.push(r));
  const { url } = await next();
  const started = Date.now();
  const paths = [
    ...ids.map((id) => ({ path: `/papers/${id}`, headers: {} as Record<string, string> })),
    ...queries.map((q) => ({ path: `/api/papers/search?q=${encodeURIComponent(q)}`, headers: {} })),
    { path: '/', headers: { cookie: 'pb_csrf=benchbenchbenchbenchbench' } },
    { path: '/healthz', headers: {} },
  ];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  let k = 0;
  const get = (p: { path: string; headers: Record<string, string> }, due: number) =>
    new Promise<{ ms: number; ok: boolean; mode?: string }>((resolve) => {
      const req = http.get(new URL(p.path, url), { agent, headers: p.headers, timeout: 30_000 }, (res) => {
        res.resume();
        res.on('end', () => resolve({ ms: performance.now() - due, ok: res.statusCode! < 400, mode: res.headers['x-search-mode'] as string | undefined }));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve({ ms: performance.now() - due, ok: false }));
    });
  const phase = () => {
    if (!probe('select count(*) from embedder_models')) return 'training';
    return Number(probe('select count(*) from paper_vectors')) < opts.papers ? 'embedding' : 'done';
  };
  let afterDone = 0;
  const totals = { maxEldMs: 0, maxPageMs: 0 };
  for (let w = 0; ; w++) {
    const ph = phase();
    const n = Math.round(opts.rate * opts.windowS);
    const start = performance.now() + 10;
    const pending: Promise<{ ms: number; ok: boolean; mode?: string }>[] = [];
    for (let i = 0; i < n; i++) {
      const due = start + (i * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait >= 1) await new Promise((r) => setTimeout(r, wait));
      pending.push(get(paths[k++ % paths.length], due));
    }
    const rs = await Promise.all(pending);
    child.send({ type: 'report' });
    const eld = await next();
    const lat = rs.map((r) => r.ms).sort((a, b) => a - b);
    const pct = (q: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]);
    const modes = [...new Set(rs.map((r) => r.mode).filter(Boolean))];
    totals.maxEldMs = Math.max(totals.maxEldMs, eld.maxms);
    totals.maxPageMs = Math.max(totals.maxPageMs, lat[lat.length - 1]);
    out({
      bench: 'http --during-training',
      window: w,
      atS: Math.round((Date.now() - started) / 1000),
      phase: ph === phase() ? ph : `${ph}→${phase()}`,
      rate: opts.rate,
      pageP50ms: pct(0.5),
      pageP99ms: pct(0.99),
      pageMaxms: Math.round(lat[lat.length - 1]),
      errors: rs.filter((r) => !r.ok).length,
      searchModes: modes,
      eldP99ms: Math.round(eld.p99ms * 10) / 10,
      eldMaxms: Math.round(eld.maxms * 10) / 10,
      load1: Math.round(loadavg()[0] * 100) / 100,
    });
    if (phase() === 'done' && ++afterDone >= 2) break;
  }
  out({ bench: 'http --during-training', papers: opts.papers, seconds: Math.round((Date.now() - started) / 1000), ...totals });
  agent.destroy();
  child.send({ type: 'stop' });
  await new Promise((r) => child.on('exit', r));
  await db.close();
}
