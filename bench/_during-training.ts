// `npm run bench -- http --during-training`: a fresh copy of the bench corpus without model or
// vectors, served by one process in role all (the default: web + worker, the worker in a thread),
// syncs on against a source that refuses connections. While its worker trains the embedder and
// embeds every paper, an open loop loads a shuffled mix of paper pages, the search API, the
// rendered daily page and /healthz; each window prints page latency and the web thread's
// event-loop delay (p99, max) from inside the server (bench/_web-eld.ts), with the phase the
// worker was in. First, as a control, the same load on a web process with no worker at all (the
// delay the machine and the requests themselves cause). --worker-in-loop runs the worker on the
// web thread instead (PAPERBOY_WORKER_THREAD=false: how it was before).
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

export async function duringTraining(opts: {
  root: string;
  dir: string;
  sqliteFile: string;
  papers: number;
  windowS: number;
  rate: number;
  out: Out;
  workerInLoop?: boolean;
  /** The worker in a separate process (role web + role worker) instead of a thread. */
  workerProcess?: boolean;
  controlWindows?: number;
}): Promise<void> {
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
  const sources = {
    PAPERBOY_ARXIV_OAI_URL: `${src}/oai`,
    PAPERBOY_ARXIV_API_URL: `${src}/api/query`,
    PAPERBOY_ARXIV_RSS_URL: `${src}/rss`,
    PAPERBOY_HF_URL: src,
  };
  let workerProc: ReturnType<typeof fork> | undefined;
  const spawnServer = (env: Record<string, string>) =>
    fork(join(opts.root, 'bench', '_web-eld.ts'), [], {
      cwd: opts.root,
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        PORT: '0',
        HOST: '127.0.0.1',
        PAPERBOY_LOG_LEVEL: 'warn',
        PAPERBOY_DATA_DIR: dataDir,
        PAPERBOY_LOAD_SAMPLE: 'false',
        PAPERBOY_API_RATE_LIMIT_IP: '1000000',
        PAPERBOY_ARXIV_OAI_URL: `${src}/oai`,
        PAPERBOY_ARXIV_API_URL: `${src}/api/query`,
        PAPERBOY_ARXIV_RSS_URL: `${src}/rss`,
        PAPERBOY_HF_URL: src,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
  let child = spawnServer({ BENCH_ROLE: 'web' });
  let messages: ((m: any) => void)[] = [];
  const listen = () => {
    messages = [];
    child.on('message', (m) => messages.shift()?.(m));
  };
  listen();
  const next = () => new Promise<any>((r) => messages.push(r));
  let { url } = await next();
  let started = Date.now();
  const paths = [
    ...ids.map((id) => ({ path: `/papers/${id}`, headers: {} as Record<string, string> })),
    ...queries.map((q) => ({ path: `/api/papers/search?q=${encodeURIComponent(q)}`, headers: {} })),
    { path: '/', headers: { cookie: 'pb_csrf=benchbenchbenchbenchbench' } },
    { path: '/healthz', headers: {} },
  ];
  // Shuffled (fixed seed), so every window has the same mix.
  let seed = 42;
  for (let i = paths.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [paths[i], paths[j]] = [paths[j], paths[i]];
  }
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
  let control = opts.controlWindows ?? 6;
  const phase = () => {
    if (control > 0) return 'control (no worker)';
    if (!probe('select count(*) from embedder_models')) return 'training';
    return Number(probe('select count(*) from paper_vectors')) < opts.papers ? 'embedding' : 'done';
  };
  let afterDone = 0;
  const totals = { maxEldMs: 0, maxPageMs: 0 };
  let firstWindow = true;
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
    // A process's first window holds its own start (code compiled, caches cold): ~100 ms of loop
    // delay with no worker at all in the control. The totals leave it out; its line is printed.
    if (!firstWindow) {
      totals.maxEldMs = Math.max(totals.maxEldMs, eld.maxms);
      totals.maxPageMs = Math.max(totals.maxPageMs, lat[lat.length - 1]);
    }
    out({
      bench: 'http --during-training',
      worker: control > 0 ? 'none' : opts.workerInLoop ? 'on the web thread' : opts.workerProcess ? 'in another process' : 'in a thread',
      window: w,
      atS: Math.round((Date.now() - started) / 1000),
      phase: (ph === phase() ? ph : `${ph}→${phase()}`) + (firstWindow ? ' (first window of a new process: not in the totals)' : ''),
      rate: opts.rate,
      pageP50ms: pct(0.5),
      pageP99ms: pct(0.99),
      pageMaxms: Math.round(lat[lat.length - 1]),
      errors: rs.filter((r) => !r.ok).length,
      searchModes: modes,
      eldP99ms: Math.round(eld.p99ms * 10) / 10,
      eldMaxms: Math.round(eld.maxms * 10) / 10,
      webRssMiB: eld.rssMiB,
      load1: Math.round(loadavg()[0] * 100) / 100,
    });
    firstWindow = false;
    if (control > 0 && --control === 0) {
      // The control is over: the same copy, now served in role all (the worker trains and embeds).
      child.send({ type: 'stop' });
      await new Promise((r) => child.on('exit', r));
      child = spawnServer(opts.workerInLoop ? { PAPERBOY_WORKER_THREAD: 'false' } : opts.workerProcess ? { BENCH_ROLE: 'web' } : {});
      listen();
      ({ url } = await next());
      if (opts.workerProcess) {
        workerProc = fork(join(opts.root, 'src', 'main.ts'), ['serve', '--role', 'worker'], {
          cwd: opts.root,
          execArgv: ['--import', 'tsx'],
          env: { ...process.env, PAPERBOY_LOG_LEVEL: 'warn', PAPERBOY_DATA_DIR: dataDir, PAPERBOY_LOAD_SAMPLE: 'false', ...sources },
          stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
        });
      }
      started = Date.now();
      firstWindow = true;
      totals.maxEldMs = 0;
      totals.maxPageMs = 0;
      continue;
    }
    if (phase() === 'done' && ++afterDone >= 2) break;
  }
  out({
    bench: 'http --during-training',
    papers: opts.papers,
    workerInLoop: !!opts.workerInLoop,
    workerProcess: !!opts.workerProcess,
    seconds: Math.round((Date.now() - started) / 1000),
    ...totals,
  });
  agent.destroy();
  child.send({ type: 'stop' });
  await new Promise((r) => child.on('exit', r));
  if (workerProc) {
    workerProc.kill('SIGTERM');
    await new Promise((r) => workerProc!.on('exit', r));
  }
  await db.close();
}
