// The error catalogue and the one database-outage classifier (unit level, with real driver errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { AppError, ERROR_CATALOGUE, appError, codeForStatus, errors } from '../src/domain/errors.ts';
import { isDatabaseOutage } from '../src/storage/outage.ts';

test('every error the catalogue helpers make carries the catalogue status of its code', () => {
  const made = [
    errors.badRequest('x'),
    errors.unauthorized(),
    errors.forbidden(),
    errors.notFound(),
    errors.conflict('x'),
    errors.rateLimited('x', 3),
    errors.unavailable(),
    errors.methodNotAllowed('x'),
    errors.csrf(),
    errors.linkInvalid(),
    errors.linkUsed(),
    errors.linkExpired(),
  ];
  for (const e of made) {
    assert.ok(e instanceof AppError);
    assert.equal(e.status, ERROR_CATALOGUE[e.code].status, e.code);
  }
  assert.deepEqual(errors.rateLimited('slow down', 7).details, { retryAfterSeconds: 7 });
  assert.equal(appError('already_listed', 'x').status, 409);
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    assert.match(code, /^[a-z_]+$/);
    assert.ok(status >= 400 && status < 600, code);
  }
  assert.equal(codeForStatus(429), 'rate_limited');
  assert.equal(codeForStatus(413), 'too_large');
  assert.equal(codeForStatus(415), 'unsupported_media_type');
  assert.equal(codeForStatus(422), 'bad_request');
  assert.equal(codeForStatus(502), 'internal');
});

test('a refused PostgreSQL connection and a locked SQLite file are outages; a bad query is not', async () => {
  const refused = await new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:1/test', connectionTimeoutMillis: 2000 })
    .connect()
    .catch((e: unknown) => e);
  assert.ok(isDatabaseOutage(refused), String(refused));

  const dir = mkdtempSync(join(tmpdir(), 'paperboy-outage-'));
  try {
    const a = new SQLite(join(dir, 'x.db'));
    const b = new SQLite(join(dir, 'x.db'), { timeout: 10 });
    a.exec('create table t (x int)');
    a.exec('begin exclusive');
    let busy: unknown;
    try {
      b.prepare('select * from t').all();
    } catch (err) {
      busy = err;
    }
    assert.ok(busy, 'the second connection waits past its timeout');
    assert.ok(isDatabaseOutage(busy), String(busy));
    let bad: unknown;
    try {
      a.prepare('select nope from t').all();
    } catch (err) {
      bad = err;
    }
    assert.ok(bad && !isDatabaseOutage(bad), String(bad));
    a.exec('rollback');
    a.close();
    b.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(isDatabaseOutage(new Error('duplicate key value violates unique constraint')), false);
  assert.equal(isDatabaseOutage(undefined), false);
  assert.equal(isDatabaseOutage({ code: '57P01', message: 'terminating connection due to administrator command' }), true);
});
