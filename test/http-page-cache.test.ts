import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { PageCache } from '../src/http/page-cache.ts';

describe('PageCache', () => {
  test('entries expire after the TTL and the least recently used goes first', () => {
    let now = 0;
    const c = new PageCache({ ttlMs: 1000, maxEntries: 2, now: () => now });
    c.set('a', 'A', {});
    c.set('b', 'B', {});
    now = 999;
    assert.equal(c.get('a')?.body, 'A'); // a is now the most recently used
    c.set('c', 'C', {});
    assert.equal(c.get('b'), undefined, 'b was evicted');
    assert.equal(c.get('a')?.body, 'A');
    now = 1000;
    assert.equal(c.get('a'), undefined, 'a expired');
    assert.equal(c.get('c')?.body, 'C');
  });

  test('a byte budget evicts too, and a TTL of 0 caches nothing', () => {
    const c = new PageCache({ ttlMs: 1000, maxBytes: 1600 });
    c.set('a', 'x'.repeat(90), {});
    c.set('b', 'y'.repeat(90), {});
    c.set('big', 'z'.repeat(200), {}); // over a sixteenth of the budget: never kept
    assert.equal(c.size, 2);
    assert.equal(new PageCache({ ttlMs: 0 }).keyOf({ method: 'GET', headers: {}, url: '/' } as never), undefined);
  });

  test('invalidate empties it and starts a new generation', () => {
    const c = new PageCache({ ttlMs: 1000 });
    c.set('a', 'A', {});
    const before = c.generation;
    c.invalidate();
    assert.equal(c.size, 0);
    assert.equal(c.get('a'), undefined);
    assert.equal(c.generation, before + 1);
  });
});

for (const dbk of databases) {
  describe(`the anonymous page micro-cache over HTTP on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_PAGE_CACHE_SECONDS: '600', PAPERBOY_API_RATE_LIMIT_IP: '5' }, { sample: true });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });
    const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init);

    test('the second anonymous request is served from the cache, headers and feed links intact', async () => {
      const a = await get('/papers/date/2024-10-25');
      assert.equal(a.headers.get('x-cache'), 'miss');
      const first = await a.text();
      const b = await get('/papers/date/2024-10-25');
      assert.equal(b.headers.get('x-cache'), 'hit');
      assert.equal(await b.text(), first);
      assert.match(b.headers.get('content-type')!, /text\/html/);
      assert.equal(b.headers.get('x-frame-options'), 'DENY');
      assert.ok(b.headers.get('x-request-id'));
      assert.notEqual(b.headers.get('x-request-id'), a.headers.get('x-request-id'));
      assert.equal(first.match(/rel="alternate"/g)?.length ?? 0, (await (await get('/papers/date/2024-10-25')).text()).match(/rel="alternate"/g)?.length ?? 0);
      // Conditional requests still work on a hit.
      const etag = b.headers.get('etag')!;
      assert.ok(etag);
      assert.equal((await get('/papers/date/2024-10-25', { headers: { 'if-none-match': etag } })).status, 304);
    });

    test('requests with a cookie or a token bypass it; answers that set a cookie are not kept', async () => {
      const r = await get('/papers/date/2024-10-25', { headers: { cookie: 'theme=dark' } });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-cache'), null);
      // The subscribe page sets the CSRF cookie: every anonymous visitor gets their own.
      const s1 = await get('/subscribe');
      const s2 = await get('/subscribe');
      assert.equal(s2.headers.get('x-cache'), 'miss');
      assert.ok(s1.headers.get('set-cookie') && s2.headers.get('set-cookie'));
      assert.notEqual(s1.headers.get('set-cookie'), s2.headers.get('set-cookie'));
    });

    test('a signed-in write through this process empties it; an anonymous POST does not', async () => {
      const url = '/papers/2410.17243';
      await get(url);
      const hit = await get(url);
      assert.equal(hit.headers.get('x-cache'), 'hit');
      // An anonymous form post (refused: it comes from another site) changes nothing anyone sees:
      // it must not let a stranger empty the cache at will (issue 16).
      const post = await get('/subscribe', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://elsewhere.example' }, body: 'email=a%40example.org' });
      assert.equal(post.status, 403);
      assert.equal((await get(url)).headers.get('x-cache'), 'hit');
      // A signed-in write (an upvote through the API) empties it.
      const accounts = pb.community.accounts;
      const user = await accounts.ensureUsername(await accounts.findOrCreate('cache@example.org'));
      const { token } = await accounts.createToken(user.id, 'cache test');
      const up = await get('/api/papers/2410.17243/upvote', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      assert.equal(up.status, 200);
      assert.equal((await get(url)).headers.get('x-cache'), 'miss');
    });

    test('the API rate limit still counts cached answers', async () => {
      const codes: number[] = [];
      for (let i = 0; i < 7; i++) codes.push((await get('/api/daily_papers?date=2024-10-25')).status);
      assert.deepEqual(codes.slice(0, 5), [200, 200, 200, 200, 200]);
      assert.equal(codes[6], 429);
    });
  });
}
