// Bulk imports. On SQLite a big batch writes its full-text rows itself instead of through the row
// triggers (src/storage/bulk.ts); these tests check that it keeps every import rule, leaves both
// indexes (porter and trigram) complete, and stays consistent when the importing process is killed
// in the middle of a batch. The rules are checked on PostgreSQL too (which keeps the trigger path).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { databases, testConfig, type TestInstance } from './support/db.ts';
import { spawnCli } from './ops-child.ts';
import { formatByName } from '../src/ingest/formats.ts';
import { openPaperboy, type Paperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { kaggleRecord, samplePapers } from './support/kaggle.ts';
import { BULK_FULL_TEXT_MIN } from '../src/storage/papers.ts';
import { DEFERRED_INDEXES } from '../src/storage/paper-bulk-sqlite.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const SAMPLE = samplePapers();

/** New-style ids no real paper has: 3101.00001 … */
const idOf = (i: number) => `${3101 + Math.floor(i / 99999)}.${String((i % 99999) + 1).padStart(5, '0')}`;
/** A word of its own in each paper's title, to find exactly that paper. */
const marker = (i: number, tag = 'orig') => `${tag}${i}x`;

interface LineOpts {
  version?: number;
  title?: string;
  comments?: string | null;
}

/** One Kaggle snapshot line for paper i, its text taken from a real sample paper. */
function kaggleLine(i: number, o: LineOpts = {}): string {
  const src = SAMPLE[(i * 7919) % SAMPLE.length];
  const version = o.version ?? 1 + (i % 3);
  const created = Date.UTC(2021, 0, 1) + (i % 1000) * 86400000;
  return JSON.stringify(
    kaggleRecord(src, {
      id: idOf(i),
      title: o.title ?? `${src.title} ${marker(i)}`,
      comments: o.comments === undefined ? `comment ${i}` : o.comments,
      versions: Array.from({ length: version }, (_, v) => ({ version: `v${v + 1}`, created: new Date(created + v * 86400000 * 30).toUTCString() })),
      updateDate: new Date(created).toISOString().slice(0, 10),
    }),
  );
}

function writeLines(dir: string, name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

async function importFile(pb: Paperboy, file: string) {
  const fmt = formatByName('kaggle')!;
  return pb.importer.run('kaggle', file, fmt.parse(file, {}, { bytesRead: 0 }));
}

/** The SQLite full-text state: both triggers back, both indexes consistent with papers, one index row set per paper. */
function checkSqliteIndex(sqlite: Database.Database): void {
  const triggers = sqlite.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'papers' order by name").pluck().all();
  for (const t of ['papers_search_ad', 'papers_search_ai', 'papers_search_au']) assert.ok(triggers.includes(t), `trigger ${t} is missing (${triggers.join(', ')})`);
  for (const t of ['papers_fts', 'papers_title_tri']) {
    // Internal consistency, then (rank 1) the index against the external content table, row by row.
    sqlite.prepare(`insert into ${t}(${t}) values ('integrity-check')`).run();
    sqlite.prepare(`insert into ${t}(${t}, rank) values ('integrity-check', 1)`).run();
  }
  const papers = sqlite.prepare('select count(*) from papers').pluck().get();
  assert.equal(sqlite.prepare('select count(*) from papers_fts_docsize').pluck().get(), papers, 'papers_fts has one document per paper');
  assert.equal(sqlite.prepare('select count(*) from papers_title_tri_docsize').pluck().get(), papers, 'papers_title_tri has one document per paper');
}

/** Which of the indexes a first bulk load defers exist now. */
function indexesPresent(sqlite: Database.Database): string[] {
  return DEFERRED_INDEXES.filter((n) => sqlite.prepare("select 1 from sqlite_master where type = 'index' and name = ?").get(n));
}

/** Ids of the papers whose indexed text has the word (SQLite FTS5). */
function ftsIds(sqlite: Database.Database, word: string): number[] {
  return sqlite.prepare('select rowid from papers_fts where papers_fts match ?').pluck().all(`"${word}"`) as number[];
}

for (const dbk of databases) {
  describe(`bulk import on ${dbk.name}`, () => {
    let pb: TestInstance;
    let dir: string;
    const N = 3000;
    let firstIds: Map<string, number>;
    before(async () => {
      pb = await dbk.open();
      dir = mkdtempSync(join(tmpdir(), 'paperboy-bulk-'));
    });
    after(async () => {
      await pb.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a big Kaggle import: every paper is found by word and by title', async () => {
      const file = writeLines(
        dir,
        'first.json',
        Array.from({ length: N }, (_, i) => kaggleLine(i)),
      );
      const s = await importFile(pb, file);
      assert.deepEqual([s.read, s.inserted, s.updated, s.skipped, s.errors], [N, N, 0, 0, 0]);
      assert.equal(await pb.stores.papers.count(), N);
      if (pb.db.sqlite) {
        checkSqliteIndex(pb.db.sqlite);
        // Each paper's own title word finds exactly that paper.
        for (let i = 0; i < N; i++) assert.equal(ftsIds(pb.db.sqlite, marker(i)).length, 1, `${marker(i)} not indexed`);
      }
      const papers = await Promise.all(Array.from({ length: N / 100 }, (_, k) => pb.stores.papers.byArxivId(idOf(k * 100))));
      firstIds = new Map(papers.map((p) => [p!.arxivId, p!.id]));
      for (const [k, p] of papers.entries()) {
        const i = k * 100;
        assert.ok(p, idOf(i));
        // Through the search port: word search (porter index / tsvector) and typo-tolerant title lookup (trigrams).
        const hits = await pb.search.lexical.withAllWords(marker(i), 10);
        assert.deepEqual(
          hits.map((h) => h.id),
          [p.id],
          `word search for ${marker(i)}`,
        );
        const titles = await pb.search.lexical.titleCandidates(p.title, 50);
        assert.ok(
          titles.some((t) => t.id === p.id),
          `title lookup for ${p.title}`,
        );
        assert.equal(p.version, 1 + (i % 3));
        assert.ok((await pb.stores.papers.byAuthor(p.authors[0], 500)).some((x) => x.id === p.id), `author ${p.authors[0]}`);
        assert.ok((await pb.stores.papers.byCategory(p.categories[0], 5000)).some((x) => x.id === p.id), `category ${p.categories[0]}`);
      }
    });

    test('the same file again inserts and updates nothing', async () => {
      const s = await importFile(pb, join(dir, 'first.json'));
      assert.deepEqual([s.read, s.inserted, s.updated, s.skipped, s.errors], [N, 0, 0, N, 0]);
      assert.equal(await pb.stores.papers.count(), N);
      if (pb.db.sqlite) checkSqliteIndex(pb.db.sqlite);
    });

    test('one file mixing newer versions, older versions, new papers and a paper twice: the version rules hold and the index follows', async () => {
      const lines: string[] = [];
      // 0…299: a newer version with a new title and no comment (which must not erase the stored one).
      for (let i = 0; i < 300; i++) lines.push(kaggleLine(i, { version: 1 + (i % 3) + 1, title: `Revised ${marker(i, 'rev')}`, comments: null }));
      // Papers stored at v3, sent as v1 with another title: older, never overwrites.
      const older = Array.from({ length: 50 }, (_, k) => 302 + k * 3);
      for (const i of older) lines.push(kaggleLine(i, { version: 1, title: `Stale ${marker(i, 'stale')}` }));
      // New papers.
      for (let i = N; i < N + 300; i++) lines.push(kaggleLine(i));
      // New papers twice in a row: v1, then v2 with another title, in the same batch.
      for (let i = N + 300; i < N + 350; i++) lines.push(kaggleLine(i, { version: 1 }), kaggleLine(i, { version: 2, title: `Second ${marker(i, 'two')}` }));
      const s = await importFile(pb, writeLines(dir, 'second.json', lines));
      assert.deepEqual([s.read, s.inserted, s.updated, s.skipped, s.errors], [lines.length, 350, 350, 50, 0]);
      assert.equal(await pb.stores.papers.count(), N + 350);

      for (const i of [0, 100, 200]) {
        const p = (await pb.stores.papers.byArxivId(idOf(i)))!;
        assert.equal(p.id, firstIds.get(idOf(i)), 'updated in place: same id');
        assert.equal(p.version, 1 + (i % 3) + 1);
        assert.equal(p.title, `Revised ${marker(i, 'rev')}`);
        assert.equal(p.comment, `comment ${i}`, 'a missing field keeps its value');
        assert.deepEqual(
          (await pb.search.lexical.withAllWords(marker(i, 'rev'), 10)).map((h) => h.id),
          [p.id],
        );
        assert.deepEqual(await pb.search.lexical.withAllWords(marker(i), 10), [], 'the old title is gone from the index');
      }
      for (const i of older) {
        const p = (await pb.stores.papers.byArxivId(idOf(i)))!;
        assert.equal(p.version, 3);
        assert.equal(p.title.endsWith(marker(i)), true, 'an older version never overwrites');
      }
      for (let i = N + 300; i < N + 350; i++) {
        const p = (await pb.stores.papers.byArxivId(idOf(i)))!;
        assert.equal(p.version, 2);
        assert.equal(p.title, `Second ${marker(i, 'two')}`);
      }
      if (pb.db.sqlite) {
        const sqlite = pb.db.sqlite;
        checkSqliteIndex(sqlite);
        for (let i = 0; i < 300; i++) {
          assert.equal(ftsIds(sqlite, marker(i)).length, 0, `${marker(i)} still indexed`);
          assert.equal(ftsIds(sqlite, marker(i, 'rev')).length, 1);
        }
        for (const i of older) assert.equal(ftsIds(sqlite, marker(i, 'stale')).length, 0);
        for (let i = N; i < N + 300; i++) assert.equal(ftsIds(sqlite, marker(i)).length, 1);
        for (let i = N + 300; i < N + 350; i++) {
          assert.equal(ftsIds(sqlite, marker(i)).length, 0, 'the first version of a paper seen twice is not indexed');
          assert.equal(ftsIds(sqlite, marker(i, 'two')).length, 1);
        }
      }
    });

    if (dbk.name === 'sqlite') {
      test('an error inside a bulk batch rolls back its papers and puts the triggers back', async () => {
        const sqlite = pb.db.sqlite!;
        const before = await pb.stores.papers.count();
        const good: PaperInput[] = Array.from({ length: BULK_FULL_TEXT_MIN }, (_, k) => ({
          arxivId: idOf(50000 + k),
          version: 1,
          title: `Doomed ${marker(k, 'doomed')}`,
          abstract: 'Never stored.',
          authors: ['A. Author'],
          categories: ['cs.LG'],
          source: 'test',
        }));
        // A value SQLite cannot bind, after the batch has dropped its triggers and written rows.
        const bad = { ...good[0], arxivId: idOf(50999), githubStars: {} as unknown as number };
        await assert.rejects(pb.stores.papers.upsertMany([...good, bad]));
        assert.equal(await pb.stores.papers.count(), before);
        checkSqliteIndex(sqlite);
        assert.equal(ftsIds(sqlite, marker(0, 'doomed')).length, 0);
        // The triggers work again: a single upsert (trigger path) is indexed.
        assert.equal(await pb.stores.papers.upsert(good[0]), 'inserted');
        assert.equal(ftsIds(sqlite, marker(0, 'doomed')).length, 1);
        checkSqliteIndex(sqlite);
      });
    }
  });
}

if (databases.some((d) => d.name === 'sqlite')) {
  test('an import killed with SIGKILL in the middle of a batch: the next start finds a complete index, the next import finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'paperboy-bulk-kill-'));
    const dataDir = join(dir, 'data');
    const total = 12000;
    // The importer's batches when none is given: 500, 1000, 2000, 4000, then 5000.
    const committed = [0, 500, 1500, 3500, 7500, total];
    try {
      const file = writeLines(
        dir,
        'big.json',
        Array.from({ length: total }, (_, i) => kaggleLine(i)),
      );
      const open = () => openPaperboy(testConfig({ PAPERBOY_DATA_DIR: dataDir }), { migrate: true, log: createLogger('silent') });
      await (await open()).close();

      const child = spawnCli(['import', file, '--json'], { PAPERBOY_DATA_DIR: dataDir, PAPERBOY_LOAD_SAMPLE: 'false', LOG_LEVEL: 'warn' });
      let exited = false;
      void child.exited.then(() => (exited = true));
      const watch = new Database(join(dataDir, 'paperboy.db'), { fileMustExist: true });
      try {
        // Once the first three batches are in, the 4,000-paper batch (bulk full-text path, big
        // cache, checkpoint thread) is being parsed and then written for about a second.
        while (!exited && (watch.prepare('select count(*) from papers').pluck().get() as number) < 3500) await new Promise((r) => setTimeout(r, 20));
      } finally {
        watch.close();
      }
      // Kill it a moment later, inside that batch's transaction.
      await new Promise((r) => setTimeout(r, 600));
      child.proc.kill('SIGKILL');
      const end = await child.exited;
      assert.equal(end.signal, 'SIGKILL', `the import finished before it could be killed:\n${child.output()}`);

      // The big batches' import had dropped the secondary indexes it builds at its end (a first load).
      const raw = new Database(join(dataDir, 'paperboy.db'), { fileMustExist: true });
      try {
        assert.deepEqual(indexesPresent(raw), [], 'the killed import had deferred its indexes');
        assert.ok(raw.prepare("select 1 from kv where key = 'bulk_deferred_indexes'").get());
      } finally {
        raw.close();
      }

      const pb = await open();
      try {
        const sqlite = pb.db.sqlite!;
        // The next start builds them.
        assert.deepEqual(indexesPresent(sqlite), DEFERRED_INDEXES);
        assert.equal(sqlite.prepare("select 1 from kv where key = 'bulk_deferred_indexes'").get(), undefined);
        const count = await pb.stores.papers.count();
        assert.ok(committed.includes(count) && count < total, `whole batches only: ${count} papers`);
        checkSqliteIndex(sqlite);
        for (let i = 0; i < count; i++) assert.equal(ftsIds(sqlite, marker(i)).length, 1, `${marker(i)} not found after the crash`);

        const s = await importFile(pb, file);
        assert.deepEqual([s.inserted, s.skipped, s.errors], [total - count, count, 0]);
        assert.equal(await pb.stores.papers.count(), total);
        checkSqliteIndex(sqlite);
        for (let i = 0; i < total; i++) assert.equal(ftsIds(sqlite, marker(i)).length, 1, `${marker(i)} not found after the second import`);
        assert.deepEqual(indexesPresent(sqlite), DEFERRED_INDEXES, 'the indexes are all there after a whole import');
        // Title lookups and listings use them again.
        const plan = sqlite.prepare('explain query plan select id from papers where lower(title) = ?').all('x') as { detail: string }[];
        assert.match(plan.map((r) => r.detail).join(' '), /papers_title_lower/);
      } finally {
        await pb.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
