// Every recorded source format: detection, parsing, idempotent upsert, newer versions in place.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, type TestInstance } from './support/db.ts';
import { fixture, ROOT } from './support/paths.ts';
import { detectFormat, formatByName } from '../src/ingest/formats.ts';
import { parseOaiPage } from '../src/ingest/oai.ts';
import { parseAtomPage } from '../src/ingest/atom.ts';
import { parseRss } from '../src/ingest/rss.ts';
import { kaggleToPaper } from '../src/ingest/kaggle.ts';

const run = promisify(execFile);

const FILES = {
  oai: fixture('arxiv-oai', 'list-records-arxivraw.xml'),
  atom: fixture('arxiv-atom', 'query-testing-100.xml'),
  atomClassic: fixture('arxiv-atom', 'query-classic-10.xml'),
  rss: fixture('arxiv-rss', 'cs-lg-ai-cl-statml.xml'),
  kaggle: fixture('kaggle', 'arxiv-metadata-oai-snapshot.head200.jsonl'),
  hf: fixture('hf', 'daily-papers-2024-10-25.json'),
};

test('each recorded format is detected from its first bytes', async () => {
  assert.equal((await detectFormat(FILES.oai))?.name, 'oai');
  assert.equal((await detectFormat(fixture('arxiv-oai', 'get-record-arxivraw.xml')))?.name, 'oai');
  assert.equal((await detectFormat(FILES.atom))?.name, 'atom');
  assert.equal((await detectFormat(FILES.atomClassic))?.name, 'atom');
  assert.equal((await detectFormat(FILES.rss))?.name, 'rss');
  assert.equal((await detectFormat(FILES.kaggle))?.name, 'kaggle');
  assert.equal((await detectFormat(FILES.hf))?.name, 'hf-daily');
  assert.equal((await detectFormat(fixture('jsonl', 'sample-50.jsonl')))?.name, 'jsonl');
});

test('OAI-PMH arXivRaw page: records, versions, token and errors', () => {
  const page = parseOaiPage(readFileSync(FILES.oai, 'utf8'));
  assert.equal(page.records, 6);
  assert.equal(page.token, '726959|1001');
  assert.equal(page.completeListSize, 58011);
  const papers = page.items.flatMap((i) => (i.kind === 'paper' ? [i.paper] : []));
  assert.equal(papers.length, 6);
  const p = papers.find((x) => x.arxivId === '0704.0716')!;
  assert.equal(p.version, 4);
  assert.equal(p.versions!.length, 4);
  assert.equal(p.publishedAt, '2007-04-05T12:45:03.000Z');
  assert.equal(p.updatedAt, '2008-11-14T09:07:25.000Z');
  assert.deepEqual(p.authors, ['Christoph Richard']);
  assert.deepEqual(p.categories, ['math-ph', 'math.MP']);
  assert.equal(p.license, 'http://arxiv.org/licenses/nonexclusive-distrib/1.0/');
  const first = papers.find((x) => x.arxivId === '0704.0471')!;
  assert.deepEqual(first.authors, ['D.V. Shetty', 'S.J. Yennello', 'G.A. Souliotis']);
  assert.match(first.abstract, /extremely " stiff " and " soft "/);

  const none = parseOaiPage(readFileSync(fixture('arxiv-oai', 'error-no-records-match.xml'), 'utf8'));
  assert.equal(none.error?.code, 'noRecordsMatch');
  assert.equal(none.items.length, 0);
  const bad = parseOaiPage(readFileSync(fixture('arxiv-oai', 'error-bad-resumption-token.xml'), 'utf8'));
  assert.equal(bad.error?.code, 'badResumptionToken');
});

