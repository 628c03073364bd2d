// Ranking a bounded window of matches: a word in more papers than the window ranks only the newest
// of them (SQLite: the SQLITE_RANK_WINDOW highest ids; PostgreSQL: PG_RANK_WINDOW of them), while
// an exact title outside the window still comes first, filters choose the window's papers, and a
// query with fewer matches than the window ranks them all. On SQLite, pb_bm25 and its bm25() fallback
// (which does not score a word in more than half of the papers, whose idf is 0) give the same order.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { SqliteLexical, SQLITE_RANK_WINDOW } from '../src/search/lexical-sqlite.ts';
import { COLUMN_WEIGHTS, PG_RANK_WINDOW } from '../src/search/lexical.ts';

// Enough that half of the papers (a filter) are more than the window.
const N = 2 * Math.max(SQLITE_RANK_WINDOW, PG_RANK_WINDOW) + 1500;
const OLD_TITLE = 'Plankton blooms in warm coastal waters';

for (const dbk of databases) {
  describe(`a ranked window of matches on ${dbk.name}`, () => {
    let pb: TestInstance;
    const ids: number[] = [];
    before(async () => {
      pb = await dbk.open({ SEARCH_EMBEDDER: 'none' });
      const now = new Date().toISOString();
      const row = (i: number) => ({
        arxiv_id: `w.${i}`,
        version: 1,
        // The first paper says "plankton" most often in the shortest text: the best bm25 match.
        title: i === 0 ? OLD_TITLE : `Study ${i} of ocean samples`,
        abstract: i === 0 ? 'plankton plankton plankton polar kelp' : `We measure plankton and salinity in sample ${i}, ${i % 7 ? '' : 'kelp'} ${i % 2 ? 'tropical' : 'polar'}.`,
        authors_json: '[]',
        categories_json: JSON.stringify([i % 2 ? 'q-bio.PE' : 'physics.ao-ph']),
        primary_category: i % 2 ? 'q-bio.PE' : 'physics.ao-ph',
        published_at: `2024-01-${String(1 + (i % 28)).padStart(2, '0')}T00:00:00Z`,
        versions_json: '[]',
        source: 'test',
        created_at: now,
        modified_at: now,
      });
      for (let i = 0; i < N; i += 500) {
        const batch = Array.from({ length: Math.min(500, N - i) }, (_, k) => row(i + k));
        const r = await pb.db.kysely.insertInto('papers').values(batch).returning('id').execute();
        ids.push(...r.map((x) => x.id));
      }
    });
    after(async () => {
      await pb?.dispose();
    });

    test('a word in every paper ranks a full page, and an exact title outside the window still comes first', async () => {
      const l = await pb.search.lexical.rank('plankton', 100);
      assert.equal(l.hits.length, 100);
      assert.ok(l.floor > 0, 'the list was cut');
      const r = await pb.search.rank(OLD_TITLE, { limit: 10, mode: 'lexical' });
      assert.equal(r.hits[0].id, ids[0]);
      assert.equal(r.hits[0].match, 'title');
    });

    if (dbk.name === 'postgres') {
      test('PostgreSQL scores single papers as rank() does, from tsvectors kept in line and uncompressed', async () => {
        const l = await pb.search.lexical.rank('plankton kelp', 100);
        assert.ok(l.allWords && l.floor > 0, 'the list was cut');
        const some = l.hits.slice(0, 5);
        // A paper with only one of the words scores less than those with both.
        const partial = ids[1];
        const scores = await pb.search.lexical.scoreIds!('plankton kelp', [...some.map((h) => h.id), partial]);
        for (const h of some) assert.ok(Math.abs(scores.get(h.id)! - h.score) < 1e-9, `paper ${h.id}: ${scores.get(h.id)} against ${h.score}`);
        assert.ok(scores.get(partial)! > 0 && scores.get(partial)! < l.floor);
        const col = await pb.db.pool!.query<{ storage: string; compression: string }>(
          `select attstorage as storage, attcompression as compression from pg_attribute where attrelid = 'paper_search'::regclass and attname = 'tsv'`,
        );
        assert.equal(col.rows[0].storage, 'e');
        // A long abstract: its tsvector (about 5 KB) would be compressed by default; here it is not.
        const words = Array.from({ length: 700 }, (_, i) => `w${i.toString(36)}x${(i * 7919).toString(36)}`).join(' ');
        await pb.stores.papers.upsertMany([
          { arxivId: '2401.99999', version: 1, title: 'A long abstract', abstract: words, authors: ['A. Author'], categories: ['cs.LG'], source: 'test' },
        ]);
        const long = await pb.db.pool!.query<{ compression: string | null; bytes: number }>(
          `select pg_column_compression(s.tsv) as compression, pg_column_size(s.tsv) as bytes from paper_search s join papers p on p.id = s.paper_id where p.arxiv_id = '2401.99999'`,
        );
        assert.equal(long.rows[0].compression, null);
        assert.ok(long.rows[0].bytes > 4000, `${long.rows[0].bytes} bytes`);
      });
    }

    if (dbk.name === 'sqlite') {
      test('SQLite ranks the newest matches when there are more than the window', async () => {
        const l = await pb.search.lexical.rank('plankton', 100);
        const edge = ids[ids.length - SQLITE_RANK_WINDOW];
        assert.ok(
          l.hits.every((h) => h.id >= edge),
          'only the window is ranked',
        );
        // Fewer matches than the window: all are ranked, the old best match first.
        const few = await pb.search.lexical.rank('polar kelp plankton', 10);
        assert.equal(few.allWords, true);
        assert.equal(few.hits[0].id, ids[0]);
      });

      test('SQLite: with all the words, the order is bm25()\'s over the window, with pb_bm25 and with the bm25() fallback (which leaves a word in more than half of the papers unscored)', async () => {
        assert.equal(pb.db.bm25, 'pb_bm25', 'npm install built native/pb_fts5.c');
        const got = (await pb.search.lexical.rank('kelp plankton', 50)).hits;
        const fallback = (await new SqliteLexical(pb.db.sqlite!, 'bm25').rank('kelp plankton', 50)).hits;
        const w = COLUMN_WEIGHTS;
        const want = pb.db
          .sqlite!.prepare(
            `select id from (select rowid as id, bm25(papers_fts, ${w.title}, ${w.abstract}, ${w.authors}) as s from papers_fts
              where papers_fts match '"kelp" AND "plankton"' order by rowid desc limit ${SQLITE_RANK_WINDOW}) order by s, id limit 50`,
          )
          .pluck()
          .all();
        assert.equal(got.length, 50);
        assert.deepEqual(
          got.map((h) => h.id),
          want,
        );
        assert.equal(got[0].id, ids[0]);
        assert.deepEqual(
          fallback.map((h) => h.id),
          want,
        );
      });

      test('SQLite: with filters, the window is the newest matching papers that pass them', async () => {
        const late = (i: number) => i % 28 >= 14;
        const l = await pb.search.lexical.rank('plankton', 50, { from: '2024-01-15' });
        assert.equal(l.hits.length, 50);
        const passing = ids.filter((_, i) => late(i));
        const edge = passing[passing.length - SQLITE_RANK_WINDOW];
        for (const h of l.hits) {
          assert.ok(h.id >= edge, 'inside the filtered window');
          assert.ok(late(ids.indexOf(h.id)), 'passes the filter');
        }
      });
    }
  });
}
