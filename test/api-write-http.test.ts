// The HTTP edges of the write API (built by the community feature) as the API promises them:
// 401 without a valid token, 403 on someone else's comment, 415 and 413 as JSON errors, and a
// rate-limit bucket per personal token next to the per-IP one.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';

type Json = Record<string, any>;

for (const dbk of databases) {
  describe(`write API edges and per-token limits on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let alice: string;
    let bob: string;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org', PAPERBOY_API_RATE_LIMIT_TOKEN: '8', PAPERBOY_API_RATE_LIMIT_IP: '1000' });
      await seedApi(pb);
      const token = async (email: string) => {
        const u = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate(email));
        return (await pb.community.accounts.createToken(u.id, 'test')).token;
      };
      alice = await token('alice@example.org');
      bob = await token('bob@example.org');
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });
    const call = (method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
      fetch(srv.url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });

    test('401 JSON without a token or with an invalid one; the valid token works', async () => {
      for (const tok of [undefined, 'pbt_not-a-real-token-at-all']) {
        const r = await call('POST', '/api/papers/2410.17243/upvote', tok);
        assert.equal(r.status, 401, String(tok));
        assert.equal(((await r.json()) as Json).code, 'unauthorized');
      }
      const ok = await call('POST', '/api/papers/2410.17243/upvote', alice);
      assert.equal(ok.status, 200);
      assert.equal(((await ok.json()) as Json).upvoted, true);
    });

    test('403 JSON when editing someone else\'s comment', async () => {
      const made = await call('POST', '/api/papers/2410.17243/comments', alice, { body: 'Tiling the loss is neat.' });
      assert.equal(made.status, 201);
      const id = ((await made.json()) as Json).id;
      const r = await call('PATCH', `/api/comments/${id}`, bob, { body: 'Hijacked.' });
      assert.equal(r.status, 403);
      assert.equal(((await r.json()) as Json).code, 'forbidden');
      // The comment shows in ?field=comments of the read API.
      const p = (await (await fetch(`${srv.url}/api/papers/2410.17243?field=comments`)).json()) as Json;
      assert.ok(p.comments.some((c: Json) => c.id === id && /Tiling the loss/.test(c.markdown)));
    });

    test('415 and 413 are JSON errors too', async () => {
      const r415 = await call('POST', '/api/papers/submit', alice, 'paper_id=2410.17243', { 'content-type': 'text/csv' });
      assert.equal(r415.status, 415);
      assert.deepEqual(Object.keys((await r415.json()) as Json).sort(), ['code', 'error']);
      const big = JSON.stringify({ paper_id: '2410.17243', comment: 'x'.repeat(1_100_000) });
      const r413 = await call('POST', '/api/papers/submit', alice, big);
      assert.equal(r413.status, 413);
      const b = (await r413.json()) as Json;
      assert.equal(b.code, 'too_large');
    });

    test('a valid token has its own bucket: RateLimit-Limit is the token limit, then 429', async () => {
      const first = await call('GET', '/api/papers/2410.16251', bob);
      await first.arrayBuffer();
      assert.equal(first.headers.get('ratelimit-limit'), '8');
      let last: Response | undefined;
      for (let i = 0; i < 8; i++) {
        last = await call('GET', '/api/papers/2410.16251', bob);
        await last.arrayBuffer();
        if (last.status === 429) break;
      }
      assert.equal(last!.status, 429);
      assert.ok(Number(last!.headers.get('retry-after')) > 0);
      // The same client without the token is counted per IP; a made-up token gets no bucket of its
      // own (the community's auth hook refuses it before any counting).
      const anon = await call('GET', '/api/papers/2410.16251');
      assert.equal(anon.status, 200);
      assert.equal(anon.headers.get('ratelimit-limit'), '1000');
      await anon.arrayBuffer();
      const fake = await call('GET', '/api/papers/2410.16251', 'pbt_made-up-token-to-dodge-limits');
      assert.equal(fake.status, 401);
      await fake.arrayBuffer();
    });
  });
}
