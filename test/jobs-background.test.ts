// Background work with syncs ON against sources that refuse connections, answer slowly, or answer
// 503: lanes keep the other jobs running, a failing source ends its attempt at once and the queue
// reschedules it (run_at), scheduled jobs do not pile up, sync health records every outcome; and a
// fresh instance in role `all` (worker in a thread) becomes whole — hybrid search, trending — while
// /healthz stays fast and the web thread's event loop is never blocked for 100 ms.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { sql } from 'kysely';
import { databases, type TestInstance } from './support/db.ts';
import { ReplayServer } from './support/replay.ts';
import { loadSomeSample } from './ops-child.ts';
import { Worker } from '../src/jobs/worker.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { registerSchedules, registerTasks } from '../src/jobs/tasks/index.ts';
import { HF_JOB, RSS_JOB } from '../src/jobs/tasks/ingest.ts';
import { TRENDING_JOB } from '../src/jobs/tasks/community.ts';
import { SEARCH_JOB, requestSearchUpkeep } from '../src/jobs/tasks/search.ts';
import { syncHealth } from '../src/jobs/sync-health.ts';
import { startRoles } from '../src/cli/serve.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { testConfig } from './support/db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs: number, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** A local port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function refusingEnv(port: number): Record<string, string> {
  const url = `http://127.0.0.1:${port}`;
  return { PAPERBOY_ARXIV_OAI_URL: `${url}/oai`, PAPERBOY_ARXIV_API_URL: `${url}/api/query`, PAPERBOY_ARXIV_RSS_URL: `${url}/rss`, PAPERBOY_HF_URL: url };
}

