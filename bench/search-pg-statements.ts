// npm run bench -- search-pg-statements [--queries 300] [--limit 50] [--pg postgres://…]
// Where PostgreSQL's CPU goes in a search. Runs hybrid searches (2-4 words of random titles, as the
// http bench's) through SearchService on the http bench's schema and data dir (run
// `npm run bench -- http --only pg` first), records every statement they send, then replays the
// statements twice on one connection, reading that backend's CPU time from /proc (Linux). Prints one
// JSON line per kind of statement: server CPU and wall time per search, statements per search.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpus } from 'node:os';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { openSqlite } from '../src/storage/db.ts';
import { titleQueries } from './_queries.ts';

const { values } = parseArgs({
  options: {
    queries: { type: 'string', default: '300' },
    limit: { type: 'string', default: '50' },
    pg: { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/test' },
  },
});
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const DIR = join(ROOT, 'data', 'bench', 'http-100000');
const SCHEMA = 'bench_http_100000';
const out = (o: Record<string, unknown>) => console.log(JSON.stringify(o));

// Every statement sent through node-postgres while recording.
type Statement = { text: string; values?: unknown[] };
const recorded: Statement[] = [];
let recording = false;
const query = pg.Client.prototype.query as (...a: unknown[]) => unknown;
(pg.Client.prototype as unknown as { query: (...a: unknown[]) => unknown }).query = function (this: pg.Client, ...a: unknown[]) {
  if (recording) {
    const [q, v] = a as [string | { text?: string; values?: unknown[] }, unknown];
    if (typeof q === 'string') recorded.push({ text: q, values: Array.isArray(v) ? v : undefined });
    else if (q?.text) recorded.push({ text: q.text, values: q.values });
  }
  return query.apply(this, a);
};

const probe = openSqlite(join(DIR, 'paperboy.db'));
const titles = (probe.sqlite!.prepare('select title from papers order by random() limit ?').all(Number(values.queries)) as { title: string }[]).map((r) => r.title);
await probe.close();
const queries = titleQueries(titles);

const cfg = loadConfig({ ...process.env, DATABASE_URL: values.pg, PAPERBOY_DATABASE_SCHEMA: SCHEMA, PAPERBOY_DATA_DIR: DIR });
const pb = await openPaperboy(cfg, { log: createLogger('warn') });
await pb.search.vectorIndex();
for (const q of queries.slice(0, 30)) await pb.search.search({ q, limit: Number(values.limit), snippets: false });
recording = true;
for (const q of queries) await pb.search.search({ q, limit: Number(values.limit), snippets: false });
recording = false;
await pb.close();

const c = new pg.Client({ connectionString: values.pg, options: `-c search_path=${SCHEMA}` });
await c.connect();
const pid = (await c.query<{ p: number }>('select pg_backend_pid() as p')).rows[0].p;
const cpuMs = () => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10; // utime + stime, USER_HZ = 100
};
for (const s of recorded.slice(0, 200)) await c.query(s.text, s.values); // warm the caches
const kinds = new Map<string, { n: number; cpu: number; wall: number }>();
const REPEAT = 2;
for (let rep = 0; rep < REPEAT; rep++)
  for (const s of recorded) {
    const kind = s.text.replace(/\s+/g, ' ').slice(0, 60);
    const k = kinds.get(kind) ?? { n: 0, cpu: 0, wall: 0 };
    const c0 = cpuMs();
    const t0 = performance.now();
    await c.query(s.text, s.values);
    k.wall += performance.now() - t0;
    k.cpu += cpuMs() - c0;
    k.n++;
    kinds.set(kind, k);
  }
await c.end();
const per = queries.length * REPEAT;
const round = (x: number) => Math.round(x * 100) / 100;
out({ bench: 'search-pg-statements', cores: cpus().length, cpu: cpus()[0]?.model, searches: queries.length, limit: Number(values.limit) });
let total = 0;
for (const [kind, k] of [...kinds].sort((a, b) => b[1].cpu - a[1].cpu)) {
  total += k.cpu;
  out({ statement: kind, cpuMsPerSearch: round(k.cpu / per), wallMsPerSearch: round(k.wall / per), perSearch: round(k.n / per) });
}
out({ total: true, cpuMsPerSearch: round(total / per) });