test('Atom pages in both formats, and an error entry sent with HTTP 200 is an error', () => {
  const page = parseAtomPage(readFileSync(FILES.atom, 'utf8'));
  assert.equal(page.papers.length, 100);
  assert.equal(page.totalResults, 214881);
  const p = page.papers.find((x) => x.arxivId === '2202.12139')!;
  assert.equal(p.version, 1);
  assert.equal(p.primaryCategory, 'cs.SE');
  assert.deepEqual(p.categories, ['cs.SE', 'cs.LG']);
  assert.equal(p.doi, '10.1109/ICSTW55395.2022.00035');
  assert.deepEqual(p.authors, ['Mohit Kumar Ahuja', 'Arnaud Gotlieb', 'Helge Spieker']);
  const classic = parseAtomPage(readFileSync(FILES.atomClassic, 'utf8'));
  assert.equal(classic.papers.length, 10);
  assert.equal(classic.papers[0].primaryCategory, 'cond-mat.mes-hall');
  assert.equal(classic.papers[0].journalRef, 'Int. J. Mod. Phys. B, 26, 1244002 (2012)');

  // The shape arXiv sends for a malformed id: one entry whose id is an /api/errors URL.
  const errorFeed = readFileSync(FILES.atomClassic, 'utf8').replace(
    /<entry>[\s\S]*<\/entry>/,
    '<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v9x</id><title>Error</title>' +
      '<summary>incorrect id format for 1234.12345v9x</summary><updated>2016-10-09T00:00:00-04:00</updated>' +
      '<link href="http://arxiv.org/api/errors#incorrect_id_format_for_1234.12345v9x" rel="alternate" type="text/html"/>' +
      '<author><name>arXiv api core</name></author></entry>',
  );
  const err = parseAtomPage(errorFeed);
  assert.equal(err.papers.length, 0);
  assert.deepEqual(err.errors, ['incorrect id format for 1234.12345v9x']);
  assert.equal(err.items[0].kind, 'error');
});

test('RSS items carry their announce type; new and cross are listed on the announcement day', () => {
  const feed = parseRss(readFileSync(FILES.rss, 'utf8'));
  assert.equal(feed.day, '2026-09-24');
  assert.deepEqual(feed.types, { new: 2, cross: 1, replace: 1 });
  const byId = new Map(feed.items.flatMap((i) => (i.kind === 'paper' ? [[i.paper.arxivId, i] as const] : [])));
  assert.equal(byId.size, 4);
  const replaced = byId.get('2009.13987')!;
  assert.equal(replaced.kind === 'paper' && replaced.paper.version, 3);
  assert.equal(replaced.kind === 'paper' && replaced.entry, undefined);
  const cross = byId.get('2205.06398')!;
  assert.equal(cross.kind === 'paper' && cross.entry?.day, '2026-09-24');
  const fresh = byId.get('2609.26820')!;
  assert.ok(fresh.kind === 'paper');
  assert.deepEqual(fresh.paper.authors, ['Naser Mansour', 'Sidahmed Benabderrahmane', 'Ameer Rahwan']);
  assert.deepEqual(fresh.paper.categories, ['cs.LG', 'cs.AI']);
  assert.match(fresh.paper.abstract, /^Physiological time series/);
});

test('Kaggle lines: authors from authors_parsed, versions and dates', () => {
  const line = readFileSync(FILES.kaggle, 'utf8').split('\n')[0];
  const p = kaggleToPaper(JSON.parse(line));
  assert.equal(p.arxivId, '0704.0001');
  assert.equal(p.version, 2);
  assert.deepEqual(p.authors, ['C. Balázs', 'E. L. Berger', 'P. M. Nadolsky', 'C. -P. Yuan']);
  assert.equal(p.publishedAt, '2007-04-02T19:18:42.000Z');
  assert.equal(p.updatedAt, '2007-07-24T20:10:27.000Z');
  assert.equal(p.journalRef, 'Phys.Rev.D76:013009,2007');
});

