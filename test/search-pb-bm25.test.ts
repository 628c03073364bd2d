// pb_bm25 (native/pb_fts5.c, built by npm install): FTS5's bm25() with the document counts of common
// words remembered per connection. Its scores equal bm25()'s; a remembered count is reused while the
// table's row count moves by 1% or less, and counted again past that.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSqlite, type Db } from '../src/storage/db.ts';

// "common" is in a third of the rows: above the extension's PB_CACHE_MIN_HITS (2,000), so remembered,
// and in fewer than half of them (bm25() floors the idf of a word in more than half). "rare" never is.
const N = 7500;

describe('pb_bm25', () => {
  let dir: string;
  let db: Db;
  let next = 0;
  const add = (n: number) => {
    const ins = db.sqlite!.prepare('insert into docs (title, abstract, authors) values (?, ?, ?)');
    db.sqlite!.transaction(() => {
      for (let k = 0; k < n; k++, next++)
        ins.run(
          `Paper ${next} on ${next % 3 ? 'usual' : 'common'} ground`,
          `${next % 3 ? 'usual' : 'common'} words ${'filler '.repeat(next % 13)}${next % 10 ? '' : 'rare '}and ${next % 6 ? 'plain' : 'common'} sense`,
          `Author ${next % 50}`,
        );
    })();
  };
  const scores = (fn: string, q: string) =>
    db.sqlite!.prepare(`select rowid as id, ${fn}(docs, 2.5, 1, 0.5) as s from docs where docs match ? order by rowid`).all(q) as { id: number; s: number }[];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'paperboy-pb-bm25-'));
    db = openSqlite(join(dir, 'test.db'));
    db.sqlite!.exec("create virtual table docs using fts5(title, abstract, authors, tokenize = 'porter unicode61 remove_diacritics 2')");
    add(N);
  });
  after(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('is loaded into every SQLite connection', () => {
    assert.equal(db.bm25, 'pb_bm25');
  });

  test('scores as bm25() does, with column weights, for rare and common words and a phrase', () => {
    for (const q of ['"rare"', '"common"', '"common" AND "rare"', '"common sense"', '"paper" OR "rare"']) {
      const want = scores('bm25', q);
      const got = scores('pb_bm25', q);
      assert.ok(want.length > 0, q);
      assert.deepEqual(
        got.map((r) => r.id),
        want.map((r) => r.id),
      );
      for (let i = 0; i < want.length; i++) assert.equal(got[i].s, want[i].s, `${q}, row ${want[i].id}`);
    }
  });

  test("reuses a common word's count while the table grows by 1% or less, then counts again", () => {
    scores('pb_bm25', '"common"'); // remembered at N rows
    add(N / 100); // +1%: the remembered count stands, while the true one grew by 25
    const stale = scores('pb_bm25', '"common" AND "rare"');
    const exact = scores('bm25', '"common" AND "rare"');
    assert.equal(stale.length, exact.length);
    assert.ok(
      stale.some((r, i) => r.s !== exact[i].s),
      'the count of "common" is the one remembered',
    );
    // "rare" alone is below the threshold: counted each time, so exact.
    assert.deepEqual(scores('pb_bm25', '"rare"'), scores('bm25', '"rare"'));
    add(1); // past 1%: counted again
    const fresh = scores('pb_bm25', '"common" AND "rare"');
    assert.deepEqual(fresh, scores('bm25', '"common" AND "rare"'));
  });
});
