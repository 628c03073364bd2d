// RSS 2.0 and Atom 1.0 feeds over HTTP on a real database: required elements, well-formed XML
// (fast-xml-parser's validator), parsed by a standard feed reader (rss-parser), stable GUIDs,
// absolute links, escaping of hostile text, errors, and <link rel="alternate"> on the pages.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import Parser from 'rss-parser';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';

type Json = Record<string, any>;
const BASE = 'https://papers.example.org';
const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['item', 'entry', 'link', 'author', 'category', 'dc:creator'].includes(name) });
const reader = new Parser();
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
const text = (v: unknown): string => (Array.isArray(v) ? text(v[0]) : typeof v === 'object' && v !== null ? String((v as Json)['#text'] ?? '') : String(v ?? ''));

/** Checks the elements RSS 2.0 requires (and the ones we promise); returns the item GUIDs. */
function checkRss(body: string): string[] {
  assert.equal(XMLValidator.validate(body), true, 'well-formed XML');
  const doc = xml.parse(body) as Json;
  assert.equal(doc.rss['@version'], '2.0');
  const ch = doc.rss.channel;
  for (const k of ['title', 'link', 'description']) assert.ok(text(ch[k]).length > 0, `channel.${k}`);
  assert.ok(text(ch.link).startsWith(BASE));
  assert.ok([ch['atom:link']].flat()[0]['@href'].startsWith(BASE), 'atom:link rel=self is absolute');
  assert.ok(!Number.isNaN(Date.parse(ch.lastBuildDate)));
  const items: Json[] = ch.item ?? [];
  for (const it of items) {
    assert.ok(text(it.title) || text(it.description), 'item has a title or a description');
    assert.ok(text(it.link).startsWith(`${BASE}/papers/`), 'absolute item link');
    assert.match(text(it.guid), /^https:\/\/arxiv\.org\/abs\/\S+$/);
    if (it.pubDate) assert.ok(!Number.isNaN(Date.parse(it.pubDate)), 'pubDate parses');
  }
  return items.map((i) => text(i.guid));
}

/** Checks the elements Atom 1.0 requires; returns the entry ids. */
function checkAtom(body: string): string[] {
  assert.equal(XMLValidator.validate(body), true, 'well-formed XML');
  const f = (xml.parse(body) as Json).feed;
  assert.equal(f['@xmlns'], 'http://www.w3.org/2005/Atom');
  assert.ok(text(f.id).startsWith(BASE));
  assert.ok(text(f.title).length > 0);
  assert.match(text(f.updated), RFC3339);
  assert.ok(f.link.some((l: Json) => l['@rel'] === 'self' && l['@href'].startsWith(BASE)));
  assert.ok(f.author?.length, 'a feed-level author covers entries without one');
  const entries: Json[] = f.entry ?? [];
  for (const e of entries) {
    assert.match(text(e.id), /^https:\/\/arxiv\.org\/abs\/\S+$/);
    assert.ok(text(e.title).length > 0);
    assert.match(text(e.updated), RFC3339);
    assert.ok(e.link.some((l: Json) => l['@rel'] === 'alternate' && l['@href'].startsWith(`${BASE}/papers/`)));
  }
  return entries.map((e) => text(e.id));
}