for (const dbk of databases) {
  describe(`ingest formats on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(async () => {
      await pb.dispose();
    });

    const expected: [keyof typeof FILES, string, number, number][] = [
      ['oai', 'oai', 6, 0],
      ['atom', 'atom', 100, 0],
      ['kaggle', 'kaggle', 200, 0],
      ['hf', 'hf-daily', 29, 29],
      ['rss', 'rss', 4, 3],
    ];
    for (const [key, fmtName, records, entries] of expected) {
      test(`${fmtName}: ${records} records import, and a second import inserts nothing`, async () => {
        const fmt = (await detectFormat(FILES[key]))!;
        assert.equal(fmt.name, fmtName);
        const bytes = { bytesRead: 0 };
        const first = await pb.importer.run(fmt.name, FILES[key], fmt.parse(FILES[key], {}, bytes));
        assert.equal(first.read, records);
        assert.equal(first.errors, 0);
        assert.equal(first.inserted + first.updated, records);
        assert.equal(first.entries.inserted, entries);
        const second = await pb.importer.run(fmt.name, FILES[key], fmt.parse(FILES[key], {}, { bytesRead: 0 }));
        assert.equal(second.inserted, 0);
        assert.equal(second.updated, 0);
        assert.equal(second.entries.inserted, 0);
      });
    }

    test('RSS: new and cross are on the day, replace only updates the version', async () => {
      const day = await pb.papers.list({ kind: 'day', day: '2026-09-24' }, { limit: 50, offset: 0 });
      assert.deepEqual(day.items.map((i) => i.paper.arxivId).sort(), ['2205.06398', '2609.26811', '2609.26820']);
      assert.equal((await pb.stores.papers.byArxivId('2009.13987'))?.version, 3);
    });

    test('a newer version of a paper updates it in place; an older one changes nothing', async () => {
      const fmt = formatByName('kaggle')!;
      const dir = mkdtempSync(join(tmpdir(), 'paperboy-kaggle-'));
      try {
        const rec = JSON.parse(readFileSync(FILES.kaggle, 'utf8').split('\n')[0]);
        const before = (await pb.stores.papers.byArxivId(rec.id))!;
        rec.versions.push({ version: 'v3', created: 'Mon, 5 Jan 2009 10:00:00 GMT' });
        rec.title = 'Calculation of prompt diphoton production cross sections (revised)';
        const file = join(dir, 'newer.jsonl');
        writeFileSync(file, JSON.stringify(rec) + '\n');
        const s = await pb.importer.run('kaggle', file, fmt.parse(file, {}, { bytesRead: 0 }));
        assert.equal(s.updated, 1);
        assert.equal(s.inserted, 0);
        const after = (await pb.stores.papers.byArxivId(rec.id))!;
        assert.equal(after.id, before.id);
        assert.equal(after.version, 3);
        assert.equal(after.title, rec.title);
        assert.deepEqual(after.versions.map((v) => v.version), [1, 2, 3]);
        // The snapshot's v2 record again: older, so nothing changes.
        const again = await pb.importer.run('kaggle', FILES.kaggle, fmt.parse(FILES.kaggle, {}, { bytesRead: 0 }));
        assert.equal(again.updated, 0);
        assert.equal((await pb.stores.papers.byArxivId(rec.id))!.title, rec.title);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('import --format auto on the CLI reports the counts of every recorded file', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-cli-'));
  try {
    const env = { ...process.env, PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '', PAPERBOY_LOAD_SAMPLE: 'false' };
    const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), ...args], { env, cwd: ROOT });
    const files = [FILES.oai, FILES.atom, FILES.kaggle, FILES.hf, FILES.rss];
    const first = JSON.parse((await cli(['import', ...files, '--format', 'auto', '--json'])).stdout) as { format: string; read: number; inserted: number; entries: { inserted: number } }[];
    assert.deepEqual(
      first.map((s) => [s.format, s.read, s.inserted, s.entries.inserted]),
      [
        ['oai', 6, 6, 0],
        ['atom', 100, 100, 0],
        ['kaggle', 200, 200, 0],
        ['hf-daily', 29, 29, 29],
        ['rss', 4, 4, 3],
      ],
    );
    const second = JSON.parse((await cli(['import', ...files, '--json'])).stdout) as { inserted: number }[];
    assert.deepEqual(
      second.map((s) => s.inserted),
      [0, 0, 0, 0, 0],
    );
    const plain = (await cli(['import', FILES.rss])).stdout;
    assert.match(plain, /\[rss\]: read 4, inserted 0, updated 0, skipped 4, errors 0/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
