// The checkpoint thread of big imports (src/storage/bulk.ts): the write-ahead log is copied into
// the database beside the writer and truncated every TRUNCATE_EVERY batches and at the end, so that
// after an import the disk holds the database once (a 1M-paper import had left a 3.0 GB log). And a
// transaction that reads before it writes waits for another connection's write lock instead of failing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { TRUNCATE_EVERY, WalCheckpointer } from '../src/storage/bulk.ts';
import { openSqlite } from '../src/storage/db.ts';

const walBytes = (file: string) => (existsSync(`${file}-wal`) ? statSync(`${file}-wal`).size : 0);

test('a big import through the checkpoint thread leaves an empty write-ahead log and every row in the database', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-wal-'));
  const file = join(dir, 'x.db');
  const db = new Database(file);
  try {
    db.pragma('journal_mode = wal');
    db.pragma('busy_timeout = 5000');
    db.exec('create table t (id integer primary key, body text)');
    const cp = new WalCheckpointer(db);
    cp.start();
    assert.equal(Number(db.pragma('wal_autocheckpoint', { simple: true })), 0, 'the connection leaves checkpoints to the thread');
    const ins = db.prepare('insert into t (body) values (?)');
    const body = 'x'.repeat(2000);
    const batches = TRUNCATE_EVERY * 2 + 3;
    for (let b = 0; b < batches; b++) {
      db.transaction(() => {
        for (let i = 0; i < 500; i++) ins.run(body + b + i);
      })();
      cp.kick();
    }
    await cp.stop();
    assert.equal(walBytes(file), 0, 'the log is truncated at the end');
    assert.equal(Number(db.pragma('wal_autocheckpoint', { simple: true })), 1000, 'checkpointing is handed back to the connection');
    // Every row is in the database file itself: another connection reads them with the log gone.
    db.close();
    const again = new Database(file, { readonly: true });
    assert.equal(again.prepare('select count(*) from t').pluck().get(), batches * 500);
    again.close();
  } finally {
    if (db.open) db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a transaction that reads, then writes, waits while another connection holds the write lock (it does not fail with SQLITE_BUSY)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-wal-'));
  const file = join(dir, 'x.db');
  const db = openSqlite(file);
  try {
    db.sqlite!.exec('create table t (x integer)');
    // Another connection, in another thread (as the worker thread or the checkpoint thread), takes
    // the write lock and keeps it a moment.
    const holder = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const db = new (require(workerData.lib))(workerData.file);
       db.exec('begin immediate');
       db.exec('insert into t values (1)');
       parentPort.postMessage('locked');
       setTimeout(() => { db.exec('commit'); db.close(); parentPort.postMessage('released'); }, 400);`,
      { eval: true, workerData: { lib: createRequire(import.meta.url).resolve('better-sqlite3'), file } },
    );
    assert.equal((await once(holder, 'message'))[0], 'locked');
    // Begun DEFERRED, the read would take a snapshot and the insert would fail at once.
    const seen = await db.kysely.transaction().execute(async (trx) => {
      const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(trx);
      await sql`insert into t values (2)`.execute(trx);
      return rows[0].n;
    });
    assert.equal(seen, 1, 'the transaction began after the other one committed');
    assert.deepEqual(db.sqlite!.prepare('select x from t order by x').pluck().all(), [1, 2]);
    await once(holder, 'exit');
  } finally {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