async function jobRow(pb: TestInstance, id: number) {
  return pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

for (const dbk of databases) {
  describe(`background jobs with syncs on (${dbk.name})`, () => {
    let srv: ReplayServer;
    before(async () => {
      srv = await new ReplayServer().start();
    });
    after(async () => {
      await srv.close();
    });

    it('a refused connection ends the sync attempt at once; the queue reschedules it; trending runs meanwhile', async () => {
      const pb = await dbk.open({ ...refusingEnv(await closedPort()), PAPERBOY_HTTP_RETRIES: '5' });
      const worker = new Worker(pb.jobs, pb.log, { pollMs: 20 });
      registerTasks(worker, pb);
      try {
        const rss = (await pb.jobs.enqueue(RSS_JOB, {}))!;
        const trending = (await pb.jobs.enqueue(TRENDING_JOB, {}))!;
        worker.start();
        await until('trending computed', async () => (await jobRow(pb, trending)).status === 'done', 20_000);
        const row = await until(
          'the sync attempt recorded',
          async () => {
            const r = await jobRow(pb, rss);
            return r.attempts === 1 && r.status === 'queued' && r;
          },
          20_000,
        );
        assert.match(row.last_error ?? '', /ECONNREFUSED/);
        // Rescheduled through run_at with the queue's backoff (10 s ±25 % on the first failure), not slept in the job.
        assert.ok(Date.parse(row.run_at) - Date.parse(row.updated_at) >= 7_000, `run_at ${row.run_at} updated ${row.updated_at}`);
        const health = (await syncHealth(pb)).find((h) => h.source === 'arxiv-rss')!;
        assert.equal(health.failures, 1);
        assert.match(health.lastError ?? '', /ECONNREFUSED/);
        assert.equal(health.lastSuccessAt, null);
        assert.equal(health.nextAttemptAt, row.run_at);
        assert.equal(health.down, false);
      } finally {
        await worker.stop();
        await pb.dispose();
      }
    });

    it('503 with a long Retry-After: one request, then the job waits in the queue until then', async () => {
      const pb = await dbk.open({ ...srv.sourceEnv(), PAPERBOY_ARXIV_GAP_MS: '0', PAPERBOY_HTTP_RETRIES: '5' });
      const worker = new Worker(pb.jobs, pb.log, { names: [RSS_JOB] });
      registerTasks(worker, pb);
      srv.always = { fault: '503', retryAfter: 300 };
      const before = srv.seen.length;
      try {
        const id = (await pb.jobs.enqueue(RSS_JOB, {}))!;
        assert.equal(await worker.runOnce(), true);
        const row = await jobRow(pb, id);
        assert.equal(srv.seen.length - before, 1, 'no retry inside the job');
        assert.equal(row.status, 'queued');
        assert.match(row.last_error ?? '', /503/);
        const wait = Date.parse(row.run_at) - Date.parse(row.updated_at);
        assert.ok(wait >= 299_000 && wait <= 301_000, `run_at honours Retry-After: ${wait} ms`);
        // Short Retry-After: retried inside the attempt, politely, and the sync succeeds.
        srv.always = undefined;
        srv.faults.push({ path: '/rss', fault: '503', retryAfter: 1 });
        await pb.db.kysely
          .updateTable('jobs')
          .set({ run_at: new Date(0).toISOString() })
          .where('id', '=', id)
          .execute();
        assert.equal(await worker.runOnce(), true);
        assert.equal((await jobRow(pb, id)).status, 'done');
        const health = (await syncHealth(pb)).find((h) => h.source === 'arxiv-rss')!;
        assert.ok(health.lastSuccessAt);
        assert.equal(health.failures, 0);
        assert.equal(health.failingSince, null);
      } finally {
        srv.always = undefined;
        await pb.dispose();
      }
    });

    it('a slow source holds only the network lane: quick and cpu jobs run while it waits, then it times out', async () => {
      const pb = await dbk.open({ ...srv.sourceEnv(), PAPERBOY_HTTP_TIMEOUT_MS: '3000', PAPERBOY_HF_GAP_MS: '0' });
      const worker = new Worker(pb.jobs, pb.log, { pollMs: 20 });
      registerTasks(worker, pb);
      srv.slowMs = 10_000;
      try {
        const hf = (await pb.jobs.enqueue(HF_JOB, { date: '2024-10-25' }))!;
        worker.start();
        await until('the HF sync waiting on the slow server', async () => srv.inFlight > 0, 10_000, 20);
        const trending = (await pb.jobs.enqueue(TRENDING_JOB, {}))!;
        const search = (await pb.jobs.enqueue(SEARCH_JOB, {}))!;
        await until(
          'trending and search upkeep done',
          async () => (await jobRow(pb, trending)).status === 'done' && (await jobRow(pb, search)).status === 'done',
          10_000,
        );
        assert.equal((await jobRow(pb, hf)).status, 'running', 'the sync still waits on the slow server');
        const row = await until(
          'the slow sync timed out',
          async () => {
            const r = await jobRow(pb, hf);
            return r.status === 'queued' && r;
          },
          20_000,
        ).catch(async (err) => {
          throw new Error(`${(err as Error).message}: ${JSON.stringify(await jobRow(pb, hf))}`);
        });
        assert.match(row.last_error ?? '', /no answer within 3 s/);
      } finally {
        srv.slowMs = 0;
        await worker.stop();
        await pb.dispose();
      }
    });

    it('no pile-ups: a schedule is not enqueued while its job is queued or running; one queued upkeep at most', async () => {
      const pb = await dbk.open({ PAPERBOY_SYNC: 'false' });
      try {
        const scheduler = new Scheduler(pb.jobs, pb.log);
        registerSchedules(scheduler, pb);
        const t0 = new Date('2026-12-01T12:00:00Z');
        await scheduler.tick(t0);
        const searchJobs = async (status: string) =>
          Number(
            (
              await pb.db.kysely
                .selectFrom('jobs')
                .select(sql<number>`count(*)`.as('n'))
                .where('name', '=', SEARCH_JOB)
                .where('status', '=', status)
                .executeTakeFirstOrThrow()
            ).n,
          );
        assert.equal(await searchJobs('queued'), 1);
        // 20 slots of 10 s later, the first run still waits: nothing more is queued.
        for (let i = 1; i <= 20; i++) await scheduler.tick(new Date(t0.getTime() + i * 10_000));
        assert.equal(await searchJobs('queued'), 1);
        // Running (leased): the schedule waits for it to finish; an import's request queues one run.
        const claimed = await pb.jobs.claim('test-worker', 60_000, [SEARCH_JOB]);
        assert.ok(claimed);
        await scheduler.tick(new Date(t0.getTime() + 300_000));
        assert.equal(await searchJobs('queued'), 0);
        for (let i = 0; i < 3; i++) await requestSearchUpkeep(pb, `test:${i}`);
        assert.equal(await searchJobs('queued'), 1);
        assert.equal(await searchJobs('running'), 1);
      } finally {
        await pb.dispose();
      }
    });

    it('a fresh instance in role all becomes whole with syncs on and no network; HTTP never waits on the worker', { timeout: 600_000 }, async (t) => {
      const pb = await dbk.open({ ...refusingEnv(await closedPort()), PAPERBOY_SCHEDULER_TICK_SECONDS: '1', PAPERBOY_SEARCH_SYNC_MS: '1000' });
      await loadSomeSample(pb, 1500);
      const schema = pb.db.dialect === 'postgres' ? (await sql<{ s: string }>`select current_schema() as s`.execute(pb.db.kysely)).rows[0].s : undefined;
      const running = await startRoles(pb, 'all', { workerThread: true, schema });
      // Measured once the server listens (start-up itself is not the worker's doing).
      const eld = monitorEventLoopDelay({ resolution: 10 });
      eld.enable();
      const started = Date.now();
      // When the longest stalls happened, for the diagnostic.
      const stalls: string[] = [];
      let tick = performance.now();
      const stallTimer = setInterval(() => {
        const now = performance.now();
        if (now - tick > 120) stalls.push(`${Math.round(now - tick)} ms at ${((Date.now() - started) / 1000).toFixed(1)} s`);
        tick = now;
      }, 20);
      let healthMax = 0;
      let stop = false;
      const prober = (async () => {
        while (!stop) {
          const t0 = performance.now();
          const r = await fetch(`${running.url}/healthz`);
          await r.arrayBuffer();
          healthMax = Math.max(healthMax, performance.now() - t0);
          await sleep(100);
        }
      })();
      try {
        const first = await fetch(`${running.url}/search?q=${encodeURIComponent('language models')}`);
        const firstBody = await first.text();
        // Until the model is ready the page says, in plain words, that it matches words only.
        if (!(await pb.search.models.latest())) assert.match(firstBody, /Matching your words only: search by meaning is still being prepared/);
        await until(
          'hybrid search',
          async () => (await fetch(`${running.url}/api/papers/search?q=${encodeURIComponent('attention heads')}`)).headers.get('x-search-mode') === 'hybrid',
          480_000,
          500,
        );
        const hybridAfter = Date.now() - started;
        const done = async (name: string) =>
          Number(
            (
              await pb.db.kysely
                .selectFrom('jobs')
                .select(sql<number>`count(*)`.as('n'))
                .where('name', '=', name)
                .where('status', '=', 'done')
                .executeTakeFirstOrThrow()
            ).n,
          );
        await until('trending computed', async () => (await done(TRENDING_JOB)) > 0, 30_000);
        const queued = Number(
          (
            await pb.db.kysely
              .selectFrom('jobs')
              .select(sql<number>`count(*)`.as('n'))
              .where('name', '=', SEARCH_JOB)
              .where('status', '=', 'queued')
              .executeTakeFirstOrThrow()
          ).n,
        );
        const health = await syncHealth(pb);
        stop = true;
        await prober;
        eld.disable();
        clearInterval(stallTimer);
        if (stalls.length) t.diagnostic(`stalls over 120 ms: ${stalls.join(', ')}`);
        const p99 = eld.percentile(99) / 1e6;
        const max = eld.max / 1e6;
        t.diagnostic(
          `hybrid after ${(hybridAfter / 1000).toFixed(1)} s; /healthz max ${healthMax.toFixed(1)} ms; web event loop delay p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms`,
        );
        assert.ok(queued <= 2, `${queued} search.maintain queued`);
        assert.ok(healthMax < 1000, `/healthz took ${healthMax} ms`);
        // p99, not max: on a shared 2-core test machine the OS alone deschedules a busy thread for
        // 100–200 ms now and then (the same figures with the worker in a child process); the bench
        // (npm run bench -- http --during-training) reports the max on a quiet machine.
        assert.ok(p99 < 100, `the web thread's event loop delay p99 was ${p99} ms`);
        assert.ok(
          health.some((h) => h.failures > 0 && /ECONNREFUSED/.test(h.lastError ?? '')),
          'the refused syncs are recorded',
        );
      } finally {
        stop = true;
        clearInterval(stallTimer);
        await prober;
        await running.stop();
        await pb.dispose();
      }
    });
  });
}

it('the worker thread opens its own connection to the same database, counts and times its jobs in /metrics and stops cleanly', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-thread-'));
  const cfg = testConfig({ PAPERBOY_DATA_DIR: dir, PAPERBOY_SYNC: 'false' });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent') });
  const running = await startRoles(pb, 'all', { workerThread: true });
  // The registry is the process's: other tests may have counted probes already.
  const scrape = async (re: RegExp) => Number(re.exec(await (await fetch(`${running.url}/metrics`)).text())?.[1] ?? 0);
  const probesDone = () => scrape(/^paperboy_jobs_run_total\{name="ops\.probe",outcome="done"\} (\d+)$/m);
  const probesTimed = () => scrape(/^paperboy_job_duration_seconds_count\{name="ops\.probe",outcome="done"\} (\d+)$/m);
  try {
    assert.match(running.workerId ?? '', /:\d+:[0-9a-f]{6}$/);
    const before = await probesDone();
    const timedBefore = await probesTimed();
    const id = (await pb.jobs.enqueue('ops.probe', { ms: 0 }))!;
    await until(
      'the probe done by the thread',
      async () => (await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done',
      30_000,
    );
    // The thread's counter reaches the web process's /metrics (posted to the main thread).
    await until('the probe counted on /metrics', async () => (await probesDone()) === before + 1, 10_000);
    // And its duration, observed in the thread, in the web process's histogram.
    await until('the probe timed on /metrics', async () => (await probesTimed()) === timedBefore + 1, 10_000);
  } finally {
    await running.stop();
    await pb.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
