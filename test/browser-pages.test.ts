// The web pages over real HTTP: page weight, cache validators, error pages, escaping, no-JS
// forms and pagination. The headless-Chromium tests are in browser-ui.test.ts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import type { RouteModule } from '../src/http/routes.ts';

/** The daily page's budget: HTML + CSS + JS, uncompressed, KaTeX's stylesheet and fonts aside. */
const BUDGET = 100_000;
/** A signed-in reader's: each card carries a vote form with its token, and community.js loads. */
const SIGNED_IN_BUDGET = 120_000;

// A route that fails with an ordinary Error (not an AppError), registered for this file only.
const SECRET = 'password=hunter2 in /srv/secret/path.ts';
const failing: RouteModule = (app) => {
  app.get('/__test/boom', async () => {
    throw new Error(SECRET);
  });
};

for (const dbk of databases) {
  describe(`web pages over HTTP on ${dbk.name}, with the sample`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' }, { sample: true });
      srv = await startServer(pb, { extraRoutes: [failing] });
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
    });
    const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init);

    test(`the daily page with 50 papers is under ${BUDGET / 1000} KB of HTML + CSS + JS`, async (t) => {
      // The fullest list page: arXiv's whole listing of the latest day, 50 cards (the home has HF's 29).
      const latest = await pb.papers.latestDay('all');
      const { total } = await pb.papers.list({ kind: 'day', day: latest }, { limit: 1, offset: 0, view: 'all' });
      assert.ok(total >= 50, `the sample's latest day (${latest}) should have at least 50 papers, has ${total}`);
      const r = await get('/?list=all', { headers: { 'accept-encoding': 'identity' } });
      const page = await r.text();
      assert.equal([...page.matchAll(/<li class="card">/g)].length, 50);
      // Every stylesheet and script the page loads, except KaTeX's (fonts and math CSS are outside the budget).
      const assets = [...page.matchAll(/<(?:link rel="stylesheet" href|script src)="(\/static\/[^"]+)"/g)].map((m) => m[1]).filter((u) => !u.includes('/katex-'));
      assert.ok(assets.some((u) => u.endsWith('.css')) && assets.some((u) => u.endsWith('.js')), assets.join(' '));
      const bodies = [Buffer.from(page)];
      for (const u of assets) bodies.push(Buffer.from(await (await get(u, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()));
      const raw = bodies.reduce((n, b) => n + b.length, 0);
      const br = bodies.reduce((n, b) => n + brotliCompressSync(b).length, 0);
      const gz = bodies.reduce((n, b) => n + gzipSync(b).length, 0);
      t.diagnostic(`daily page weight: html ${bodies[0].length} B + ${assets.length} assets = ${raw} B uncompressed, ${br} B brotli, ${gz} B gzip`);
      assert.ok(raw < BUDGET, `daily page weighs ${raw} bytes (${assets.join(', ')})`);
    });

    test(`a signed-in reader's fullest daily page (50 cards with vote forms) is under ${SIGNED_IN_BUDGET / 1000} KB`, async (t) => {
      const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('weight@example.org'));
      // An https base URL: the session cookie is a __Host- cookie (issue 16).
      const cookie = `__Host-pb_session=${await pb.community.accounts.createSession(user.id)}`;
      const page = await (await get('/?list=all', { headers: { cookie, 'accept-encoding': 'identity' } })).text();
      assert.equal([...page.matchAll(/<form method="post" action="\/papers\/[^"]+\/upvote" data-vote>/g)].length, 50);
      const assets = [...page.matchAll(/<(?:link rel="stylesheet" href|script src)="(\/static\/[^"]+)"/g)].map((m) => m[1]).filter((u) => !u.includes('/katex-'));
      assert.ok(assets.some((u) => u.includes('/community.')), 'community.js is loaded');
      const bodies = [Buffer.from(page)];
      for (const u of assets) bodies.push(Buffer.from(await (await get(u, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer()));
      const raw = bodies.reduce((n, b) => n + b.length, 0);
      const br = bodies.reduce((n, b) => n + brotliCompressSync(b).length, 0);
      t.diagnostic(`signed-in daily page weight: html ${bodies[0].length} B + ${assets.length} assets = ${raw} B uncompressed, ${br} B brotli`);
      assert.ok(raw < SIGNED_IN_BUDGET, `signed-in daily page weighs ${raw} bytes`);
    });

    test('pages send an ETag and answer 304 to a matching If-None-Match; assets are fingerprinted, immutable and compressed', async () => {
      const r = await get('/papers/date/2024-10-25');
      const etag = r.headers.get('etag');
      assert.ok(etag, 'ETag header');
      assert.equal(r.headers.get('cache-control'), 'no-cache');
      const again = await get('/papers/date/2024-10-25', { headers: { 'if-none-match': etag } });
      assert.equal(again.status, 304);
      const css = (await r.text()).match(/href="(\/static\/app\.[0-9a-f]{10}\.css)"/)?.[1];
      assert.ok(css, 'fingerprinted stylesheet URL');
      const a = await get(css, { headers: { 'accept-encoding': 'br' } });
      assert.equal(a.status, 200);
      assert.match(a.headers.get('cache-control')!, /max-age=31536000, immutable/);
      assert.equal(a.headers.get('content-encoding'), 'br');
    });

    test('an unexpected error gives the 500 page: a way back, a reference, no stack trace or message', async () => {
      const r = await get('/__test/boom', { headers: { accept: 'text/html' } });
      assert.equal(r.status, 500);
      assert.match(r.headers.get('content-type')!, /text\/html/);
      const body = await r.text();
      assert.match(body, /<h1 id="error-h">Something went wrong<\/h1>/);
      assert.match(body, /href="\/"[^>]*>Back to the daily papers/);
      assert.ok(body.includes(r.headers.get('x-request-id')!), 'the reference is the request id');
      assert.ok(!body.includes('hunter2') && !body.includes('/srv/secret'), 'no error message');
      assert.doesNotMatch(body, /at [\w.<>]+ \(|Error: /, 'no stack trace');
      // The API gets JSON with the same discretion.
      const j = await get('/__test/boom', { headers: { accept: 'application/json' } });
      assert.equal(j.status, 500);
      assert.deepEqual(await j.json(), { error: 'Something went wrong on our side.', code: 'internal' });
    });

    test('404 pages say so and lead back', async () => {
      for (const path of ['/no/such/page', '/papers/2501.99999', '/authors/Nobody%20At%20All', '/papers/category/zz.ZZ']) {
        const r = await get(path);
        assert.equal(r.status, 404, path);
        const body = await r.text();
        assert.match(body, /<h1 id="error-h">Page not found<\/h1>/, path);
        assert.match(body, /Back to the daily papers/, path);
      }
    });

    test('titles, abstracts and author names are escaped everywhere they appear', async () => {
      await pb.stores.papers.upsertMany([
        {
          arxivId: '2501.00042',
          version: 1,
          title: '<script>alert(1)</script> Attacks & "quotes" with $x<y$',
          abstract: `"><img src=x onerror=alert(2)> ${'padding words '.repeat(40)}`,
          authors: ['Eve <b>Mallory</b>', 'Bob "Tables"'],
          categories: ['cs.CR'],
          publishedAt: '2029-01-02T00:00:00Z', // newest in cs.CR, so first on its page
          source: 'sample',
        },
      ]);
      for (const path of ['/papers/2501.00042', '/authors/Eve%20%3Cb%3EMallory%3C%2Fb%3E', '/papers/category/cs.CR']) {
        const r = await get(path);
        assert.equal(r.status, 200, path);
        const body = await r.text();
        assert.ok(!body.includes('<script>alert'), `${path}: script`);
        assert.ok(!body.includes('<img src=x'), `${path}: img`);
        assert.ok(!body.includes('<b>Mallory'), `${path}: author markup`);
        assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), `${path}: escaped title`);
      }
    });

    test('the paper page has the full abstract, all authors, versions, the cite box and scholar/social meta tags', async () => {
      const view = await pb.papers.get('2410.17243');
      const body = await (await get('/papers/2410.17243')).text();
      const metas = (name: string) => [...body.matchAll(new RegExp(`<meta (?:name|property)="${name}" content="([^"]*)">`, 'g'))].map((m) => m[1]);
      assert.deepEqual(metas('citation_author'), view.paper.authors);
      assert.equal(metas('citation_title')[0], view.paper.title);
      assert.deepEqual(metas('citation_pdf_url'), ['https://arxiv.org/pdf/2410.17243']);
      assert.match(metas('citation_publication_date')[0], /^\d{4}\/\d{2}\/\d{2}$/);
      assert.equal(metas('og:title')[0], view.paper.title);
      assert.equal(metas('og:url')[0], 'https://papers.example.org/papers/2410.17243');
      for (const a of view.paper.authors) assert.ok(body.includes(`<a href="/authors/${encodeURIComponent(a)}">`), a);
      assert.ok(body.includes(view.paper.abstract.slice(-60)), 'the end of the abstract');
      assert.match(body, /<pre class="bibtex" id="bibtex"[^>]*>@misc\{cheng2024breaking,/);
      assert.match(body, /<h2>Versions<\/h2>/);
      // Buttons that need JavaScript are hidden until app.js reveals them: no dead buttons without it.
      assert.match(body, /<button type="button" class="btn secondary copy" data-copy="bibtex" hidden>/);
      assert.match(body, /<button type="button" class="theme-toggle" data-theme-toggle [^>]*hidden>/);
    });

    test('daily cards carry an excerpt, not the whole abstract twice, and link the full one', async () => {
      const body = await (await get('/papers/date/2024-10-25')).text();
      const view = await pb.papers.get('2410.17243');
      const abs = view.paper.abstract;
      assert.ok(body.includes(abs.slice(0, 80)), 'the start of the abstract');
      assert.ok(!body.includes(abs.slice(-60)), 'not the end of a long abstract');
      assert.match(body, /<details><summary><span>Show more<\/span><span>Show less<\/span><\/summary><a href="\/papers\/2410\.17243">Full abstract<\/a><\/details>/);      // The toggle's script fetches the whole abstract from here.
      const frag = await get('/fragments/abstract/2410.17243');
      assert.equal(frag.status, 200);
      assert.equal(await frag.text(), abs.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;'));
      assert.equal((await get('/fragments/abstract/2501.99999')).status, 404);
    });

    test('the date picker works without JavaScript: GET /papers/date?date= redirects, a bad date is a 400 page', async () => {
      const r = await get('/papers/date?date=2024-10-25', { redirect: 'manual' });
      assert.equal(r.status, 303);
      assert.equal(r.headers.get('location'), '/papers/date/2024-10-25');
      const bad = await get('/papers/date?date=25%2F10%2F2024');
      assert.equal(bad.status, 400);
      assert.match(await bad.text(), /Choose a date as YYYY-MM-DD/);
    });

    test('week and month lists have previous/next links and no "next" past the latest day', async () => {
      const week = await (await get('/papers/week/2024-W43')).text();
      assert.match(week, /Papers of the week <span class="muted">· <time>Week 43 of 2024<\/time>/);
      // The links name where they go.
      assert.match(week, /<a href="\/papers\/week\/2024-W42" rel="prev">← Week 42 of 2024<\/a>/);
      assert.match(week, /<a href="\/papers\/week\/2024-W44" rel="next">Week 44 of 2024 →<\/a>/);
      const latest = await pb.papers.latestDay();
      const month = await (await get(`/papers/month/${latest.slice(0, 7)}`)).text();
      assert.match(month, /rel="prev"/);
      assert.doesNotMatch(month, /rel="next"/);
    });

    test('the day pager names the day it leads to, skipping days without papers', async () => {
      const body = await (await get('/papers/date/2025-10-02?list=all')).text();
      const prev = body.match(/<a href="\/papers\/date\/([\d-]+)\?list=all" rel="prev">← ([^<]+)<\/a>/);
      assert.ok(prev, 'a previous-day link');
      const n = await pb.papers.neighbours('2025-10-02', 'all');
      assert.equal(prev[1], n.prev);
      assert.equal(prev[2], new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${n.prev}T00:00:00Z`)));
      // The chosen lists skip to the previous chosen day: from 2 Oct 2025 that is HF's 25 Oct 2024.
      const chosen = await (await get('/papers/date/2025-10-02')).text();
      assert.match(chosen, /<a href="\/papers\/date\/2024-10-25" rel="prev">← 25 Oct 2024<\/a>/);
    });

    test('a long day is paged from 1: ?p=2 has the rest, a page past the end says so and leads back', async () => {
      const latest = await pb.papers.latestDay('all');
      const { total } = await pb.papers.list({ kind: 'day', day: latest }, { limit: 1, offset: 0, view: 'all' });
      const first = await (await get(`/papers/date/${latest}?list=all`)).text();
      assert.match(first, /page 1 of 2/);
      assert.match(first, new RegExp(`<a href="/papers/date/${latest}\\?list=all&amp;p=2" rel="next">Page 2 →</a>`));
      const second = await (await get(`/papers/date/${latest}?list=all&p=2`)).text();
      assert.equal([...second.matchAll(/<li class="card">/g)].length, Math.min(50, total - 50));
      assert.match(second, /<ol class="cards" start="51">/);
      assert.match(second, /page 2 of 2/);
      const past = await get(`/papers/date/${latest}?list=all&p=99`);
      assert.equal(past.status, 404);
      const pastBody = await past.text();
      assert.match(pastBody, /This list has only 2 pages\./);
      assert.match(pastBody, new RegExp(`<a class="btn secondary" href="/papers/date/${latest}\\?list=all">← Back to page 1</a>`));
      assert.equal((await get(`/papers/date/${latest}?p=x`)).status, 400);
      assert.equal((await get(`/papers/date/${latest}?p=0`)).status, 400);
    });

    test('author and category pages list papers and page through them', async () => {
      const cat = await get('/papers/category/cs.CL');
      assert.equal(cat.status, 200);
      const body = await cat.text();
      const n = [...body.matchAll(/<li class="card">/g)].length;
      assert.equal(n, 30);
      assert.match(body, /<a href="\/papers\/category\/cs.CL\?p=2" rel="next">Older papers →<\/a>/);
      const p2 = await (await get('/papers/category/cs.CL?p=2')).text();
      assert.match(p2, /<a href="\/papers\/category\/cs.CL" rel="prev">← Newer papers<\/a>/);
      const firstIds = new Set([...body.matchAll(/<h2><a href="\/papers\/([^"]+)">/g)].map((m) => m[1]));
      for (const m of p2.matchAll(/<h2><a href="\/papers\/([^"]+)">/g)) assert.ok(!firstIds.has(m[1]), `page 2 repeats ${m[1]}`);
      const author = await get('/authors/Zesen%20Cheng');
      assert.equal(author.status, 200);
      assert.match(await author.text(), /<h1>Zesen Cheng<\/h1>[\s\S]*\/papers\/2410\.17243/);
      const past = await get('/authors/Zesen%20Cheng?p=9');
      assert.equal(past.status, 404);
      assert.match(await past.text(), /There are no more papers by Zesen Cheng\.[\s\S]*← Back to the first page/);
    });
  });
}
