// One rate limiter for every write: digest subscribe requests count in rate_limits (the table of
// votes, comments, submissions and sign-in mails); migration 0019 dropped digest_rate. Both databases.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { databases, type TestInstance } from './support/db.ts';
import { AppError } from '../src/domain/errors.ts';

for (const dbk of databases) {
  describe(`one rate limiter (${dbk.name})`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_DIGEST_SUBSCRIBE_PER_HOUR: '2', PAPERBOY_NOW: '2026-03-02T10:15:00Z' });
    });
    after(async () => {
      await pb?.dispose();
    });

    it('counts subscribe requests per client in the general limiter and refuses the third with a Retry-After', async () => {
      await pb.digest.subscriptions.limit('203.0.113.9');
      await pb.digest.subscriptions.limit('203.0.113.9');
      await pb.digest.subscriptions.limit('198.51.100.7');
      const err = await pb.digest.subscriptions.limit('203.0.113.9').catch((e: unknown) => e);
      assert.ok(err instanceof AppError, String(err));
      assert.equal(err.status, 429);
      assert.equal(err.code, 'rate_limited');
      assert.match(err.message, /Too many subscription requests/);
      // The window is the clock's hour: 45 minutes left at 10:15.
      assert.deepEqual(err.details, { retryAfterSeconds: 45 * 60 });
      const rows = await pb.db.kysely
        .selectFrom('rate_limits')
        .select(['key', 'hits'])
        .where('key', 'like', 'digest-subscribe:%')
        .orderBy('hits', 'desc')
        .execute();
      assert.deepEqual(
        rows.map((r) => Number(r.hits)),
        [3, 1],
      );
      assert.ok(
        rows.every((r) => !r.key.includes('203.0.113.9')),
        'the key holds a hash, not the address',
      );
    });

    it('the digest_rate table is gone', async () => {
      await assert.rejects(sql`select count(*) from digest_rate`.execute(pb.db.kysely), /digest_rate/);
    });
  });
}
