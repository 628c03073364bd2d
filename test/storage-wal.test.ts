// The checkpoint thread of big imports (src/storage/bulk.ts): the write-ahead log is copied into
// the database beside the writer and truncated every TRUNCATE_EVERY batches and at the end, so that
// after an import the disk holds the database once (a 1M-paper import had left a 3.0 GB log).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TRUNCATE_EVERY, WalCheckpointer } from '../src/storage/bulk.ts';

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