for (const dbk of databases) {
  describe(`feeds on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: BASE });
      await seedApi(pb);
      // A record with everything XML and HTML dislike, to prove the escaping.
      await pb.stores.papers.upsert({
        arxivId: '2501.00001',
        version: 1,
        title: 'Hostile <b>title</b> & "quotes" \'apos\' ]]> \u0001bell \u{1F600}',
        abstract: 'An abstract with <script>alert(1)</script> & an ampersand.',
        authors: ['Zoë <Tester>', 'A & B'],
        categories: ['cs.ZZ'],
        primaryCategory: 'cs.ZZ',
        publishedAt: '2025-01-01T00:00:00.000Z',
        source: 'test',
      });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });
    const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init);

    const rssFeeds = [
      '/feeds/daily.rss?date=2024-10-25',
      '/feeds/daily.rss',
      '/feeds/daily.rss?week=2024-W43',
      '/feeds/trending.rss',
      '/feeds/search.rss?q=contrastive%20loss',
      '/feeds/category/cs.CV.rss',
      '/feeds/author/Lidong%20Bing.rss',
    ];
    const atomFeeds = ['/feeds/daily.atom?date=2024-10-25', '/feeds/trending.atom', '/feeds/search.atom?q=diffusion', '/feeds/category/cs.CL.atom', '/feeds/author/Lidong%20Bing.atom'];

    test('RSS 2.0 feeds have the required elements, absolute links and parse with rss-parser', async () => {
      for (const path of rssFeeds) {
        const r = await get(path);
        assert.equal(r.status, 200, path);
        assert.equal(r.headers.get('content-type'), 'application/rss+xml; charset=utf-8', path);
        const body = await r.text();
        const guids = checkRss(body);
        assert.ok(guids.length > 0, `${path} has items`);
        const parsed = await reader.parseString(body);
        assert.ok(parsed.title, path);
        assert.deepEqual(
          parsed.items.map((i) => i.guid),
          guids,
          path,
        );
      }
    });

    test('Atom 1.0 feeds have the required elements and parse with rss-parser', async () => {
      for (const path of atomFeeds) {
        const r = await get(path);
        assert.equal(r.status, 200, path);
        assert.equal(r.headers.get('content-type'), 'application/atom+xml; charset=utf-8', path);
        const body = await r.text();
        const ids = checkAtom(body);
        assert.ok(ids.length > 0, `${path} has entries`);
        const parsed = await reader.parseString(body);
        assert.equal(parsed.items.length, ids.length, path);
        assert.ok(parsed.items.every((i) => i.link?.startsWith(`${BASE}/papers/`)), path);
      }
    });

    test('the daily feed lists the day in the page\'s order, with stable GUIDs', async () => {
      const a = checkRss(await (await get('/feeds/daily.rss?date=2024-10-25')).text());
      const b = checkRss(await (await get('/feeds/daily.rss?date=2024-10-25')).text());
      assert.deepEqual(a, b);
      const api = (await (await get('/api/daily_papers?date=2024-10-25')).json()) as Json[];
      assert.deepEqual(
        a,
        api.map((i) => `https://arxiv.org/abs/${i.paper.id}`),
      );
      const atomIds = checkAtom(await (await get('/feeds/daily.atom?date=2024-10-25')).text());
      assert.deepEqual(atomIds, a, 'RSS GUIDs and Atom ids agree');
      const search = await reader.parseString(await (await get('/feeds/search.rss?q=contrastive%20loss')).text());
      assert.ok(search.items.some((i) => i.guid === 'https://arxiv.org/abs/2410.17243'));
      const found = (await (await get('/api/papers/search?q=contrastive%20loss&limit=50')).json()) as Json[];
      assert.deepEqual(
        search.items.map((i) => i.guid),
        found.map((f) => `https://arxiv.org/abs/${f.paper.id}`),
        'the search feed lists what the search API finds, in its order',
      );
    });

    test('hostile text is escaped and control characters dropped, in both formats', async () => {
      for (const path of ['/feeds/category/cs.ZZ.rss', '/feeds/category/cs.ZZ.atom', '/feeds/author/A%20%26%20B.rss']) {
        const r = await get(path);
        assert.equal(r.status, 200, path);
        const body = await r.text();
        assert.equal(XMLValidator.validate(body), true, path);
        assert.doesNotMatch(body, /<script>|<b>/, path);
        assert.ok(!body.includes(String.fromCharCode(1)), `${path}: no control characters`);
        const parsed = await reader.parseString(body);
        assert.equal(parsed.items[0].title, 'Hostile <b>title</b> & "quotes" \'apos\' ]]> bell \u{1F600}', path);
        assert.match(parsed.items[0].content ?? parsed.items[0].summary ?? '', /<script>alert\(1\)<\/script> & an ampersand/);
      }
    });

    test('bad feed requests answer JSON errors', async () => {
      for (const [path, status, code] of [
        ['/feeds/search.rss', 400, 'bad_request'],
        ['/feeds/search.rss?q=', 400, 'bad_request'],
        ['/feeds/search.atom?q=%20%20', 400, 'bad_request'],
        ['/feeds/daily.rss?date=2024-02-30', 400, 'bad_request'],
        ['/feeds/category/CS!!.rss', 400, 'bad_request'],
        ['/feeds/category/math.XX.rss', 404, 'not_found'],
        ['/feeds/category/cs.CV.json', 404, 'not_found'],
        ['/feeds/author/Nobody%20Atall.rss', 404, 'not_found'],
        ['/feeds/nothing.rss', 404, 'not_found'],
      ] as const) {
        const r = await get(path);
        assert.equal(r.status, status, path);
        assert.equal(((await r.json()) as Json).code, code, path);
      }
    });

    test('a public collection has RSS and Atom feeds; a private one is a 404', async () => {
      const c = pb.community;
      const owner = await c.accounts.ensureUsername(await c.accounts.findOrCreate('reader@example.org'));
      const pub = await c.collections.create(owner.id, { name: 'Memory & <scale>', description: 'Long-context reading', isPublic: true });
      const priv = await c.collections.create(owner.id, { name: 'Secret', isPublic: false });
      for (const id of ['2410.17243', '2410.16251']) await c.collections.addPaper(owner.id, pub.id, id);
      await c.collections.addPaper(owner.id, priv.id, '2410.17243');
      const guids = checkRss(await (await get(`/feeds/collection/${pub.id}.rss`)).text());
      assert.deepEqual([...guids].sort(), ['https://arxiv.org/abs/2410.16251', 'https://arxiv.org/abs/2410.17243']);
      const atomBody = await (await get(`/feeds/collection/${pub.id}.atom`)).text();
      assert.equal(checkAtom(atomBody).length, 2);
      assert.equal((await reader.parseString(atomBody)).title, 'Paperboy · Memory & <scale>');
      for (const path of [`/feeds/collection/${priv.id}.rss`, '/feeds/collection/999999.rss', '/feeds/collection/abc.rss']) {
        const r = await get(path);
        assert.equal(r.status, 404, path);
        assert.equal(((await r.json()) as Json).code, 'not_found');
      }
    });

    test('pages link their feeds with <link rel="alternate">, and the links work', async () => {
      const page = await (await get('/papers/date/2024-10-25')).text();
      const links = [...page.matchAll(/<link rel="alternate" type="application\/(rss|atom)\+xml" title="[^"]+" href="([^"]+)">/g)].map((m) => m[2]);
      assert.ok(links.includes('/feeds/daily.rss?date=2024-10-25'), page.slice(0, 2000));
      assert.ok(links.includes('/feeds/daily.atom?date=2024-10-25'));
      assert.ok(links.includes('/feeds/trending.rss'));
      for (const href of links) assert.equal((await get(href)).status, 200, href);
      const week = await (await get('/papers/week/2024-W43')).text();
      assert.match(week, /href="\/feeds\/daily\.rss\?week=2024-W43"/);
      const home = await (await get('/')).text();
      assert.match(home, /<link rel="alternate" type="application\/rss\+xml"/);
      const paper = await (await get('/papers/2410.17243')).text();
      const feedLinks = [...paper.matchAll(/<a type="application\/rss\+xml" href="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(feedLinks.includes('/feeds/author/Zesen%20Cheng.rss'), 'the paper page offers its authors\' feeds');
      for (const href of feedLinks.slice(0, 2)) assert.equal((await get(href)).status, 200, href);
      // Pages without a <head> hook of their own get their feed links as they are sent.
      for (const [page, feed] of [
        ['/authors/Lidong%20Bing', '/feeds/author/Lidong%20Bing.rss'],
        ['/papers/category/cs.CV', '/feeds/category/cs.CV.atom'],
        ['/search?q=contrastive%20loss', '/feeds/search.rss?q=contrastive%20loss'],
        ['/papers/trending', '/feeds/trending.rss'],
      ]) {
        const r = await get(page);
        assert.equal(r.status, 200, page);
        const body = await r.text();
        const head = body.slice(0, body.indexOf('</head>'));
        assert.ok(head.includes(`<link rel="alternate" type="application/${feed.includes('.atom') ? 'atom' : 'rss'}+xml"`), page);
        assert.ok(head.includes(`href="${feed}"`), `${page} links ${feed}`);
        assert.equal((await get(feed)).status, 200, feed);
        const again = await get(page, { headers: { 'if-none-match': r.headers.get('etag')! } });
        assert.equal(again.status, 304, `${page}: the ETag covers the added links`);
      }
    });
  });
}
