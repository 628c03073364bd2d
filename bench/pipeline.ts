// npm run bench -- pipeline [--records N] [--max-docs M]: the whole way from a snapshot to search by
// meaning on SQLite, each stage in a child process of its own so that its peak resident memory is
// its own: import (the ingest bench, --keep), train (the default static model: PPMI + contrastive),
// embed (every paper), index (a web process's vector index replica, caught up from the database) and
// serve (a new process maps the saved index and answers searches: what a web process holds; the
// int8 vectors the candidates are rescored with are read from their file through the page cache).
// Prints one JSON line per stage (seconds, CPU seconds, peak RSS, database and WAL bytes) and a total.
import { spawn } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { VECTORS } from '../src/search/index-merge.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    'max-docs': { type: 'string', default: '200000' },
    stage: { type: 'string' },
    dir: { type: 'string' },
    keep: { type: 'boolean' },
  },
});
const N = Number(values.records);

const mb = (f: string) => (existsSync(f) ? Math.round(statSync(f).size / 1048576) : 0);

/** One stage on the database in `dir`, in this (child) process. */
async function stage(name: string, dir: string): Promise<void> {
  const cfg = loadConfig({ ...process.env, PAPERBOY_DATA_DIR: dir, DATABASE_URL: '', PAPERBOY_LOAD_SAMPLE: 'false', PAPERBOY_LOG_LEVEL: 'warn' });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('warn') });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const extra: Record<string, unknown> = {};
  if (name === 'train') {
    const stats = await pb.search.train({ maxDocs: Number(values['max-docs']), log: (m) => console.error(m) });
    Object.assign(extra, { docs: stats.docs, vocab: stats.vocab, losses: stats.losses });
  } else if (name === 'embed') {
    extra.embedded = await pb.search.embedAll(2000);
  } else if (name === 'index') {
    const vi = await pb.search.vectorIndex();
    extra.vectors = vi?.size ?? 0;
    // This process built the index: its resident memory holds what the build left behind.
    extra.rssMb = Math.round(process.memoryUsage().rss / 1048576);
  } else if (name === 'serve') {
    // What a web process holds for search by meaning: a new process maps the saved index and
    // answers 2,000 searches by meaning (query texts: titles of random papers).
    const rss0 = process.memoryUsage().rss;
    const vi = (await pb.search.vectorIndex())!;
    const e = (await pb.search.embedder())!;
    const ids = Array.from({ length: 2000 }, () => 1 + Math.floor(Math.random() * N));
    const titles = [...(await pb.stores.papers.byIds(ids)).values()].map((p) => p.title);
    const t1 = performance.now();
    for (const t of titles) vi.search((await e.embed([t], 'query'))[0], 10);
    const rss = process.memoryUsage().rss;
    Object.assign(extra, {
      vectors: vi.size,
      searches: titles.length,
      searchMsMean: Number(((performance.now() - t1) / titles.length).toFixed(2)),
      rssMb: Math.round(rss / 1048576),
      rssForVectorsMb: Math.round((rss - rss0) / 1048576),
      indexFileMb: mb(vi.file),
      // Read per candidate through the page cache (not mapped): not part of the resident figure.
      vectorFileMb: mb(vi.file + VECTORS),
    });
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await pb.close();
  const db = join(dir, 'paperboy.db');
  console.log(
    JSON.stringify({
      stage: name,
      seconds: Number(seconds.toFixed(1)),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(1)),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      databaseMb: mb(db),
      walMb: mb(`${db}-wal`),
      ...extra,
    }),
  );
}

function run(args: string[]): Promise<{ out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      process.stderr.write(d);
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve({ out, err }) : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}

if (values.stage) {
  await stage(values.stage, values.dir!);
} else {
  const here = fileURLToPath(import.meta.url);
  const load0 = loadavg()[0];
  const t0 = performance.now();
  const imp = await run([join(here, '..', 'ingest.ts'), '--records', String(N), '--keep']);
  const dir = imp.err.match(/kept (\S+)/)?.[1];
  if (!dir) throw new Error('the ingest bench did not say where it kept its database');
  const importFigures = JSON.parse(imp.out.trim().split('\n').pop()!) as Record<string, unknown>;
  // Writing the synthetic snapshot is not part of the pipeline (a real one is downloaded).
  const generateSeconds = Number(importFigures.generateSeconds ?? 0);
  console.log(
    JSON.stringify({
      stage: 'import',
      seconds: importFigures.seconds,
      cpuSeconds: importFigures.cpuSeconds,
      peakRssMb: importFigures.peakRssMb,
      databaseMb: importFigures.databaseMb,
      walMb: mb(join(dir, 'paperboy.db-wal')),
      snapshotSeconds: generateSeconds,
    }),
  );
  for (const s of ['train', 'embed', 'index', 'serve']) {
    const r = await run([here, '--stage', s, '--dir', dir, '--records', String(N), '--max-docs', values['max-docs']!]);
    console.log(r.out.trim().split('\n').pop());
  }
  const db = join(dir, 'paperboy.db');
  console.log(
    JSON.stringify({
      bench: 'pipeline',
      records: N,
      totalSeconds: Number(((performance.now() - t0) / 1000 - generateSeconds).toFixed(1)),
      databaseMb: mb(db),
      walMb: mb(`${db}-wal`),
      bytesPerPaper: Math.round(((existsSync(db) ? statSync(db).size : 0) + (existsSync(`${db}-wal`) ? statSync(`${db}-wal`).size : 0)) / N),
      loadAverage: [Number(load0.toFixed(1)), Number(loadavg()[0].toFixed(1))],
      cores: availableParallelism(),
    }),
  );
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir}`);
}
