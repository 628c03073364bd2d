// Graceful shutdown of a real `serve --role all` process: SIGTERM while a job runs lets the job
// finish, closes the server, and exits 0; past the deadline the lease is given back.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { instanceEnv, startServe } from './ops-child.ts';
import { PROBE_JOB } from '../src/jobs/tasks/ops.ts';

async function waitStatus(pb: TestInstance, id: number, status: string): Promise<void> {
  for (;;) {
    const r = await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow();
    if (r.status === status) return;
    await new Promise((res) => setTimeout(res, 50));
  }
}

for (const dbk of databases) {
  describe(`graceful shutdown (${dbk.name})`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(() => pb.dispose());

    it('finishes the job in hand on SIGTERM, closes the server and exits 0', async () => {
      const child = await startServe('all', await instanceEnv(pb));
      assert.ok(child.url, 'the server printed its address');
      const health = await fetch(`${child.url}/healthz`);
      assert.equal(health.status, 200);
      const id = (await pb.jobs.enqueue(PROBE_JOB, { ms: 2500 }))!;
      await waitStatus(pb, id, 'running');
      child.proc.kill('SIGTERM');
      const { code } = await child.exited;
      assert.equal(code, 0, child.output().slice(-2000));
      const job = await pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(job.status, 'done');
      assert.equal(job.attempts, 1);
      // Every log line is JSON, and the shutdown is told in order.
      const lines = child.output().trim().split('\n').map((l) => JSON.parse(l) as { msg: string; job?: number });
      const msgs = lines.map((l) => l.msg);
      const ours = lines.findIndex((l) => l.msg === 'job done' && l.job === id);
      assert.ok(msgs.indexOf('shutting down') < ours, msgs.join(' | '));
      assert.ok(ours < msgs.indexOf('stopped'), msgs.join(' | '));
      await assert.rejects(fetch(`${child.url}/healthz`), 'nothing listens any more');
    });

    it('gives the lease back when the job outlasts the shutdown deadline', async () => {
      const child = await startServe('worker', { ...(await instanceEnv(pb)), PAPERBOY_SHUTDOWN_TIMEOUT_MS: '1000' });
      const id = (await pb.jobs.enqueue(PROBE_JOB, { ms: 60_000 }))!;
      await waitStatus(pb, id, 'running');
      child.proc.kill('SIGTERM');
      const { code } = await child.exited;
      assert.equal(code, 1, 'a forced stop says so in its exit code');
      const job = await pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      assert.equal(job.status, 'queued', 'another worker may take it at once');
      assert.equal(job.locked_by, null);
      assert.equal(job.lease_until, null);
      assert.match(child.output(), /shutdown deadline passed/);
    });
  });
}
