// npm run smoke:api [-- URL] [--week YYYY-Www] [--month YYYY-MM] [--limit N]
//
// Walks the daily papers API of a running instance by week and by month, following the
// `Link: <…>; rel="next"` header page by page, and prints what it fetched. With no instance at
// the URL (default http://127.0.0.1:3000) it starts its own on a temporary SQLite data dir with
// the bundled sample, and removes it afterwards.
import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { buildApp } from '../src/http/app.ts';
import { isoWeek } from '../src/domain/dates.ts';

interface Item {
  paper: { id: string; upvotes: number };
  publishedAt: string;
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { week: { type: 'string' }, month: { type: 'string' }, limit: { type: 'string', default: '20' } },
});
const limit = Number(values.limit);
if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw new Error('--limit must be 1–100');

async function reachable(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
    return r.ok;
  } catch {
    return false;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a throw-away instance with the sample; returns its URL and how to stop it. */
async function startOwn(): Promise<{ url: string; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-smoke-'));
  const port = await freePort();
  console.log(`no instance answered; starting one on ${dataDir} with the bundled sample (takes ~20 s)…`);
  const cfg = loadConfig({ PAPERBOY_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), PAPERBOY_LOG_LEVEL: 'warn', PAPERBOY_LOAD_SAMPLE: 'true' });
  const pb = await openPaperboy(cfg, { migrate: true, sample: true });
  const { app } = await buildApp(pb);
  await app.listen({ host: '127.0.0.1', port });
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      await app.close();
      await pb.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Follows rel="next" from `path`; prints one line per page. */
async function walk(base: string, path: string): Promise<{ pages: number; papers: number; distinct: number; ms: number }> {
  const t0 = performance.now();
  const seen = new Set<string>();
  let url: string | undefined = base + path;
  let pages = 0;
  let papers = 0;
  while (url) {
    const r: Response = await fetch(url, { headers: { accept: 'application/json' } });
    if (r.status === 429) {
      // Polite client: wait as long as the server asks, then ask again.
      const wait = Number(r.headers.get('retry-after') ?? 5);
      console.log(`  429 Too Many Requests: waiting ${wait} s as Retry-After asks`);
      await r.arrayBuffer();
      await new Promise((res) => setTimeout(res, wait * 1000));
      continue;
    }
    if (r.status !== 200) throw new Error(`${url} → HTTP ${r.status}: ${await r.text()}`);
    const items = (await r.json()) as Item[];
    pages++;
    papers += items.length;
    for (const it of items) seen.add(it.paper.id);
    const u = new URL(url);
    const ids = items.length ? `${items[0].paper.id} (${items[0].paper.upvotes}▲) … ${items[items.length - 1].paper.id} (${items[items.length - 1].paper.upvotes}▲)` : 'none';
    console.log(`  GET ${u.pathname}${u.search} → ${r.status}, ${items.length} papers: ${ids} · RateLimit-Remaining ${r.headers.get('ratelimit-remaining') ?? '-'}`);
    const next = r.headers.get('link')?.match(/<([^>]+)>;\s*rel="next"/)?.[1];
    if (next) {
      // The Link is absolute on the instance's public URL; when that is not the address we were
      // given (a proxy, a base URL set for production), keep talking to the address we were given.
      const n = new URL(next);
      const b = new URL(base);
      url = n.origin === b.origin ? next : `${base}${n.pathname}${n.search}`;
    } else url = undefined;
    if (pages > 10_000) throw new Error('paging does not end');
  }
  return { pages, papers, distinct: seen.size, ms: Math.round(performance.now() - t0) };
}

const target = (positionals[0] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
const own = (await reachable(target)) ? undefined : await startOwn();
const base = own?.url ?? target;
try {
  console.log(`smoke:api against ${base}`);
  const latest = (await (await fetch(`${base}/api/daily_papers?limit=1`)).json()) as Item[];
  const day = latest[0]?.publishedAt.slice(0, 10) ?? new Date().toISOString().slice(0, 10);
  const week = values.week ?? isoWeek(day);
  const month = values.month ?? day.slice(0, 7);
  const results: Record<string, unknown> = {};
  for (const [label, path] of [
    [`week ${week}`, `/api/daily_papers?week=${week}&limit=${limit}`],
    [`month ${month}`, `/api/daily_papers?month=${month}&limit=${limit}`],
  ]) {
    console.log(`${label}:`);
    const r = await walk(base, path);
    if (r.distinct !== r.papers) throw new Error(`${label}: ${r.papers - r.distinct} papers came twice across pages`);
    console.log(`  = ${r.pages} pages, ${r.papers} papers, all distinct, ${r.ms} ms`);
    results[label] = r;
  }
  console.log(JSON.stringify({ base, limit, ...results }));
} finally {
  await own?.stop();
}
