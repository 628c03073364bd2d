import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, type TestInstance } from './support/db.ts';
import { fixture, ROOT } from './support/paths.ts';
import { detectFormat } from '../src/ingest/formats.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';
import { parseHfDailyFile } from '../src/ingest/hf-daily.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';

const run = promisify(execFile);

for (const dbk of databases) {
  describe(`importer on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(async () => {
      await pb.dispose();
    });

    test('importing the same JSON lines twice inserts nothing the second time', async () => {
      const file = fixture('jsonl', 'sample-50.jsonl');
      const first = await pb.importer.run('jsonl', file, parseJsonl(file));
      assert.equal(first.read, 50);
      assert.equal(first.inserted, 50);
      assert.equal(first.errors, 0);
      const second = await pb.importer.run('jsonl', file, parseJsonl(file));
      assert.equal(second.inserted, 0);
      assert.equal(second.updated, 0);
      assert.equal(second.skipped, 50);
      assert.equal(await pb.stores.papers.count(), 50);
      const log = await pb.stores.ingestLog.recent(2);
      assert.equal(log[0].status, 'done');
      assert.equal(log[0].skipped, 50);
    });

    test('a broken line in the middle is counted as one error and every good line imports', async () => {
      const file = fixture('jsonl', 'broken-line.jsonl');
      const s = await pb.importer.run('jsonl', file, parseJsonl(file));
      assert.equal(s.read, 11);
      assert.equal(s.errors, 1);
      assert.equal(s.inserted, 10);
      assert.match(s.errorSamples[0], /line 6/);
    });

    test('the HF daily fixture becomes the list of 2024-10-25 ordered by upvotes', async () => {
      const s = await pb.importer.run('hf', 'fixture', await parseHfDailyFile(fixture('hf', 'daily-papers-2024-10-25.json')));
      assert.equal(s.read, 29);
      assert.equal(s.entries.inserted, 29);
      const list = await pb.papers.list({ kind: 'day', day: '2024-10-25' }, { limit: 100, offset: 0 });
      assert.equal(list.total, 29);
      const ups = list.items.map((i) => i.upvotes);
      assert.deepEqual(ups, [...ups].sort((a, b) => b - a));
      assert.equal(list.items[0].paper.arxivId, '2410.17243');
      assert.equal(ups[0], 64);
    });
  });
}

test('formats are detected from the first bytes', async () => {
  assert.equal((await detectFormat(fixture('jsonl', 'sample-50.jsonl')))?.name, 'jsonl');
  assert.equal((await detectFormat(fixture('hf', 'daily-papers-2024-10-25.json')))?.name, 'hf-daily');
  assert.equal((await detectFormat(SAMPLE_FILES.arxiv))?.name, 'jsonl');
});

test('the bundled sample holds the 9,437 real papers and places dated ones on arXiv listing days', async () => {
  let n = 0;
  let dated = 0;
  for await (const item of parseJsonl(SAMPLE_FILES.arxiv, { daily: true })) {
    assert.equal(item.kind, 'paper');
    n++;
    if (item.kind === 'paper' && item.entry) {
      dated++;
      // Announcements fall on weekdays.
      const wd = new Date(`${item.entry.day}T00:00:00Z`).getUTCDay();
      assert.ok(wd >= 1 && wd <= 5, item.entry.day);
    }
  }
  assert.equal(n, 9437);
  assert.equal(dated, 4035);
});

test('the import CLI prints a JSON summary and exits 0', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-cli-'));
  try {
    const env = { ...process.env, PAPERBOY_DATA_DIR: dataDir, LOG_LEVEL: 'silent', DATABASE_URL: '' };
    const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), ...args], { env, cwd: ROOT });
    const a = JSON.parse((await cli(['import', fixture('jsonl', 'broken-line.jsonl'), '--json'])).stdout);
    assert.equal(a.inserted, 10);
    assert.equal(a.errors, 1);
    const b = JSON.parse((await cli(['import', fixture('jsonl', 'broken-line.jsonl'), '--json'])).stdout);
    assert.equal(b.inserted, 0);
    const plain = (await cli(['import', fixture('jsonl', 'sample-50.jsonl')])).stdout;
    assert.match(plain, /read 50, inserted 50, updated 0, skipped 0, errors 0/);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
