// Network sources against a local server replaying the recorded payloads: faults, pacing,
// conditional requests, OAI-PMH paging and resuming (in-process and by killing the CLI).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { databases, type TestInstance } from './support/db.ts';
import { ROOT } from './support/paths.ts';
import { ReplayServer } from './support/replay.ts';
import { HttpClient, HttpError, parseRetryAfter } from '../src/ingest/http.ts';
import { IngestSources } from '../src/ingest/sources.ts';
import { ArxivApiError, fetchArxivPapers, searchArxiv } from '../src/ingest/atom.ts';
import { harvestKey } from '../src/ingest/oai.ts';

const GAP = 50;
const client = (extra: Partial<ConstructorParameters<typeof HttpClient>[0]> = {}) =>
  new HttpClient({
    userAgent: 'Paperboy/test (+http://example.test; mailto:ops@example.test)',
    gaps: { arxiv: GAP, hf: 10 },
    backoffMs: GAP,
    retries: 5,
    timeoutMs: 5000,
    ...extra,
  });

describe('polite HTTP client', () => {
  let srv: ReplayServer;
  before(async () => {
    srv = await new ReplayServer().start();
  });
  after(async () => {
    await srv.close();
  });

  test('429, 503 + Retry-After, a truncated body and a dropped connection are retried until the page arrives', async () => {
    srv.seen.length = 0;
    srv.faults.push({ path: '/oai', fault: '429' }, { path: '/oai', fault: '503', retryAfter: 1 }, { path: '/oai', fault: 'truncated' }, { path: '/oai', fault: 'drop' });
    const http = client();
    const res = await http.get(`${srv.url}/oai?verb=ListRecords&metadataPrefix=arXivRaw`, {
      group: 'arxiv',
      validate: (b) => {
        if (!b.includes('</OAI-PMH>')) throw new Error('cut short');
      },
    });
    assert.equal(res.status, 200);
    assert.equal(res.attempts, 5);
    assert.match(res.body, /<resumptionToken[^>]*>t1</);
    const gaps = srv.gaps('/oai');
    assert.equal(gaps.length, 4);
    // Every retry waited at least the arXiv gap, and the one after the 503 its Retry-After.
    for (const g of gaps) assert.ok(g >= GAP, `gap ${g} < ${GAP}`);
    assert.ok(gaps[1] >= 1000, `Retry-After not honoured: ${gaps[1]} ms`);
    assert.match(String(srv.seen[0].headers['user-agent']), /^Paperboy\/\S+ \(\+http:\/\/example\.test; mailto:ops@example\.test\)$/);
  });

  test('gives up with an error after the configured retries, and does not retry a 404', async () => {
    srv.seen.length = 0;
    for (let i = 0; i < 3; i++) srv.faults.push({ path: '/oai', fault: '503', retryAfter: 0 });
    await assert.rejects(client({ retries: 2 }).get(`${srv.url}/oai?verb=Identify`, { group: 'arxiv' }), (e: unknown) => e instanceof HttpError && e.status === 503);
    assert.equal(srv.seen.length, 3);
    srv.seen.length = 0;
    await assert.rejects(client().get(`${srv.url}/nowhere`, { group: 'arxiv' }), (e: unknown) => e instanceof HttpError && e.status === 404);
    assert.equal(srv.seen.length, 1);
  });

  test('one request at a time per host group, each at least the gap after the previous one', async () => {
    srv.seen.length = 0;
    srv.maxInFlight = 0;
    const http = client();
    const urls = [`${srv.url}/oai?verb=ListRecords&metadataPrefix=arXivRaw`, `${srv.url}/api/query?search_query=all:x&start=0&max_results=5`, `${srv.url}/rss/cs.LG`];
    await Promise.all([...urls, ...urls].map((u) => http.get(u, { group: 'arxiv' })));
    assert.equal(srv.seen.length, 6);
    assert.equal(srv.maxInFlight, 1);
    const gaps = srv.gaps();
    assert.equal(gaps.length, 5);
    for (const g of gaps) assert.ok(g >= GAP, `gap ${g} < ${GAP}`);
  });

  test('Retry-After in seconds or as an HTTP date', () => {
    assert.equal(parseRetryAfter('7'), 7000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', Date.parse('2026-01-01T00:00:00Z')), 30000);
    assert.equal(parseRetryAfter('soon'), undefined);
  });

  test('Atom lookups in batches; an error entry sent with HTTP 200 is an error; search pages', async () => {
    srv.seen.length = 0;
    const atom = { http: client(), apiUrl: `${srv.url}/api/query` };
    const got = await fetchArxivPapers(['2202.12139', 'arXiv:2405.13786v1', 'https://arxiv.org/abs/2202.12139'], atom, 2);
    assert.deepEqual(got.map((p) => p.arxivId).sort(), ['2202.12139', '2202.12139', '2405.13786']);
    assert.equal(srv.seen.length, 2);
    assert.equal(srv.seen[0].query.get('id_list'), '2202.12139,2405.13786v1');
    await assert.rejects(fetchArxivPapers(['2202.12139', 'hep-th/9901001'], atom), ArxivApiError);
    srv.seen.length = 0;
    const pages = [];
    for await (const page of searchArxiv(atom, 'all:testing', { max: 100, pageSize: 40 })) pages.push(page.papers.length);
    assert.deepEqual(pages, [40, 40, 20]);
    assert.deepEqual(
      srv.seen.map((s) => s.query.get('start')),
      ['0', '40', '80'],
    );
  });
});

for (const dbk of databases) {
  describe(`network sources into ${dbk.name}`, () => {
    let srv: ReplayServer;
    let pb: TestInstance;
    let src: IngestSources;
    before(async () => {
      srv = await new ReplayServer().start();
      pb = await dbk.open({
        ...srv.sourceEnv(),
      });
      src = new IngestSources(pb, client());
    });
    after(async () => {
      await pb.dispose();
      await srv.close();
    });

    test('an OAI-PMH harvest pages by resumptionToken to the end', async () => {
      srv.seen.length = 0;
      const r = await src.harvestOai({ metadataPrefix: 'arXivRaw', set: 'physics', from: '2014-10-01' });
      assert.equal(r.pages, 3);
      assert.equal(r.position, 6);
      assert.equal(r.inserted, 6);
      assert.deepEqual(
        srv.seen.map((s) => s.query.get('resumptionToken') ?? `${s.query.get('metadataPrefix')}/${s.query.get('set')}/${s.query.get('from')}`),
        ['arXivRaw/physics/2014-10-01', 't1', 't2'],
      );
      const state = await src.harvests.get(harvestKey({ metadataPrefix: 'arXivRaw', set: 'physics', from: '2014-10-01' }));
      assert.equal(state?.status, 'done');
      assert.equal(state?.token, null);
      assert.equal(await pb.stores.papers.count(), 6);
    });

    test('a harvest stopped after page 1 resumes from its saved token and ends with the same records', async () => {
      const params = { metadataPrefix: 'arXivRaw' as const, set: 'physics', from: '2014-10-02' };
      const stop = new AbortController();
      srv.seen.length = 0;
      await assert.rejects(
        src.harvestOai(params, {
          signal: stop.signal,
          onPage: (p) => {
            if (p.pages === 1) stop.abort(new Error('stopped'));
          },
        }),
      );
      const saved = await src.harvests.get(harvestKey(params));
      assert.equal(saved?.token, 't1');
      assert.equal(saved?.pages, 1);
      const r = await src.harvestOai(params);
      assert.equal(r.resumed, true);
      assert.equal(r.pages, 3);
      assert.equal(r.position, 6);
      assert.equal(r.read, 6);
      assert.deepEqual(
        srv.seen.map((s) => s.query.get('resumptionToken')),
        [null, 't1', 't2'],
      );
      assert.equal(await pb.stores.papers.count(), 6);
    });

    test('an expired token restarts the list; noRecordsMatch is a finished, empty harvest', async () => {
      const params = { metadataPrefix: 'arXivRaw' as const, set: 'physics', from: '2014-10-03' };
      const key = harvestKey(params);
      await src.harvests.begin(key, 'arxiv-oai', params);
      await src.harvests.savePage(key, 'expired', 2, 1, { read: 2, inserted: 0, updated: 0, skipped: 2, errors: 0 });
      srv.badTokens.add('expired');
      srv.seen.length = 0;
      const r = await src.harvestOai(params);
      assert.equal(r.pages, 3);
      assert.equal(r.position, 6);
      assert.deepEqual(
        srv.seen.map((s) => s.query.get('resumptionToken')),
        ['expired', null, 't1', 't2'],
      );
      const none = await src.harvestOai({ metadataPrefix: 'arXivRaw', set: 'nothing', from: '2014-10-01' });
      assert.equal(none.read, 0);
      assert.equal(none.status, 'done');
    });

    test('RSS sync lists new and cross items on the day, then a conditional request answers 304', async () => {
      srv.seen.length = 0;
      const first = await src.syncRss(['cs.LG', 'cs.AI', 'cs.CL', 'stat.ML']);
      assert.equal(first.notModified, false);
      assert.equal(first.day, '2026-09-24');
      assert.deepEqual(first.types, { new: 2, cross: 1, replace: 1 });
      assert.equal(first.summary?.entries.inserted, 3);
      assert.equal(srv.seen[0].path, '/rss/cs.LG+cs.AI+cs.CL+stat.ML');
      const second = await src.syncRss(['cs.LG', 'cs.AI', 'cs.CL', 'stat.ML']);
      assert.equal(second.notModified, true);
      assert.equal(srv.seen[1].headers['if-none-match'], '"rss-2026-09-24"');
      assert.equal(srv.seen[1].headers['if-modified-since'], 'Thu, 24 Sep 2026 08:58:05 GMT');
    });

    test('HF daily papers are fetched page by page into daily entries', async () => {
      srv.seen.length = 0;
      const r = await src.syncHfDaily({ date: '2024-10-25' }, { limit: 10 });
      assert.equal(r.pages, 3);
      assert.equal(r.items, 29);
      assert.equal(r.summary.entries.inserted, 29);
      assert.deepEqual(
        srv.seen.map((s) => s.query.get('p')),
        ['0', '1', '2'],
      );
      const day = await pb.papers.list({ kind: 'day', day: '2024-10-25' }, { limit: 100, offset: 0 });
      assert.equal(day.total, 29);
    });
  });
}

const run = promisify(execFile);

test('a harvest killed with SIGKILL after page 1 resumes from the saved token: nothing lost or duplicated', async () => {
  const srv = await new ReplayServer().start();
  srv.pages = (await import('./support/replay.ts')).oaiPages(3);
  const dirs = [mkdtempSync(join(tmpdir(), 'paperboy-kill-')), mkdtempSync(join(tmpdir(), 'paperboy-whole-'))];
  const env = (dataDir: string) => ({
    ...process.env,
    PAPERBOY_DATA_DIR: dataDir,
    DATABASE_URL: '',
    LOG_LEVEL: 'silent',
    PAPERBOY_LOAD_SAMPLE: 'false',
    PAPERBOY_ARXIV_OAI_URL: `${srv.url}/oai`,
    PAPERBOY_ARXIV_GAP_MS: String(GAP),
    PAPERBOY_HTTP_BACKOFF_MS: String(GAP),
  });
  const args = ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'sync', 'arxiv', '--categories', 'cs.CL', '--from', '2014-10-01', '--json'];
  const rows = (dataDir: string) => {
    const db = new Database(join(dataDir, 'paperboy.db'), { readonly: true });
    try {
      return db.prepare('select arxiv_id, version, title, abstract, authors_json, categories_json, versions_json from papers order by arxiv_id').all();
    } finally {
      db.close();
    }
  };
  try {
    // Run 1: killed while waiting for page 2, i.e. right after page 1 was committed and its token saved.
    const savedAtKill = await new Promise<{ token: string; pages: number }>((resolve, reject) => {
      srv.holdToken = 't1';
      const child = spawn(process.execPath, args, { env: env(dirs[0]), cwd: ROOT, stdio: 'ignore' });
      child.on('error', reject);
      srv.onHeld = () => {
        const db = new Database(join(dirs[0], 'paperboy.db'), { readonly: true });
        const st = db.prepare('select token, pages from harvest_state').get() as { token: string; pages: number };
        db.close();
        child.kill('SIGKILL');
        child.on('exit', () => resolve(st));
      };
    });
    assert.deepEqual(savedAtKill, { token: 't1', pages: 1 });
    assert.equal(rows(dirs[0]).length, 2);
    // Run 2: resumes at t1.
    srv.seen.length = 0;
    const resumed = JSON.parse((await run(process.execPath, args, { env: env(dirs[0]), cwd: ROOT })).stdout);
    assert.equal(resumed.resumed, true);
    assert.equal(resumed.pages, 3);
    assert.deepEqual(
      srv.seen.map((s) => s.query.get('resumptionToken')),
      ['t1', 't2'],
    );
    // An uninterrupted run into another database.
    const whole = JSON.parse((await run(process.execPath, args, { env: env(dirs[1]), cwd: ROOT })).stdout);
    assert.equal(whole.resumed, false);
    assert.equal(whole.inserted, 6);
    const a = rows(dirs[0]);
    assert.equal(a.length, 6);
    assert.deepEqual(a, rows(dirs[1]));
  } finally {
    await srv.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
