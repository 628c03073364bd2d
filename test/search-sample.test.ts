// Search over the bundled sample on each database: exact id/URL/title jumps, typo tolerance,
// semantic matches for "attention", filters, sorts, pagination, the API's 400s, the page and
// similar papers. A small static model is trained on the sample so the test stays quick.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';

const TARGET = '2410.17243';
const TITLE = 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss';

for (const dbk of databases) {
  describe(`search over the sample on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({}, { sample: true });
      await pb.search.train({ dims: 64, maxVocab: 8000, iterations: 2 });
      await pb.search.embedAll(2000);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
    });
    const first = async (q: string) => (await pb.search.search({ q, limit: 5 })).hits[0]?.paper.arxivId;

    test('an arXiv id, with or without version, or an arxiv.org URL puts that paper first', async () => {
      for (const q of [TARGET, `${TARGET}v2`, `arxiv.org/abs/${TARGET}v2`, `https://arxiv.org/pdf/${TARGET}`, `arXiv:${TARGET}`]) {
        assert.equal(await first(q), TARGET, q);
      }
    });

    test('the exact title, and the title with one letter wrong, put that paper first', async () => {
      assert.equal(await first(TITLE), TARGET);
      assert.equal(await first(TITLE.replace('Barrier', 'Barrjer')), TARGET);
      assert.equal(await first(TITLE.toLowerCase().replace('contrastive', 'contrastiv')), TARGET);
      const r = await pb.search.search({ q: TITLE.replace('Memory', 'Memoyr'), limit: 3 });
      assert.equal(r.hits[0].paper.arxivId, TARGET);
      assert.equal(r.hits[0].match, 'near-title');
    });

    test('"attention" finds attention papers, some without the word in the title, by hybrid ranking', async () => {
      const r = await pb.search.search({ q: 'attention', limit: 120 });
      assert.equal(r.mode, 'hybrid');
      assert.equal(r.fallback, undefined);
      const texts = r.hits.map((h) => `${h.paper.title} ${h.paper.abstract}`.toLowerCase());
      assert.ok(texts.slice(0, 30).every((t) => t.includes('attention')), 'the best hits are about attention');
      const untitled = r.hits.filter((h) => !/attention/i.test(h.paper.title));
      assert.ok(untitled.length > 0, 'some hits lack the word in the title');
      assert.ok(
        untitled.some((h) => /attention|transformer/i.test(h.paper.abstract)),
        'among them, papers about attention',
      );
      // Snippets are escaped, then the matches marked.
      assert.ok(r.hits.some((h) => /<mark>attention<\/mark>/i.test(h.snippet)));
      // By meaning alone, the nearest papers are still about attention / transformers.
      const v = await pb.search.search({ q: 'attention', limit: 20, mode: 'vector' });
      assert.equal(v.mode, 'vector');
      const related = v.hits.filter((h) => /attention|transformer|self-attention/i.test(`${h.paper.title} ${h.paper.abstract}`));
      assert.ok(related.length >= 10, `vector hits related to attention: ${related.length}/20`);
    });

    test('filters: category, date range, has code; sorts and pagination', async () => {
      const cat = await pb.search.search({ q: 'language models', limit: 20, filters: { category: 'cs.CL' } });
      assert.ok(cat.hits.length > 0);
      for (const h of cat.hits) assert.ok(h.paper.categories.includes('cs.CL'), h.paper.arxivId);

      const dated = await pb.search.search({ q: 'language models', limit: 20, filters: { from: '2024-10-01', to: '2024-10-31' } });
      assert.ok(dated.hits.length > 0);
      for (const h of dated.hits) assert.ok(h.paper.publishedAt! >= '2024-10-01' && h.paper.publishedAt!.slice(0, 10) <= '2024-10-31', h.paper.publishedAt!);

      const code = await pb.search.search({ q: 'model', limit: 20, filters: { hasCode: true } });
      for (const h of code.hits) assert.ok(h.paper.codeUrl, h.paper.arxivId);

      const newest = await pb.search.search({ q: 'language models', limit: 20, sort: 'newest' });
      const dates = newest.hits.map((h) => h.paper.publishedAt ?? '');
      assert.deepEqual(dates, [...dates].sort().reverse());

      const p1 = await pb.search.search({ q: 'reinforcement learning', limit: 10 });
      const p2 = await pb.search.search({ q: 'reinforcement learning', limit: 10, offset: 10 });
      assert.equal(p1.hits.length, 10);
      assert.equal(p2.hits.length, 10);
      const ids1 = new Set(p1.hits.map((h) => h.paper.id));
      assert.ok(p2.hits.every((h) => !ids1.has(h.paper.id)));
    });

    test('GET /api/papers/search answers in HF shape and rejects bad queries with 400 JSON', async () => {
      const r = await fetch(`${srv.url}/api/papers/search?q=${encodeURIComponent('contrastive loss batch size')}&limit=5`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-search-mode'), 'hybrid');
      const body = (await r.json()) as { paper: { id: string; title: string; summary: string } }[];
      assert.equal(body.length, 5);
      assert.equal(body[0].paper.id, TARGET);
      assert.ok(body[0].paper.summary.length > 0);
      for (const bad of ['', 'q=', 'q=%20%20', `q=${'a'.repeat(251)}`, 'q=x&limit=0', 'q=x&limit=121', 'q=x&sort=best']) {
        const res = await fetch(`${srv.url}/api/papers/search?${bad}`);
        assert.equal(res.status, 400, bad);
        assert.match(res.headers.get('content-type')!, /json/);
      }
      const ok = await fetch(`${srv.url}/api/papers/search?q=x&limit=120`);
      assert.equal(ok.status, 200);
    });

    test('/search renders results with marked snippets; a pasted id redirects to the paper', async () => {
      const r = await fetch(`${srv.url}/search?q=attention&category=cs.CV&sort=newest`);
      assert.equal(r.status, 200);
      const page = await r.text();
      assert.match(page, /<mark>attention<\/mark>/i);
      assert.match(page, /<option value="newest" selected>/);
      assert.match(page, /name="q"[^>]*value="attention"/);
      const red = await fetch(`${srv.url}/search?q=${encodeURIComponent(`https://arxiv.org/abs/${TARGET}v1`)}`, { redirect: 'manual' });
      assert.equal(red.status, 302);
      assert.equal(red.headers.get('location'), `/papers/${TARGET}`);
      const xss = await (await fetch(`${srv.url}/search?q=${encodeURIComponent('<script>alert(1)</script> attention')}`)).text();
      assert.ok(!xss.includes('<script>alert(1)</script>'));
      const bad = await fetch(`${srv.url}/search?q=x&from=yesterday`);
      assert.equal(bad.status, 400);
    });

    test('similar papers: API and the paper page', async () => {
      const r = await fetch(`${srv.url}/api/papers/${TARGET}/similar?limit=5`);
      assert.equal(r.status, 200);
      const list = (await r.json()) as { paper: { id: string } }[];
      assert.equal(list.length, 5);
      assert.ok(list.every((x) => x.paper.id !== TARGET));
      const page = await (await fetch(`${srv.url}/papers/${TARGET}`)).text();
      assert.match(page, /Similar papers/);
      assert.ok(page.includes(`/papers/${list[0].paper.id}`));
    });
  });
}
