// npm run bench -- digest [--subscribers N] [--papers N] [--send N] [--dry-runs K]
// Builds the daily edition for 100,000 confirmed subscribers with varied preferences over 2,000
// candidate papers (real arXiv metadata from the bundled sample), printing time and peak memory;
// then sends to a loopback SMTP server and prints messages per second. Uses DATABASE_URL when
// it names PostgreSQL (in a fresh schema), else an SQLite file in a temporary data dir.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import type { IngestItem } from '../src/ingest/types.ts';
import { nowIso } from '../src/storage/dialect.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '100000' },
    papers: { type: 'string', default: '2000' },
    send: { type: 'string', default: '5000' },
    // Before the build, K dry-run builds (choosing every subscriber's papers, writing nothing): their CPU alone.
    'dry-runs': { type: 'string', default: '0' },
  },
});
const N_SUBS = Number(values.subscribers);
const N_PAPERS = Number(values.papers);
const N_SEND = Number(values.send);
const DAY = '2026-11-27'; // a Friday

// A seeded generator: the same preferences on every run.
let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(a: T[]) => a[Math.floor(rnd() * a.length)];

// Loopback SMTP server that accepts and drains everything.
let received = 0;
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS', 'AUTH'],
  logger: false,
  onData(stream, _s, cb) {
    stream.on('data', () => {});
    stream.on('end', () => {
      received++;
      cb();
    });
  },
});
await new Promise<void>((r) => smtp.listen(0, '127.0.0.1', () => r()));
const port = (smtp.server.address() as { port: number }).port;

const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-bench-digest-'));
const pgUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : undefined;
const schema = pgUrl ? `bench_digest_${randomBytes(3).toString('hex')}` : undefined;
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
  SMTP_URL: `smtp://127.0.0.1:${port}`,
  PAPERBOY_DIGEST_RATE: '10000',
  PAPERBOY_BASE_URL: 'https://papers.example.org',
});
const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent'), schema });
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

try {
  // 1. Candidate papers: the first N sample papers, placed on DAY's list with varied upvotes.
  let t = performance.now();
  const items: IngestItem[] = [];
  for await (const it of parseJsonl(SAMPLE_FILES.arxiv, {}, undefined, 'sample')) {
    if (it.kind !== 'paper') continue;
    items.push({
      kind: 'paper',
      paper: it.paper,
      entry: { arxivId: it.paper.arxivId, day: DAY, source: 'curator', submittedAt: `${DAY}T00:00:00Z`, sourceUpvotes: Math.floor(rnd() ** 3 * 200) },
    });
    if (items.length >= N_PAPERS) break;
  }
  await pb.importer.run('bench', 'digest', items, { batchSize: 1000 });
  const papers = items.map((i) => (i.kind === 'paper' ? i.paper : null)!);
  const categories = [...new Set(papers.flatMap((p) => p.categories))];
  const authors = papers.flatMap((p) => p.authors.slice(0, 2));
  const vocab = ['diffusion', 'transformer', 'reinforcement learning', 'graph neural', 'language model', 'robust', 'quantum', 'federated', 'benchmark', 'contrastive', '"large language models"', 'segmentation', 'retrieval', 'privacy', 'optimization', 'causal', 'speech', 'agents'];
  const zones = ['UTC', 'Europe/Berlin', 'Europe/London', 'America/New_York', 'America/Los_Angeles', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'America/Sao_Paulo', 'Africa/Nairobi', 'Asia/Shanghai', 'Europe/Paris'];
  out({ step: 'papers', papers: papers.length, categories: categories.length, seconds: +((performance.now() - t) / 1000).toFixed(2) });

  // 2. Subscribers, confirmed, with varied preferences (bulk insert; the opt-in flow is tested elsewhere).
  t = performance.now();
  const now = nowIso();
  const rows = Array.from({ length: N_SUBS }, (_, i) => {
    const nCat = Math.floor(rnd() * 4);
    const nKw = rnd() < 0.5 ? 0 : 1 + Math.floor(rnd() * 2);
    const nAu = rnd() < 0.7 ? 0 : 1 + Math.floor(rnd() * 2);
    return {
      email: `reader${i}@bench.example.org`,
      status: 'confirmed',
      frequency: rnd() < 0.85 ? 'daily' : 'weekly',
      categories_json: JSON.stringify([...new Set(Array.from({ length: nCat }, () => pick(categories)))]),
      keywords_json: JSON.stringify([...new Set(Array.from({ length: nKw }, () => pick(vocab)))]),
      authors_json: JSON.stringify([...new Set(Array.from({ length: nAu }, () => pick(authors)))]),
      time_zone: pick(zones),
      user_id: null,
      pending_json: null,
      confirm_token_hash: null,
      confirm_sent_at: null,
      confirm_expires_at: null,
      confirmed_at: now,
      unsubscribed_at: null,
      suspended_reason: null,
      created_at: now,
      updated_at: now,
    };
  });
  await pb.db.kysely.transaction().execute(async (trx) => {
    for (let i = 0; i < rows.length; i += 1000) await trx.insertInto('digest_subscribers').values(rows.slice(i, i + 1000)).execute();
  });
  out({ step: 'subscribers', subscribers: N_SUBS, seconds: +((performance.now() - t) / 1000).toFixed(2) });

  // 3. Build the daily edition: time and peak memory (RSS sampled every 50 ms, and the heap).
  let peakRss = process.memoryUsage().rss;
  let peakHeap = process.memoryUsage().heapUsed;
  const rssBefore = peakRss;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 50);
  const dry: number[] = [];
  for (let k = 0; k < Number(values['dry-runs']); k++) {
    const c0 = process.cpuUsage();
    await pb.digest.build('daily', DAY, { dryRun: true });
    const c = process.cpuUsage(c0);
    dry.push(+((c.user + c.system) / 1e6).toFixed(3));
  }
  if (dry.length) out({ step: 'dry-runs', cpuSeconds: dry, median: [...dry].sort((a, b) => a - b)[Math.floor(dry.length / 2)] });
  const cpu0 = process.cpuUsage();
  const build = await pb.digest.build('daily', DAY);
  const cpu = process.cpuUsage(cpu0);
  clearInterval(sampler);
  const mb = (b: number) => Math.round(b / 1048576);
  out({
    step: 'build',
    database: pb.db.dialect,
    edition: build.edition,
    subscribers: build.subscribers,
    candidates: build.candidates,
    deliveries: build.deliveries,
    empty: build.empty,
    papersAssigned: build.papersAssigned,
    seconds: build.seconds,
    // CPU time of this process: what the build costs when the machine is not shared.
    cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    loadAverage: (await import('node:os')).loadavg()[0].toFixed(1),
    peakRssMB: mb(peakRss),
    rssBeforeMB: mb(rssBefore),
    peakHeapMB: mb(peakHeap),
  });

  // 4. Send to the loopback SMTP server (one connection, throttle off), the first N_SEND deliveries.
  const cpuSend0 = process.cpuUsage();
  const send = await pb.digest.send({ limit: N_SEND });
  const cpuSend = process.cpuUsage(cpuSend0);
  out({ step: 'send', sent: send.sent, received, seconds: send.seconds, messagesPerSecond: +(send.sent / send.seconds).toFixed(1), cpuSecondsIncludingSmtpServer: +((cpuSend.user + cpuSend.system) / 1e6).toFixed(2) });
} finally {
  await pb.close();
  smtp.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (pgUrl) {
    const c = new pg.Client({ connectionString: pgUrl });
    await c.connect();
    await c.query(`drop schema if exists ${schema} cascade`);
    await c.end();
  }
}
