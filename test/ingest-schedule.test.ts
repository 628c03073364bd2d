// Scheduled syncs: slots in US Eastern time (DST included), and the worker running the RSS sync
// against a replaying server, with a failing source retried by the queue instead of crashing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { ReplayServer } from './support/replay.ts';
import { Worker } from '../src/jobs/worker.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { HF_JOB, OAI_JOB, RSS_JOB, hfFinalSlot, hfSlot, oaiSlot, registerIngestSchedules, registerIngestTasks, rssSlot } from '../src/jobs/tasks/ingest.ts';
import { eastern } from '../src/ingest/eastern.ts';
import { oaiSetFor } from '../src/ingest/sources.ts';

test('Eastern time follows daylight saving', () => {
  assert.deepEqual(eastern(new Date('2026-09-24T10:30:00Z')), { day: '2026-09-24', weekday: 4, minutes: 6 * 60 + 30 });
  assert.deepEqual(eastern(new Date('2026-12-03T10:30:00Z')), { day: '2026-12-03', weekday: 4, minutes: 5 * 60 + 30 });
  assert.equal(eastern(new Date('2026-09-24T03:00:00Z')).day, '2026-09-23');
});

test('the RSS listing is polled every 15 minutes from the announcement to the morning; HF hourly all day', () => {
  // Wednesday 20:00 EDT (00:00Z Thursday): arXiv has just announced.
  assert.equal(rssSlot(new Date('2026-09-24T00:00:00Z'), '06:00'), '2026-09-23T20:00');
  assert.equal(rssSlot(new Date('2026-09-24T00:14:59Z'), '06:00'), '2026-09-23T20:00');
  assert.equal(rssSlot(new Date('2026-09-24T00:15:00Z'), '06:00'), '2026-09-23T20:15');
  assert.equal(rssSlot(new Date('2026-09-23T23:59:00Z'), '06:00'), null); // 19:59 EDT: before the announcement
  assert.equal(rssSlot(new Date('2026-09-24T09:59:00Z'), '06:00'), '2026-09-24T05:45'); // Thursday morning
  assert.equal(rssSlot(new Date('2026-09-24T10:00:00Z'), '06:00'), null); // 06:00 EDT: the polls stop
  assert.equal(rssSlot(new Date('2026-12-03T10:30:00Z'), '06:00'), '2026-12-03T05:30'); // 05:30 EST
  assert.equal(rssSlot(new Date('2026-09-26T02:00:00Z'), '06:00'), null); // Friday evening: no announcement
  assert.equal(rssSlot(new Date('2026-09-26T15:00:00Z'), '06:00'), null); // Saturday: no listing
  assert.equal(rssSlot(new Date('2026-09-28T01:00:00Z'), '06:00'), '2026-09-27T21:00'); // Sunday evening announcement
  assert.equal(rssSlot(new Date('2026-09-24T01:07:00Z'), '06:00', 5), '2026-09-23T21:05');
  assert.equal(hfSlot(new Date('2026-09-24T16:00:00Z')), '2026-09-24T12:00');
  assert.equal(hfSlot(new Date('2026-09-24T16:59:00Z')), '2026-09-24T12:00');
  assert.equal(hfSlot(new Date('2026-09-24T17:00:00Z')), '2026-09-24T13:00');
  assert.equal(hfFinalSlot(new Date('2026-09-24T05:00:00Z'), '01:00'), '2026-09-23:final');
  assert.equal(hfFinalSlot(new Date('2026-09-24T04:59:00Z'), '01:00'), null);
  assert.equal(oaiSlot(new Date('2026-09-24T06:59:00Z')), null);
  assert.equal(oaiSlot(new Date('2026-09-24T07:00:00Z')), '2026-09-24');
  assert.equal(oaiSetFor('cs.CL'), 'cs:cs:CL');
  assert.equal(oaiSetFor('hep-th'), 'physics:hep-th');
  assert.equal(oaiSetFor('astro-ph.GA'), 'physics:astro-ph:GA');
  assert.equal(oaiSetFor('math'), 'math');
});

for (const dbk of databases) {
  describe(`ingest jobs on ${dbk.name}`, () => {
    let srv: ReplayServer;
    let pb: TestInstance;
    before(async () => {
      srv = await new ReplayServer().start();
      pb = await dbk.open({
        ...srv.sourceEnv(),
        PAPERBOY_ARXIV_GAP_MS: '20',
        PAPERBOY_HF_GAP_MS: '20',
        PAPERBOY_HTTP_BACKOFF_MS: '20',
        PAPERBOY_HTTP_RETRIES: '1',
        PAPERBOY_SYNC_CATEGORIES: 'cs.LG,cs.AI,cs.CL,stat.ML',
      });
    });
    after(async () => {
      await pb.dispose();
      await srv.close();
    });

    test('a scheduler tick enqueues each due sync once', async () => {
      const scheduler = new Scheduler(pb.jobs, pb.log);
      registerIngestSchedules(scheduler, pb);
      const now = new Date('2026-09-24T09:00:00Z'); // Thursday 05:00 EDT: RSS polls, HF's day and final, OAI
      const first = await scheduler.tick(now);
      assert.equal(first.length, 4);
      assert.equal((await scheduler.tick(now)).length, 0);
      const names = (await pb.jobs.list({ status: 'queued' })).map((j) => j.name).sort();
      assert.deepEqual(names, [HF_JOB, HF_JOB, OAI_JOB, RSS_JOB].sort());
      // No pile-ups: 15 minutes on, the next RSS slot is not enqueued while the last poll still waits.
      assert.deepEqual(await scheduler.tick(new Date('2026-09-24T09:15:00Z')), []);
      for (const id of first) await pb.jobs.cancel(id);
    });

    test('the worker runs the RSS sync; a failing source is logged and retried later', async () => {
      const worker = new Worker(pb.jobs, pb.log, { names: [RSS_JOB] });
      registerIngestTasks(worker, pb);
      // Fails: two 503s use up the one retry.
      srv.faults.push({ path: '/rss', fault: '503', retryAfter: 0 }, { path: '/rss', fault: '503', retryAfter: 0 });
      const id = (await pb.jobs.enqueue(RSS_JOB, { categories: ['cs.LG', 'cs.AI', 'cs.CL', 'stat.ML'] }))!;
      assert.equal(await worker.runOnce(), true);
      let row = (await pb.jobs.list({})).find((j) => j.id === id)!;
      assert.equal(row.status, 'queued');
      assert.equal(row.attempts, 1);
      assert.match(row.last_error ?? '', /503/);
      // Later the source is back: the retry succeeds and the day is listed.
      await pb.db.kysely
        .updateTable('jobs')
        .set({ run_at: new Date(0).toISOString() })
        .where('id', '=', id)
        .execute();
      assert.equal(await worker.runOnce(), true);
      row = (await pb.jobs.list({})).find((j) => j.id === id)!;
      assert.equal(row.status, 'done');
      const day = await pb.papers.list({ kind: 'day', day: '2026-09-24' }, { limit: 50, offset: 0 });
      assert.equal(day.total, 3);
    });
  });
}
