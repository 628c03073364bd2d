// PostgreSQL, one worker and two web processes, default settings with syncs ON and no network (the
// sync sources refuse connections): the worker trains the embedder and embeds the papers while its
// syncs fail; a paper imported through the CLI is then found by meaning through the other web
// process within 20 s; and the community flow (sign in, submit, upvote, comment, trending refreshed
// every minute by the worker) works across the processes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, PG_URL, type TestInstance } from './support/db.ts';
import { instanceEnv, loadSomeSample, runCli, startServe, type Child } from './ops-child.ts';
import { fixture } from './support/paths.ts';
import { Browser, signIn } from './support/community-client.ts';

const NOW = '2026-02-28T12:00:00.000Z';
const FRESH = '2602.15552'; // announced 2026-02-17: within 14 days of NOW, in the recorded Atom feed
const TARGET = '2205.06398'; // in the recorded RSS listing: "Outlier Detection for Multi-Network Data"
const QUERY = 'anomalous fmri'; // means it without its words
const BUDGET_MS = 20_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** export.arxiv.org/api/query for submissions: id_list lookups answered from the recorded feed. */
function atomReplay(): Promise<{ url: string; close: () => Promise<void> }> {
  const xml = readFileSync(fixture('arxiv-atom', 'query-testing-100.xml'), 'utf8');
  const head = xml.slice(0, xml.indexOf('<entry>'));
  const entries = xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
  const server: Server = createHttpServer((req, res) => {
    const ids = (new URL(req.url!, 'http://x').searchParams.get('id_list') ?? '').split(',').filter(Boolean);
    const keep = entries.filter((e) => ids.some((id) => e.includes(`/abs/${id.replace(/v\d+$/, '')}v`)));
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' }).end(`${head}${keep.join('\n')}\n</feed>\n`);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}/api/query`, close: () => new Promise((r) => server.close(() => r())) }),
    ),
  );
}

const pgDb = databases.find((d) => d.name === 'postgres');

if (!pgDb) {
  it('a worker and two web processes with syncs on (PostgreSQL only)', { skip: 'DATABASE_URL_TEST is unset: this test needs PostgreSQL' }, () => {});
} else {
  describe('a worker and two web processes, syncs on, no network (postgres)', () => {
    let pb: TestInstance;
    let atom: Awaited<ReturnType<typeof atomReplay>>;
    const dirs: string[] = [];
    const children: Child[] = [];
    let env: Record<string, string>;
    let web1: Child & { url?: string };
    let web2: Child & { url?: string };
    let web1Dir = '';
    before(async () => {
      assert.ok(PG_URL);
      pb = await pgDb.open();
      atom = await atomReplay();
      await loadSomeSample(pb, 1500);
      const port = await closedPort();
      const src = `http://127.0.0.1:${port}`;
      env = {
        ...(await instanceEnv(pb)),
        // Default settings, but syncs ON against sources that refuse connections; the API lookups of submissions answer.
        PAPERBOY_SYNC: 'true',
        PAPERBOY_ARXIV_OAI_URL: `${src}/oai`,
        PAPERBOY_ARXIV_RSS_URL: `${src}/rss`,
        PAPERBOY_HF_URL: src,
        PAPERBOY_ARXIV_API_URL: atom.url,
        PAPERBOY_NOW: NOW,
        PAPERBOY_TRENDING_REFRESH_MINUTES: '1',
      };
      const dir = (name: string) => {
        const d = mkdtempSync(join(tmpdir(), `paperboy-${name}-`));
        dirs.push(d);
        return d;
      };
      web1Dir = dir('web1');
      const worker = await startServe('worker', { ...env, PAPERBOY_DATA_DIR: dir('worker') });
      [web1, web2] = await Promise.all([
        startServe('web', { ...env, PAPERBOY_DATA_DIR: web1Dir }),
        startServe('web', { ...env, PAPERBOY_DATA_DIR: dir('web2') }),
      ]);
      children.push(worker, web1, web2);
    });
    after(async () => {
      for (const c of children) {
        c.proc.kill('SIGTERM');
        await c.exited;
      }
      await atom?.close();
      await pb?.dispose();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it(`a paper imported through the CLI is found by meaning through the other web process within ${BUDGET_MS / 1000} s`, { timeout: 600_000 }, async (t) => {
      const model = await until('the trained model', () => pb.search.models.latest(), 480_000, 500);
      const papers = await pb.stores.papers.count();
      await until(
        'every paper embedded',
        async () => {
          const r = await pb.db.kysely
            .selectFrom('paper_vectors')
            .select((eb) => eb.fn.countAll<string>().as('n'))
            .where('embedder', '=', model.embedder)
            .executeTakeFirstOrThrow();
          return Number(r.n) >= papers;
        },
        120_000,
        500,
      );
      await until(
        'hybrid search in web 2',
        async () => (await fetch(`${web2.url}/api/papers/search?q=${encodeURIComponent(QUERY)}`)).headers.get('x-search-mode') === 'hybrid',
        60_000,
      );
      // The syncs failed meanwhile, recorded, without holding back search upkeep.
      const health = await pb.db.kysely.selectFrom('source_health').selectAll().execute();
      assert.ok(
        health.some((h) => h.failures > 0 && /ECONNREFUSED/.test(h.last_error ?? '')),
        JSON.stringify(health),
      );

      const imported = await runCli(['import', fixture('arxiv-rss', 'cs-lg-ai-cl-statml.xml'), '--format', 'rss'], env);
      assert.equal(imported.code, 0, imported.out);
      const committedAt = Date.now();
      let foundAt = 0;
      while (Date.now() - committedAt <= BUDGET_MS) {
        const r = await fetch(`${web2.url}/api/papers/search?q=${encodeURIComponent(QUERY)}&limit=50`);
        const ids = ((await r.json()) as { paper: { id: string } }[]).map((h) => h.paper.id);
        if (ids.includes(TARGET)) {
          foundAt = Date.now();
          break;
        }
        await sleep(200);
      }
      t.diagnostic(`imported through the CLI → found by meaning in the other web process: ${foundAt ? foundAt - committedAt : -1} ms`);
      assert.ok(foundAt, `not found within ${BUDGET_MS} ms`);
    });

    it('the community flow works across the processes with syncs on: submit, upvote, comment, trending within a minute', { timeout: 300_000 }, async () => {
      const alice = new Browser(web1.url!);
      await signIn(alice, web1Dir, 'alice@example.org', 'alice');
      const form = await alice.get('/submit');
      const sub = await alice.post('/submit', { paper: FRESH, comment: 'Worth a look' }, form);
      assert.equal(sub.status, 303, sub.body.slice(0, 500));
      const page = await alice.get(`/papers/${FRESH}`);
      assert.equal((await alice.post(`/papers/${FRESH}/upvote`, {}, page, { referer: `${web1.url}/papers/${FRESH}` })).status, 303);
      const posted = await alice.post(`/papers/${FRESH}/comments`, { body: 'A comment across processes' }, await alice.get(`/papers/${FRESH}`));
      assert.equal(posted.status, 303);
      // Another web process shows it; the worker's trending job (every minute) puts it on trending.
      const reader = new Browser(web2.url!);
      assert.match((await reader.get(`/papers/${FRESH}`)).body, /A comment across processes/);
      await until(
        'the paper on trending in web 2',
        async () => new RegExp(`href="/papers/${FRESH.replace('.', '\\.')}"`).test((await reader.get('/papers/trending?window=day')).body),
        150_000,
        2000,
      );
    });
  });
}
