// The exact-title jump on each database: whole titles only (not a title that merely starts with
// the query), case-insensitive, with quotes and punctuation, and through a bulk batch (which writes
// the SQLite full-text rows itself) as well as through single upserts.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const paper = (arxivId: string, title: string): PaperInput => ({
  arxivId,
  version: 1,
  title,
  abstract: `An abstract about ${title.toLowerCase()} and other things.`,
  authors: ['Ada Lovelace'],
  categories: ['cs.LG'],
  publishedAt: '2024-05-01T12:00:00Z',
  source: 'sample',
});

for (const dbk of databases) {
  describe(`exact titles on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open({});
      await pb.stores.papers.upsertMany([
        paper('2405.00001', 'Attention'),
        paper('2405.00002', 'Attention Is All You Need'),
        paper('2405.00003', 'The "Quoted" Model: Q&A (Part 2)'),
      ]);
      // A batch big enough for the SQLite bulk path, with one title to look up inside it.
      const many = Array.from({ length: 300 }, (_, i) => paper(`2406.${String(i + 1).padStart(5, '0')}`, `Filler paper number ${i} on attention`));
      many[150] = paper('2406.00151', 'Sparse Attention In A Bulk Batch');
      await pb.stores.papers.upsertMany(many);
    });
    after(async () => {
      await pb?.dispose();
    });

    const ids = async (q: string) => {
      const got = (await pb.search.lexical.titles(q, [])).exact;
      const rows = await pb.stores.papers.byIds(got);
      return got.map((id) => rows.get(id)?.arxivId).sort();
    };

    test('a whole title matches, in any case; a title that only starts with the query does not', async () => {
      assert.deepEqual(await ids('Attention'), ['2405.00001']);
      assert.deepEqual(await ids('attention is all you need'), ['2405.00002']);
      assert.deepEqual(await ids('  ATTENTION IS ALL YOU NEED '), ['2405.00002']);
      assert.deepEqual(await ids('Attention Is All You'), []);
    });

    test('quotes and punctuation are taken as text, not query syntax', async () => {
      assert.deepEqual(await ids('The "Quoted" Model: Q&A (Part 2)'), ['2405.00003']);
      assert.deepEqual(await ids('"'), []);
      assert.deepEqual(await ids('()'), []);
      assert.deepEqual(await ids('title: OR AND NOT'), []);
    });

    test('one statement gives the exact-title matches and the titles of the papers asked for', async () => {
      const byArxiv = await pb.stores.papers.byIds([1, 2, 3]);
      const [one, two] = [...byArxiv.values()].sort((a, b) => a.id - b.id);
      const got = await pb.search.lexical.titles('ATTENTION', [two.id, 999_999]);
      assert.deepEqual(got.exact, [one.id]);
      assert.deepEqual(got.titles, [{ id: two.id, title: two.title }]);
      assert.deepEqual(await pb.search.lexical.titles('No Such Title', []), { exact: [], titles: [] });
    });

    test('a title written by a bulk batch is found, and the search puts it first as a title match', async () => {
      assert.deepEqual(await ids('sparse attention in a bulk batch'), ['2406.00151']);
      const r = await pb.search.search({ q: 'Sparse Attention In A Bulk Batch', limit: 3, mode: 'lexical' });
      assert.equal(r.hits[0].paper.arxivId, '2406.00151');
      assert.equal(r.hits[0].match, 'title');
    });
  });
}
