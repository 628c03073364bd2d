// The agent surface over the bundled sample, on each database: the MCP server driven by the
// official SDK's own client (lists the tools, searches "contrastive loss batch size memory" and gets
// 2410.17243, reads it), papers and days as Markdown (/papers/<id>.md, Accept: text/markdown,
// /papers/date/<d>.md), citations (RIS, CSL-JSON beside BibTeX) of a paper and a collection, code
// links read from the sample's abstracts ("Has code"), and the new endpoints in OpenAPI and /api/docs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';

const TARGET = '2410.17243';
const TITLE = 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss';

type Json = Record<string, any>;
type ToolText = { content: { type: string; text: string }[]; isError?: boolean };

for (const dbk of databases) {
  describe(`agents over the sample on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let mcp: Client;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' }, { sample: true });
      // A small static model trained on the sample, as test/search-sample.test.ts does, so the test stays quick.
      await pb.search.train({ dims: 64, maxVocab: 8000, iterations: 2 });
      await pb.search.embedAll(2000);
      srv = await startServer(pb);
      mcp = new Client({ name: 'paperboy-test', version: '1.0.0' });
      await mcp.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`)));
    });
    after(async () => {
      await mcp?.close();
      await srv?.close();
      await pb?.dispose();
    });

    const call = async (name: string, args: Record<string, unknown>) => (await mcp.callTool({ name, arguments: args })) as ToolText;

    test('an MCP client lists the tools, searches "contrastive loss batch size memory" and gets 2410.17243, and reads it', async () => {
      const { tools } = await mcp.listTools();
      assert.deepEqual(
        tools.map((t) => t.name).sort(),
        ['get_paper', 'list_papers', 'list_trending', 'search_papers', 'similar_papers'],
        'read-only without a token',
      );
      for (const t of tools) assert.equal(t.annotations?.readOnlyHint, true, `${t.name} is read-only`);
      const search = tools.find((t) => t.name === 'search_papers')!;
      assert.deepEqual(Object.keys((search.inputSchema as Json).properties).sort(), ['category', 'from', 'has_code', 'limit', 'query', 'sort', 'to']);

      const found = await call('search_papers', { query: 'contrastive loss batch size memory', limit: 5 });
      assert.ok(!found.isError);
      const firstHit = found.content[0].text.match(/^## 1\. (.+)$/m)?.[1];
      assert.equal(firstHit, TITLE, found.content[0].text.slice(0, 500));
      assert.match(found.content[0].text, new RegExp(`\\[${TARGET.replace('.', '\\.')}\\]`));

      const paper = await call('get_paper', { id: TARGET });
      const md = paper.content[0].text;
      assert.match(md, new RegExp(`^# ${TITLE}`));
      assert.match(md, /\*\*Authors:\*\* Zesen Cheng, Hang Zhang, Kehan Li, Sicong Leng/);
      assert.match(md, /## Abstract\n\nContrastive loss is a powerful approach/);
      assert.match(md, /\*\*Listed:\*\* 2024-10-25 \(submitted by Zesen Cheng\)/);
      assert.match(md, /## Comments/);

      const unknown = await call('get_paper', { id: '1234.56789' });
      assert.equal(unknown.isError, true);
      assert.match(unknown.content[0].text, /not on this instance/);
    });

    test('MCP: a day, a week, trending and similar papers; bad arguments are refused', async () => {
      const day = (await call('list_papers', { date: '2024-10-25', limit: 3 })).content[0].text;
      assert.match(day, /^# Papers of 2024-10-25/);
      assert.match(day, new RegExp(`## 1\\. ${TITLE}`), 'the most upvoted paper of the day first');
      assert.equal(day.match(/^## \d+\. /gm)?.length, 3);
      const week = (await call('list_papers', { week: '2024-W43', limit: 5, abstracts: false })).content[0].text;
      assert.match(week, /^# Papers of 2024-W43/);
      const trending = (await call('list_trending', { window: 'week', limit: 5 })).content[0].text;
      assert.match(trending, /^## 1\. /m);
      const similar = (await call('similar_papers', { id: TARGET, limit: 3 })).content[0].text;
      assert.match(similar, /^# Papers similar to 2410\.17243/);
      assert.equal(similar.match(/^## \d+\. /gm)?.length, 3);
      assert.ok(!similar.includes(`## 1. ${TITLE}`), 'not the paper itself');
      const bad = await call('list_papers', { date: '2024-13-45' });
      assert.equal(bad.isError, true);
      const tooMany = (await mcp.callTool({ name: 'search_papers', arguments: { query: 'x', limit: 5000 } })) as ToolText;
      assert.equal(tooMany.isError, true, 'limit over the maximum is refused');
    });

    test("MCP with a personal token: two writing tools in the token user's name; an invalid token is refused", async () => {
      const acc = pb.community.accounts;
      const user = await acc.ensureUsername(await acc.findOrCreate('agent-owner@example.org'));
      const { token } = await acc.createToken(user.id, 'agent');
      const client = new Client({ name: 'paperboy-test-writer', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${srv.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      try {
        const names = (await client.listTools()).tools.map((t) => t.name).sort();
        assert.deepEqual(names, ['add_to_collection', 'get_paper', 'list_papers', 'list_trending', 'search_papers', 'similar_papers', 'upvote_paper']);
        const before = (await pb.papers.get('2410.18533')).upvotes;
        const up = (await client.callTool({ name: 'upvote_paper', arguments: { id: '2410.18533' } })) as ToolText;
        assert.match(up.content[0].text, /^2410\.18533: upvoted, \d+ upvotes\.$/);
        assert.equal((await pb.papers.get('2410.18533')).upvotes, before + 1);
        const col = await pb.community.collections.create(user.id, { name: 'Agent picks', isPublic: false });
        const added = (await client.callTool({ name: 'add_to_collection', arguments: { collection_id: col.id, id: TARGET, note: 'tiling' } })) as ToolText;
        assert.ok(!added.isError, added.content[0].text);
        assert.deepEqual(
          (await pb.community.collections.get(col.id, user.id)).items.map((i) => i.paper.arxivId),
          [TARGET],
        );
        const other = await pb.community.collections.create((await acc.findOrCreate('someone@example.org')).id, { name: 'Not yours', isPublic: true });
        const refused = (await client.callTool({ name: 'add_to_collection', arguments: { collection_id: other.id, id: TARGET } })) as ToolText;
        assert.equal(refused.isError, true);
      } finally {
        await client.close();
      }
      // Without a token the writing tools do not exist.
      const anon = await mcp.callTool({ name: 'upvote_paper', arguments: { id: TARGET } });
      assert.equal(anon.isError, true);
      const bad = await fetch(`${srv.url}/mcp`, {
        method: 'POST',
        headers: { authorization: 'Bearer not-a-real-token-123', 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      });
      assert.equal(bad.status, 401);
    });

    test('/mcp is rate-limited like the API and answers GET with 405', async () => {
      const init = {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
      };
      const res = await fetch(`${srv.url}/mcp`, init);
      assert.equal(res.status, 200);
      assert.ok(res.headers.get('ratelimit-limit'), 'the API rate-limit headers');
      assert.ok(((await res.json()) as Json).result.tools.length === 5);
      const get = await fetch(`${srv.url}/mcp`, { headers: { accept: 'text/event-stream' } });
      assert.equal(get.status, 405);
    });

    test('papers as Markdown: /papers/<id>.md, Accept: text/markdown on the page, cacheable; a day as /papers/date/<d>.md', async () => {
      const res = await fetch(`${srv.url}/papers/${TARGET}.md`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/markdown/);
      assert.match(res.headers.get('cache-control')!, /public, max-age=\d+/);
      assert.ok(res.headers.get('etag'), 'an ETag for revalidation');
      const md = await res.text();
      assert.match(md, new RegExp(`^# ${TITLE}`));
      assert.match(md, /\*\*arXiv:\*\* \[2410\.17243\]\(<https:\/\/arxiv\.org\/abs\/2410\.17243>\) · \[PDF\]/);
      assert.match(md, /\*\*Dates:\*\* published 2024-10-22/);
      assert.match(md, /\*\*Upvotes:\*\* 64 · \*\*Comments:\*\* 3/);
      const again = await fetch(`${srv.url}/papers/${TARGET}.md`, { headers: { 'if-none-match': res.headers.get('etag')! } });
      assert.equal(again.status, 304);

      const negotiated = await fetch(`${srv.url}/papers/${TARGET}`, { headers: { accept: 'text/markdown' } });
      assert.match(negotiated.headers.get('content-type')!, /^text\/markdown/);
      assert.equal(await negotiated.text(), md);
      assert.match(negotiated.headers.get('vary') ?? '', /Accept/i);
      const page = await fetch(`${srv.url}/papers/${TARGET}`, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.match(page.headers.get('content-type')!, /^text\/html/);
      const html = await page.text();
      assert.match(html, /<link rel="alternate" type="text\/markdown" href="https:\/\/papers\.example\.org\/papers\/2410\.17243\.md">/);
      assert.match(html, /href="\/api\/papers\/2410\.17243\/citation\?format=ris"/);

      const dayMd = await fetch(`${srv.url}/papers/date/2024-10-25.md`);
      assert.equal(dayMd.status, 200);
      const dayText = await dayMd.text();
      assert.match(dayText, /^# Papers of 2024-10-25/);
      assert.match(dayText, new RegExp(`## 1\\. ${TITLE}`));
      assert.ok((dayText.match(/^## \d+\. /gm)?.length ?? 0) >= 29);
      assert.equal((await fetch(`${srv.url}/papers/date/2024-13-45.md`)).status, 400);
      assert.equal((await fetch(`${srv.url}/papers/9999.99999.md`)).status, 404);
      // Named pages are not papers.
      const trendingPage = await fetch(`${srv.url}/papers/trending`, { headers: { accept: 'text/markdown' } });
      assert.notEqual(trendingPage.status, 500);
    });

    test('citations: RIS and CSL-JSON beside BibTeX, for a paper and a collection', async () => {
      const bib = await fetch(`${srv.url}/api/papers/${TARGET}/citation`);
      assert.match(bib.headers.get('content-type')!, /application\/x-bibtex/);
      assert.match(await bib.text(), /^@misc\{cheng2024breaking,\n {2}title=\{Breaking the Memory Barrier/);
      const ris = await (await fetch(`${srv.url}/api/papers/${TARGET}/citation?format=ris`)).text();
      assert.match(ris, /^TY {2}- ELEC\r\n/);
      assert.match(ris, /\r\nAU {2}- Cheng, Zesen\r\nAU {2}- Zhang, Hang\r\n/);
      assert.match(ris, /\r\nTI {2}- Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss\r\n/);
      assert.match(ris, /\r\nPY {2}- 2024\r\n/);
      assert.match(ris, /\r\nUR {2}- https:\/\/arxiv\.org\/abs\/2410\.17243\r\nL1 {2}- https:\/\/arxiv\.org\/pdf\/2410\.17243\r\n/);
      assert.match(ris, /\r\nER {2}-\r\n$/);
      const csl = (await (await fetch(`${srv.url}/api/papers/${TARGET}/citation?format=csl-json`)).json()) as Json[];
      assert.equal(csl.length, 1);
      assert.equal(csl[0].title, TITLE);
      assert.deepEqual(csl[0].author[0], { family: 'Cheng', given: 'Zesen' });
      assert.deepEqual(csl[0].issued, { 'date-parts': [[2024, 10, 22]] });
      assert.equal(csl[0].number, TARGET);
      assert.equal((await fetch(`${srv.url}/api/papers/${TARGET}/citation?format=endnote`)).status, 400);

      const user = await pb.community.accounts.findOrCreate('reader@example.org');
      const col = await pb.community.collections.create(user.id, { name: 'Memory', isPublic: true });
      await pb.community.collections.addPaper(user.id, col.id, TARGET);
      await pb.community.collections.addPaper(user.id, col.id, '2410.16251');
      const colRis = await (await fetch(`${srv.url}/api/collections/${col.id}/citation?format=ris`)).text();
      assert.equal(colRis.match(/^TY {2}- ELEC/gm)?.length, 2);
      const colCsl = (await (await fetch(`${srv.url}/api/collections/${col.id}/citation?format=csl-json`)).json()) as Json[];
      assert.deepEqual(colCsl.map((c) => c.number).sort(), ['2410.16251', TARGET]);
      const colBib = await (await fetch(`${srv.url}/api/collections/${col.id}/citation`)).text();
      assert.equal(colBib.match(/^@misc\{/gm)?.length, 2);
      const priv = await pb.community.collections.create(user.id, { name: 'Mine', isPublic: false });
      assert.equal((await fetch(`${srv.url}/api/collections/${priv.id}/citation`)).status, 404, 'a private collection is not shown to others');
    });

    test('"Has code" finds the sample papers whose abstracts or comments link a repository', async () => {
      const withLink = await pb.db.kysely
        .selectFrom('papers')
        .select(['arxiv_id', 'code_url', 'abstract', 'comment'])
        .where((eb) => eb.or([eb('abstract', 'like', '%github.com/%'), eb('comment', 'like', '%github.com/%')]))
        .execute();
      assert.ok(withLink.length >= 20, `${withLink.length} sample papers mention a GitHub link`);
      const linked = withLink.filter((r) => r.code_url);
      assert.ok(linked.length >= withLink.length * 0.9, `${linked.length} of ${withLink.length} have their code link`);
      for (const r of linked) assert.match(r.code_url!, /^https:\/\/(github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)\/[\w.-]+\/[\w.-]+$/);
      const r = await fetch(`${srv.url}/api/papers/search?q=code&hasCode=true&limit=50`);
      const items = (await r.json()) as Json[];
      assert.ok(items.length > 0, '"Has code" finds papers');
      assert.ok(items.every((i) => /^https:\/\//.test(i.paper.githubRepo) && i.githubRepo === i.paper.githubRepo));
      const page = await (await fetch(`${srv.url}/search?q=code&code=1`)).text();
      assert.ok(!/No papers match/.test(page), 'the search page\'s "Has code" finds papers too');
    });

    test('OpenAPI documents every new endpoint, and the API docs page shows them', async () => {
      const doc = (await (await fetch(`${srv.url}/api/openapi.json`)).json()) as Json;
      for (const p of [
        '/papers/{id}.md',
        '/papers/{archive}/{num}.md',
        '/papers/date/{day}.md',
        '/mcp',
        '/thumbnails/{*}',
        '/api/papers/{id}/citation',
        '/api/collections/{id}/citation',
      ])
        assert.ok(
          Object.keys(doc.paths).some((k) => k === p || k.startsWith(p.replace('{*}', ''))),
          `${p} in OpenAPI: ${Object.keys(doc.paths)
            .filter((k) => !k.startsWith('/api') && !k.startsWith('/feeds'))
            .join(' ')}`,
        );
      assert.ok(doc.components.schemas.HfSearchItem, 'the search item shape');
      const docs = await (await fetch(`${srv.url}/api/docs`)).text();
      for (const s of [
        '/papers/{id}.md',
        '/papers/date/{day}.md',
        '/mcp',
        '/api/papers/{id}/citation',
        '/api/collections/{id}/citation',
        'MCP server (Streamable HTTP)',
      ])
        assert.ok(docs.includes(s), `/api/docs shows ${s}`);
    });
  });
}
