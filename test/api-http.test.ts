// HTTP hygiene of the API, feeds and pages: validators and 304s, compression, CORS, request ids
// in responses and logs, JSON errors (404/405), and rate limits with RateLimit-* and Retry-After.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { request } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import pino from 'pino';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';
import type { Logger } from '../src/logger.ts';

type Json = Record<string, any>;

/** A raw request (fetch hides Content-Encoding by decoding it). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

for (const dbk of databases) {
  describe(`HTTP hygiene on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    const logLines: Json[] = [];
    before(async () => {
      const sink = new Writable({
        write(chunk, _enc, cb) {
          for (const line of String(chunk).split('\n')) if (line.trim()) logLines.push(JSON.parse(line));
          cb();
        },
      });
      const log = pino({ level: 'info' }, sink) as unknown as Logger;
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org', PAPERBOY_API_RATE_LIMIT_IP: '60' }, { log });
      await seedApi(pb);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });
    const get = (path: string, init?: RequestInit) => fetch(srv.url + path, init);

    test('ETag and If-None-Match give 304 on the API, the feeds and the pages; reads carry Cache-Control', async () => {
      for (const path of ['/api/daily_papers?date=2024-10-25', '/api/papers/2410.17243', '/feeds/daily.rss?date=2024-10-25', '/papers/2410.17243', '/papers/date/2024-10-25']) {
        const r = await get(path);
        assert.equal(r.status, 200, path);
        await r.arrayBuffer();
        const etag = r.headers.get('etag');
        assert.ok(etag, `${path} has an ETag`);
        assert.ok(r.headers.get('cache-control'), `${path} has Cache-Control`);
        const again = await get(path, { headers: { 'if-none-match': etag } });
        assert.equal(again.status, 304, path);
        assert.equal((await again.text()).length, 0);
        const changed = await get(path, { headers: { 'if-none-match': 'W/"something-else"' } });
        assert.equal(changed.status, 200, path);
        await changed.arrayBuffer();
      }
      assert.match((await get('/api/papers/2410.17243')).headers.get('cache-control')!, /^public, max-age=60$/);
      assert.match((await get('/feeds/trending.rss')).headers.get('cache-control')!, /^public, max-age=300$/);
    });

    test('responses are compressed with brotli or gzip as the client asks', async () => {
      const url = `${srv.url}/api/daily_papers?date=2024-10-25`;
      const br = await rawGet(url, { 'accept-encoding': 'br' });
      assert.equal(br.headers['content-encoding'], 'br');
      const viaBr = JSON.parse(brotliDecompressSync(br.body).toString('utf8')) as Json[];
      const gz = await rawGet(url, { 'accept-encoding': 'gzip' });
      assert.equal(gz.headers['content-encoding'], 'gzip');
      const viaGz = JSON.parse(gunzipSync(gz.body).toString('utf8')) as Json[];
      assert.equal(viaBr.length, 29);
      assert.deepEqual(viaGz, viaBr);
      const plain = await rawGet(url, { 'accept-encoding': 'identity' });
      assert.equal(plain.headers['content-encoding'], undefined);
      assert.ok(plain.body.length > br.body.length * 2, 'compression pays');
      const feed = await rawGet(`${srv.url}/feeds/daily.atom?date=2024-10-25`, { 'accept-encoding': 'gzip' });
      assert.equal(feed.headers['content-encoding'], 'gzip');
    });

    test('CORS: any origin may GET /api and /feeds, without credentials; pages are not shared', async () => {
      const origin = { origin: 'https://notebook.example.com' };
      for (const path of ['/api/daily_papers?limit=1', '/feeds/daily.rss']) {
        const r = await get(path, { headers: origin });
        await r.arrayBuffer();
        assert.equal(r.headers.get('access-control-allow-origin'), '*', path);
        assert.equal(r.headers.get('access-control-allow-credentials'), null, path);
        assert.match(r.headers.get('access-control-expose-headers')!, /Link/);
      }
      const pre = await get('/api/daily_papers', { method: 'OPTIONS', headers: { ...origin, 'access-control-request-method': 'GET' } });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-methods')!, /^GET, ?HEAD$/);
      const page = await get('/papers/2410.17243', { headers: origin });
      await page.arrayBuffer();
      assert.equal(page.headers.get('access-control-allow-origin'), null);
    });

    test('every response has a request id, which the logs carry; a caller\'s id is kept', async () => {
      const r = await get('/api/papers/2410.17243');
      await r.arrayBuffer();
      const id = r.headers.get('x-request-id')!;
      assert.match(id, /^[0-9a-f-]{36}$/);
      assert.ok(logLines.some((l) => l.reqId === id && l.res?.statusCode === 200), 'the completed request is logged with its id');
      const mine = await get('/api/papers/2501.99999', { headers: { 'x-request-id': 'trace-abc-123' } });
      assert.equal(mine.headers.get('x-request-id'), 'trace-abc-123');
      assert.equal(mine.status, 404);
      assert.ok(logLines.some((l) => l.reqId === 'trace-abc-123'));
    });

    test('JSON errors everywhere under /api: 404 for unknown paths, 405 with Allow for wrong methods', async () => {
      const nf = await get('/api/nothing/here');
      assert.equal(nf.status, 404);
      assert.match(nf.headers.get('content-type')!, /application\/json/);
      assert.deepEqual(Object.keys((await nf.json()) as Json).sort(), ['code', 'error']);
      for (const [method, path] of [
        ['DELETE', '/api/daily_papers'],
        ['PUT', '/api/papers/2410.17243'],
        ['POST', '/feeds/daily.rss'],
      ]) {
        const r = await get(path, { method });
        assert.equal(r.status, 405, `${method} ${path}`);
        assert.match(r.headers.get('allow')!, /GET/);
        const b = (await r.json()) as Json;
        assert.equal(b.code, 'method_not_allowed');
        assert.ok(b.error.includes(method));
      }
      const feedNf = await get('/feeds/category/cs.CL.xml');
      assert.equal(feedNf.status, 404);
      assert.equal(((await feedNf.json()) as Json).code, 'not_found');
    });

    test('rate limits: RateLimit-* headers count down per IP, then 429 with Retry-After and a JSON error', async () => {
      // A fresh key: X-Forwarded-For is trusted (the app runs behind a proxy), so each test IP has its own bucket.
      const ip = { 'x-forwarded-for': '203.0.113.7' };
      const first = await get('/api/papers/2410.17243', { headers: ip });
      await first.arrayBuffer();
      assert.equal(first.headers.get('ratelimit-limit'), '60');
      assert.equal(first.headers.get('ratelimit-remaining'), '59');
      assert.ok(Number(first.headers.get('ratelimit-reset')) > 0);
      let last: Response | undefined;
      for (let i = 0; i < 60; i++) {
        last = await get('/feeds/trending.rss', { headers: ip });
        await last.arrayBuffer();
        if (last.status === 429) break;
      }
      assert.equal(last!.status, 429);
      const limited = await get('/api/daily_papers', { headers: ip });
      assert.equal(limited.status, 429);
      assert.ok(Number(limited.headers.get('retry-after')) > 0);
      assert.equal(limited.headers.get('ratelimit-remaining'), '0');
      const body = (await limited.json()) as Json;
      assert.equal(body.code, 'rate_limited');
      assert.match(body.error, /Too many requests/);
      // Another client is not affected, nor are the pages.
      const other = await get('/api/daily_papers?limit=1', { headers: { 'x-forwarded-for': '203.0.113.8' } });
      assert.equal(other.status, 200);
      await other.arrayBuffer();
      const page = await get('/papers/2410.17243', { headers: ip });
      assert.equal(page.status, 200);
      await page.arrayBuffer();
    });
  });
}
