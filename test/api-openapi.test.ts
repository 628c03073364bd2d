// The OpenAPI 3.1 document is generated from the route schemas, validates against the official
// schema, documents every API route and feed (and no HTML page); /api/docs renders it.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';

type Json = Record<string, any>;

for (const dbk of databases) {
  describe(`OpenAPI and /api/docs on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let doc: Json;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' });
      await seedApi(pb);
      srv = await startServer(pb);
      doc = (await (await fetch(`${srv.url}/api/openapi.json`)).json()) as Json;
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });

    test('the document is valid OpenAPI 3.1', async () => {
      assert.equal(doc.openapi, '3.1.0');
      const v = new Validator();
      const res = await v.validate(structuredClone(doc));
      assert.equal(res.valid, true, JSON.stringify(res.errors, null, 1)?.slice(0, 2000));
      assert.equal(v.version, '3.1');
      assert.equal(doc.servers[0].url, 'https://papers.example.org');
    });

    test('it documents the API and the feeds from their schemas, and hides HTML pages', () => {
      const paths = Object.keys(doc.paths);
      for (const p of ['/api/daily_papers', '/api/papers', '/api/papers/{id}', '/api/authors/{name}/papers', '/feeds/daily.rss', '/feeds/daily.atom', '/feeds/trending.rss', '/feeds/search.rss', '/feeds/category/{feed}', '/feeds/author/{feed}'])
        assert.ok(paths.includes(p), `${p} is documented`);
      // Besides the API and feeds: the agent surface (issue 22), Markdown papers, thumbnails and MCP.
      for (const p of paths) assert.match(p, /^\/(api|feeds)\/|^\/healthz$|^\/papers\/.*\.md$|^\/thumbnails\/|^\/mcp$/, `${p} is not an HTML page`);
      for (const p of ['/papers/{id}.md', '/papers/date/{day}.md', '/mcp', '/api/papers/{id}/citation', '/api/collections/{id}/citation']) assert.ok(paths.includes(p), `${p} is documented`);
      assert.ok(!paths.includes('/api/docs') && !paths.includes('/api/openapi.json'));
      const daily = doc.paths['/api/daily_papers'].get;
      const names = daily.parameters.map((p: Json) => p.name).sort();
      assert.deepEqual(names, ['date', 'limit', 'month', 'p', 'sort', 'submitter', 'week']);
      const limit = daily.parameters.find((p: Json) => p.name === 'limit');
      assert.equal(limit.schema.maximum, 100);
      const ok = daily.responses['200'].content['application/json'].schema;
      assert.equal(ok.type, 'array');
      assert.deepEqual(ok.items, { $ref: '#/components/schemas/HfDailyItem' });
      assert.ok(daily.responses['400'] && daily.responses['429']);
      const item = doc.components.schemas.HfDailyItem;
      for (const k of ['paper', 'publishedAt', 'title', 'mediaUrls', 'thumbnail', 'numComments', 'submittedBy']) assert.ok(k in item.properties, k);
      assert.ok('id' in doc.components.schemas.HfPaper.properties);
      assert.ok(doc.paths['/feeds/daily.rss'].get.responses['200'].content['application/rss+xml']);
    });

    test('/api/docs renders every documented endpoint with parameters, response fields and examples', async () => {
      const r = await fetch(`${srv.url}/api/docs`);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type')!, /text\/html/);
      const page = await r.text();
      for (const [path, item] of Object.entries<Json>(doc.paths))
        for (const m of Object.keys(item)) assert.ok(page.includes(`<code>${m.toUpperCase()} ${path}</code>`), `${m} ${path} on the page`);
      assert.match(page, /<code>limit<\/code>/);
      assert.match(page, /<code>numComments<\/code>/);
      assert.match(page, /curl -s 'https:\/\/papers\.example\.org\/api\/daily_papers\?date=2024-10-25'/);
      assert.match(page, /<a href="\/api\/openapi\.json">/);
      // Rendered here: no script or stylesheet from elsewhere, no Swagger UI.
      assert.doesNotMatch(page, /<script[^>]+src="https?:|<link[^>]+rel="stylesheet"[^>]+href="https?:|swagger-ui/i);
      assert.match(page, /<summary>Example response<\/summary>/);
    });
  });
}
