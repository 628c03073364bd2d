// Faults: a worker killed with SIGKILL in the middle of a job. Its lease runs out, another worker
// takes the job, and every job ends done exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { instanceEnv, startServe } from './ops-child.ts';
import { PROBE_JOB } from '../src/jobs/tasks/ops.ts';

const LEASE_SECONDS = '3';

async function until(fn: () => Promise<boolean>): Promise<void> {
  while (!(await fn())) await new Promise((r) => setTimeout(r, 100));
}

for (const dbk of databases) {
  describe(`worker killed mid-job (${dbk.name})`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(() => pb.dispose());

    it('kill -9 a worker with a job in hand: another worker finishes every job once', async () => {
      const env = { ...(await instanceEnv(pb)), PAPERBOY_JOB_LEASE_SECONDS: LEASE_SECONDS };
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push((await pb.jobs.enqueue(PROBE_JOB, { ms: 1200 }))!);
      const first = await startServe('worker', env);
      const jobs = () => pb.db.kysely.selectFrom('jobs').selectAll().where('id', 'in', ids).orderBy('id').execute();
      // Kill it once it has finished one job and holds the next.
      await until(async () => {
        const rows = await jobs();
        return rows.some((r) => r.status === 'done') && rows.some((r) => r.status === 'running');
      });
      first.proc.kill('SIGKILL');
      await first.exited;
      const orphan = (await jobs()).find((r) => r.status === 'running')!;
      assert.match(orphan.locked_by!, new RegExp(`:${first.proc.pid}:`));

      const second = await startServe('worker', env);
      try {
        await until(async () => (await jobs()).every((r) => r.status === 'done'));
      } finally {
        second.proc.kill('SIGTERM');
        await second.exited;
      }
      const rows = await jobs();
      for (const r of rows) {
        assert.equal(r.status, 'done');
        assert.equal(r.finished_at !== null, true);
        // The orphan ran twice (the killed attempt and the finished one); every other job once.
        assert.equal(r.attempts, r.id === orphan.id ? 2 : 1, `job ${r.id}`);
      }
      const byFirst = rows.filter((r) => r.locked_by!.includes(`:${first.proc.pid}:`)).length;
      const bySecond = rows.filter((r) => r.locked_by!.includes(`:${second.proc.pid}:`)).length;
      assert.ok(byFirst >= 1 && bySecond >= 1 && byFirst + bySecond === rows.length);
      assert.equal((await pb.jobs.counts()).running ?? 0, 0);
    });
  });
}
