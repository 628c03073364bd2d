// Titles typed with typos in several words find their paper, on each database, through
// /api/papers/search: before the embedding model exists (word-only search) and after it is trained
// and the corpus embedded. The six first titles of the HF daily list of 2024-10-25 (the bundled
// sample), each with two or three misspelt words, must come back in the top 3; a query with unknown
// words gets a "Did you mean" spelling.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { titleLikeness, suggestion } from '../src/search/jumps.ts';
import { parseQuery } from '../src/search/query.ts';

const DAILY = JSON.parse(readFileSync(new URL('../sample/hf-daily-2024-10-25.json', import.meta.url), 'utf8')) as { paper: { id: string; title: string } }[];

/** The six first titles of the day, each typed with two or three typos (dropped, swapped or doubled letters). */
const TYPED: [string, string][] = [
  ['2410.17243', 'Breking the Memroy Barier: Near Infinite Batch Size Scaling for Contrastive Loss'],
  ['2410.16251', 'Can Knowlege Editing Realy Correct Halucinations?'],
  ['2410.18533', 'LOGO -- Long contxt aligmnent via efficient preferrence Optimization'],
  ['2410.18693', 'Unleashing Reasoning Capabilty of LLMs via Scalable Qeustion Synthesis from Scrach'],
  ['2410.18975', 'Unbounded: A Generativ Infinte Game of Charcter Life Simulation'],
  ['2410.18978', 'Framer: Interactve Frame Interpolaton'],
];

test('the typed titles are the day\'s first six, with two or three words changed', () => {
  assert.deepEqual(
    TYPED.map(([id]) => id),
    DAILY.slice(0, 6).map((d) => d.paper.id),
  );
  for (const [id, typed] of TYPED) {
    const title = DAILY.find((d) => d.paper.id === id)!.paper.title.replace(/\s+/g, ' ');
    const a = title.split(' ');
    const b = typed.split(' ');
    assert.equal(a.length, b.length, typed);
    const changed = a.filter((w, i) => w.toLowerCase() !== b[i].toLowerCase()).length;
    assert.ok(changed >= 2 && changed <= 3, `${typed}: ${changed} words changed`);
  }
});

test('title likeness: typos in several words, a title typed in part, and ordinary word queries', () => {
  const like = (q: string, t: string) => titleLikeness(parseQuery(q).titleWords, t);
  const title = 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss';
  assert.ok(like('Breking the Memroy Barier', title) > 0, 'the beginning of a title, three typos');
  assert.ok(like('Knowlege Editing Halucinations', 'Can Knowledge Editing Really Correct Hallucinations?') > 0, 'most of a title');
  assert.equal(like('contrastive loss', title), 0, 'two correct words are a query, not a title');
  assert.equal(like('batch size scaling', title), 0, 'correct words from the middle of a title are a query');
  assert.equal(like('image editing diffusion', 'Can Knowledge Editing Really Correct Hallucinations?'), 0);
  assert.ok(like('Breking the Memroy Barier', title) > like('Breking the Memroy Barier', 'Breaking the Speed Barrier of Memory Access'));
  assert.equal(suggestion(parseQuery('contrastve los scalng'), [title]), 'contrastive los scaling');
});

for (const dbk of databases) {
  describe(`titles with typos on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({}, { sample: true });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
    });

    const top3 = async (q: string, mode?: string) => {
      const r = await fetch(`${srv.url}/api/papers/search?${new URLSearchParams({ q, ...(mode ? { mode } : {}) })}`);
      assert.equal(r.status, 200, q);
      const body = (await r.json()) as { paper: { id: string } }[];
      return { ids: body.slice(0, 3).map((h) => h.paper.id), mode: r.headers.get('x-search-mode'), suggestion: r.headers.get('x-search-suggestion') };
    };

    const allFound = async (mode?: string) => {
      for (const [id, q] of TYPED) {
        const r = await top3(q, mode);
        assert.ok(r.ids.includes(id), `${q} → ${r.ids.join(', ')} (${r.mode})`);
      }
    };

    test('before the model is ready: each typed title is in the top 3 (word-only search)', async () => {
      assert.equal((await top3(TYPED[0][1])).mode, 'lexical', 'no model yet');
      await allFound();
      await allFound('lexical');
      const part = await top3('Breking the Memroy Barier');
      assert.equal(part.ids[0], '2410.17243', 'the beginning of a title, typed with typos');
      assert.equal((await top3('Knowlege Editing Halucinations')).ids[0], '2410.16251');
    });

    test('after the model is trained and the corpus embedded: the same, in hybrid and word-only mode', async () => {
      await pb.search.train({ dims: 64, maxVocab: 8000, iterations: 2, contrastive: { epochs: 1, maxDocsPerEpoch: 3000 } });
      await pb.search.embedAll(2000);
      // Training held this process's event loop (here the server's too): let expired keep-alive sockets close.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await top3(TYPED[0][1])).mode, 'hybrid');
      await allFound();
      await allFound('lexical');
      await allFound('vector');
    });

    test('unknown words get a "Did you mean" spelling, on the API and the page', async () => {
      const r = await top3('Breking the Memroy Barier');
      assert.equal(decodeURIComponent(r.suggestion ?? ''), 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss');
      const page = await (await fetch(`${srv.url}/search?q=${encodeURIComponent('Breking the Memroy Barier')}`)).text();
      assert.match(page, /data-search-suggestion>Did you mean <a href="\/search\?q=Breaking%20the%20Memory%20Barrier/);
      const plain = await top3('contrastive loss');
      assert.equal(plain.suggestion, null, 'known words: no suggestion');
    });
  });
}
