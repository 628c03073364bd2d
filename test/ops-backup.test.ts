// SQLite backup and restore through the real CLI, and migrate-data from SQLite to PostgreSQL.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { databases, PG_URL, type TestInstance } from './support/db.ts';
import { instanceEnv, loadSomeSample, runCli, startServe } from './ops-child.ts';
import { openDb, SQLITE_PAGE_SIZE } from '../src/storage/db.ts';
import { sqliteTablesInFkOrder } from '../src/storage/migrate-data.ts';

const sqlite = databases.find((d) => d.name === 'sqlite')!;

async function tableCounts(db: { sqlite?: import('better-sqlite3').Database }, tables: string[]): Promise<Record<string, number>> {
  return Object.fromEntries(tables.map((t) => [t, (db.sqlite!.prepare(`select count(*) as n from "${t}"`).get() as { n: number }).n]));
}

describe('backup and restore (sqlite)', () => {
  let pb: TestInstance;
  let work: string;
  before(async () => {
    pb = await sqlite.open();
    await loadSomeSample(pb, 200);
    work = mkdtempSync(join(tmpdir(), 'paperboy-backup-'));
  });
  after(async () => {
    await pb.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  it('backs up a live database and restores it into an empty instance', async () => {
    const file = join(work, 'nightly.db');
    const env = await instanceEnv(pb);
    // The instance keeps serving while the backup runs.
    const web = await startServe('web', env);
    try {
      const b = await runCli(['backup', file], env);
      assert.equal(b.code, 0, b.out);
      const info = JSON.parse(b.out.trim().split('\n').pop()!) as { backup: string; bytes: number; pages: number };
      assert.equal(info.backup, file);
      assert.ok(info.bytes > 0 && info.pages > 0);
      assert.equal((await fetch(`${web.url}/healthz`)).status, 200);
    } finally {
      web.proc.kill('SIGTERM');
      await web.exited;
    }
    assert.ok(!existsSync(`${file}.partial`));

    const fresh = join(work, 'fresh');
    const r = await runCli(['restore', file], { PAPERBOY_DATA_DIR: fresh });
    assert.equal(r.code, 0, r.out);
    const restored = openDb({ dataDir: fresh });
    try {
      const tables = sqliteTablesInFkOrder(pb.db.sqlite!);
      assert.deepEqual(await tableCounts(restored, tables), await tableCounts(pb.db, tables));
      assert.ok((await tableCounts(restored, ['papers'])).papers > 200);
    } finally {
      await restored.close();
    }
  });

  it('refuses to overwrite data, or a running instance, without --force', async () => {
    const file = join(work, 'second.db');
    const env = await instanceEnv(pb);
    assert.equal((await runCli(['backup', file], env)).code, 0);

    const over = await runCli(['restore', file], env);
    assert.equal(over.code, 1);
    assert.match(over.out, /Refusing to overwrite .*holds \d+ papers/);

    const web = await startServe('web', env);
    try {
      const running = await runCli(['restore', file], env);
      assert.equal(running.code, 1);
      assert.match(running.out, new RegExp(`Refusing to restore: Paperboy is running on .*pid ${web.proc.pid}`));
      // With --force, the running instance sees the restored data at once (the backup API writes through SQLite's locks).
      await pb.db.kysely.deleteFrom('daily_entries').execute();
      assert.equal((await (await fetch(`${web.url}/api/daily_papers?limit=5`)).json() as unknown[]).length, 0);
      const forced = await runCli(['restore', file, '--force'], env);
      assert.equal(forced.code, 0, forced.out);
      assert.equal((await (await fetch(`${web.url}/api/daily_papers?limit=5`)).json() as unknown[]).length, 5);
    } finally {
      web.proc.kill('SIGTERM');
      await web.exited;
    }
  });

  it('restores a backup with 4 KB pages (databases made before 16 KB pages) into a 16 KB database', async () => {
    const file = join(work, 'small-pages.db');
    const live = pb.db.sqlite!;
    live.pragma('page_size = 4096');
    try {
      live.exec(`vacuum into '${file.replace(/'/g, "''")}'`);
    } finally {
      live.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
    }
    const dir = join(work, 'big-pages');
    const target = openDb({ dataDir: dir });
    assert.equal(target.sqlite!.pragma('page_size', { simple: true }), SQLITE_PAGE_SIZE);
    target.sqlite!.exec('create table placeholder (x)');
    await target.close();

    const r = await runCli(['restore', file], { PAPERBOY_DATA_DIR: dir });
    assert.equal(r.code, 0, r.out);
    const restored = openDb({ dataDir: dir });
    try {
      assert.equal(restored.sqlite!.pragma('page_size', { simple: true }), 4096);
      assert.equal(String(restored.sqlite!.pragma('journal_mode', { simple: true })), 'wal');
      assert.deepEqual(await tableCounts(restored, ['papers', 'authors']), await tableCounts(pb.db, ['papers', 'authors']));
    } finally {
      await restored.close();
    }
  });

  it('refuses a file that is not a Paperboy backup', async () => {
    const junk = join(work, 'junk.db');
    writeFileSync(junk, 'not a database at all, just text that is long enough to look like a header');
    const r = await runCli(['restore', junk], { PAPERBOY_DATA_DIR: join(work, 'junk-target') });
    assert.equal(r.code, 1);
    assert.match(r.out, /Cannot restore: .*(not an SQLite database|could not be read|file is not a database)/);
  });
});

describe('migrate-data sqlite → postgres', { skip: !PG_URL && 'DATABASE_URL_TEST is not set' }, () => {
  let pb: TestInstance;
  let schema: string;
  let admin: pg.Client;
  before(async () => {
    pb = await sqlite.open();
    await loadSomeSample(pb, 1500);
    await pb.jobs.enqueue('t.moved', { a: 1 }, { uniqueKey: 'moved-once' });
    schema = `t_mig_${randomBytes(4).toString('hex')}`;
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
  });
  after(async () => {
    await pb.dispose();
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  });

  it('copies every table, is idempotent on a re-run, and moves the sequences past the copied ids', async () => {
    const file = join(pb.dataDir, 'paperboy.db');
    const args = ['migrate-data', '--from', `sqlite:${file}`, '--to', PG_URL!, '--schema', schema, '--batch', '400'];
    const first = await runCli(args, {});
    assert.equal(first.code, 0, first.out);
    const report = JSON.parse(first.out.slice(first.out.indexOf('{\n'))) as {
      tables: { table: string; source: number; copied: number; target: number }[];
      sequences: Record<string, number>;
    };
    const tables = sqliteTablesInFkOrder(pb.db.sqlite!);
    const expected = await tableCounts(pb.db, tables);
    const inPg = async () => {
      const out: Record<string, number> = {};
      for (const t of tables) {
        const has = await admin.query(`select 1 from information_schema.tables where table_schema = $1 and table_name = $2`, [schema, t]);
        if (has.rowCount) out[t] = Number((await admin.query(`select count(*) as n from ${schema}."${t}"`)).rows[0].n);
      }
      return out;
    };
    const counts = await inPg();
    for (const t of report.tables) {
      assert.equal(counts[t.table], expected[t.table], `${t.table} row count`);
      assert.equal(t.copied, expected[t.table]);
    }
    assert.ok(counts.papers > 1500 && counts.paper_authors > counts.papers && counts.jobs === 1);
    // Papers come before the rows that point at them.
    const order = report.tables.map((t) => t.table);
    assert.ok(order.indexOf('papers') < order.indexOf('paper_authors') && order.indexOf('authors') < order.indexOf('paper_authors'));

    // Same rows, same values, including ids.
    const one = pb.db.sqlite!.prepare('select id, arxiv_id, title, authors_json from papers order by id desc limit 1').get() as Record<string, unknown>;
    const same = await admin.query(`select id, arxiv_id, title, authors_json from ${schema}.papers where id = $1`, [one.id]);
    assert.deepEqual(same.rows[0], one);

    const second = await runCli(args, {});
    assert.equal(second.code, 0, second.out);
    const again = JSON.parse(second.out.slice(second.out.indexOf('{\n'))) as { tables: { copied: number }[] };
    assert.ok(again.tables.every((t) => t.copied === 0), 'a re-run copies nothing twice');
    assert.deepEqual(await inPg(), counts);

    // A new row on PostgreSQL gets a fresh id, not a clash with a copied one.
    const maxId = Number((await admin.query(`select max(id) as m from ${schema}.jobs`)).rows[0].m);
    const ins = await admin.query(
      `insert into ${schema}.jobs (name, payload_json, status, priority, run_at, attempts, max_attempts, created_at, updated_at)
       values ('t.after', '{}', 'queued', 0, now()::text, 0, 5, now()::text, now()::text) returning id`,
    );
    assert.equal(ins.rows[0].id, maxId + 1);
    assert.equal(report.sequences['jobs.id'], maxId + 1);

    // And a Paperboy on the target serves the moved instance.
    const web = await startServe('web', { PAPERBOY_DATA_DIR: pb.dataDir, DATABASE_URL: PG_URL!, DATABASE_SCHEMA: schema });
    try {
      const res = await fetch(`${web.url}/api/papers/${encodeURIComponent(String(one.arxiv_id))}`);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as { title: string }).title, one.title);
    } finally {
      web.proc.kill('SIGTERM');
      await web.exited;
    }
  });
});
