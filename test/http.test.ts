import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';

for (const dbk of databases) {
  describe(`pages and API over HTTP on ${dbk.name}, with the sample`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' }, { sample: true });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });
    const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init);

    test('/healthz reports the database', async () => {
      const r = await get('/healthz');
      assert.equal(r.status, 200);
      assert.deepEqual(await r.json(), { status: 'ok', database: 'ok', dialect: dbk.name });
    });

    test('/ lists real paper titles of the latest day with chosen papers', async () => {
      const r = await get('/');
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /text\/html/);
      const body = await r.text();
      assert.match(body, /<h1>Daily papers/);
      const home = await pb.papers.homeDay();
      assert.deepEqual(home, { day: '2024-10-25', view: 'chosen' });
      const list = await pb.papers.list({ kind: 'day', day: home.day }, { limit: 5, offset: 0, view: 'chosen' });
      assert.ok(list.items.length > 0);
      for (const it of list.items) assert.ok(body.includes(`/papers/${it.paper.arxivId}`), it.paper.arxivId);
    });

    test('/papers/date/2024-10-25 lists the 29 HF papers ordered by upvotes', async () => {
      const body = await (await get('/papers/date/2024-10-25')).text();
      const ids = [...body.matchAll(/<h2><a href="\/papers\/([\d.]+)">/g)].map((m) => m[1]);
      assert.equal(ids.length, 29);
      assert.equal(ids[0], '2410.17243');
      assert.equal(ids[1], '2410.16251');
      const counts = [...body.matchAll(/<span class="count">(\d+)<\/span>/g)].map((m) => Number(m[1]));
      assert.deepEqual(counts, [...counts].sort((a, b) => b - a));
      // Days before it had no chosen papers: the day pager skips to none, and names the days it has.
      assert.match(body, /<div class="period-nav">/);
    });

    test('/papers/2410.17243 shows the title and the authors', async () => {
      const r = await get('/papers/2410.17243');
      assert.equal(r.status, 200);
      const body = await r.text();
      assert.match(body, /Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss/);
      for (const a of ['Zesen Cheng', 'Hang Zhang', 'Lidong Bing']) assert.ok(body.includes(a), a);
      assert.match(body, /https:\/\/arxiv.org\/pdf\/2410.17243/);
      assert.match(body, /<meta name="citation_title"/);
      assert.match(body, /<link rel="canonical" href="https:\/\/papers.example.org\/papers\/2410.17243">/);
    });

    test('a versioned id redirects to the paper, an unknown one is a 404 page', async () => {
      const r = await get('/papers/2410.17243v2', { redirect: 'manual' });
      assert.equal(r.status, 301);
      assert.equal(r.headers.get('location'), '/papers/2410.17243');
      const nf = await get('/papers/2501.99999');
      assert.equal(nf.status, 404);
      assert.match(await nf.text(), /Back to the daily papers/);
      assert.equal((await get('/no/such/page')).status, 404);
    });

    test('math in titles is rendered by KaTeX on the server and text is escaped', async () => {
      const id = '2510.21046';
      const body = await (await get(`/papers/${id}`)).text();
      assert.match(body, /class="katex"/);
      assert.doesNotMatch(body, /<script>alert/);
    });

    test('GET /api/daily_papers?date=2024-10-25 speaks HF shapes', async () => {
      const r = await get('/api/daily_papers?date=2024-10-25');
      assert.equal(r.status, 200);
      const items = (await r.json()) as Record<string, any>[];
      assert.equal(items.length, 29);
      for (const k of ['paper', 'publishedAt', 'title', 'numComments', 'submittedBy']) assert.ok(k in items[0], k);
      for (const k of ['id', 'title', 'summary', 'authors', 'publishedAt', 'upvotes']) assert.ok(k in items[0].paper, k);
      assert.equal(items[0].paper.id, '2410.17243');
      assert.equal(items[0].paper.upvotes, 64);
      assert.equal(items[0].paper.authors[0].name, 'Zesen Cheng');
      assert.equal(items[0].submittedBy.name, 'ClownRat');
    });

    test('the daily API pages with limit and p, and links the next page', async () => {
      const r = await get('/api/daily_papers?date=2024-10-25&limit=10&p=1');
      const items = (await r.json()) as { paper: { id: string } }[];
      assert.equal(items.length, 10);
      assert.match(r.headers.get('link')!, /^<https:\/\/papers.example.org\/api\/daily_papers\?date=2024-10-25&limit=10&p=2>; rel="next"$/);
      const last = await get('/api/daily_papers?date=2024-10-25&limit=10&p=2');
      assert.equal(((await last.json()) as unknown[]).length, 9);
      assert.equal(last.headers.get('link'), null);
    });

    test('bad parameters get 400 with a JSON message', async () => {
      for (const q of ['date=2024-13-45', 'date=yesterday', 'limit=0', 'limit=101', 'limit=ten', 'p=-1', 'week=2024-W60', 'month=2024-13', 'date=2024-10-25&month=2024-10']) {
        const r = await get(`/api/daily_papers?${q}`);
        assert.equal(r.status, 400, q);
        const body = (await r.json()) as { error: string; code: string };
        assert.equal(body.code, 'bad_request', q);
        assert.ok(body.error.length > 5, q);
      }
    });

    test('GET /api/papers/:id returns the paper, 404 JSON when unknown', async () => {
      const p = (await (await get('/api/papers/2410.17243')).json()) as { id: string; title: string };
      assert.equal(p.id, '2410.17243');
      const nf = await get('/api/papers/2501.99999');
      assert.equal(nf.status, 404);
      assert.equal(((await nf.json()) as { code: string }).code, 'not_found');
    });

    test('static assets are fingerprinted, cached for a year and compressed', async () => {
      const page = await (await get('/')).text();
      const css = page.match(/href="(\/static\/app\.[0-9a-f]{10}\.css)"/)![1];
      const r = await get(css, { headers: { 'accept-encoding': 'br' } });
      assert.equal(r.status, 200);
      assert.match(r.headers.get('cache-control')!, /immutable/);
      assert.ok(r.headers.get('etag'));
    });
  });
}
