// `jobs list|retry|cancel|probe` against each database, through the real CLI.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { instanceEnv, runCli, startServe } from './ops-child.ts';

for (const dbk of databases) {
  describe(`jobs command (${dbk.name})`, () => {
    let pb: TestInstance;
    let env: Record<string, string>;
    let dead: number;
    let queued: number;
    before(async () => {
      pb = await dbk.open();
      env = await instanceEnv(pb);
      queued = (await pb.jobs.enqueue('t.cli.queued', { n: 1 }))!;
      dead = (await pb.jobs.enqueue('t.cli.dead', { n: 2 }, { maxAttempts: 1 }))!;
      const job = (await pb.jobs.claim('test-worker', 60_000, ['t.cli.dead']))!;
      assert.equal(await pb.jobs.fail(job, 'test-worker', 'Error: upstream said 502'), 'dead');
    });
    after(() => pb.dispose());

    it('migrate and migrate --status use the configured database and schema', async () => {
      const status = await runCli(['migrate', '--status'], env);
      assert.equal(status.code, 0, status.out);
      const body = JSON.parse(status.out) as { database: string; pending: unknown[] };
      assert.deepEqual(body.pending, [], status.out);
      if (pb.db.schema) assert.match(body.database, new RegExp(`schema ${pb.db.schema}`));
      const up = await runCli(['migrate'], env);
      assert.equal(up.code, 0, up.out);
      assert.match(up.out, /is up to date/);
    });

    it('lists jobs with counts, filters by status, and prints JSON', async () => {
      const table = await runCli(['jobs', 'list'], env);
      assert.equal(table.code, 0, table.out);
      assert.match(table.out, /queued: 1 {2}running: 0 {2}done: 0 {2}dead: 1/);
      assert.match(table.out, new RegExp(`${dead}\\s+t\\.cli\\.dead\\s+dead\\s+1/1 .*Error: upstream said 502`));
      const json = await runCli(['jobs', 'list', '--status', 'dead', '--json'], env);
      assert.equal(json.code, 0, json.out);
      const body = JSON.parse(json.out) as { counts: Record<string, number>; jobs: { id: number; name: string; payload: unknown; last_error: string }[] };
      assert.deepEqual(body.counts, { queued: 1, dead: 1 });
      assert.deepEqual(
        body.jobs.map((j) => [j.id, j.name, j.payload]),
        [[dead, 't.cli.dead', { n: 2 }]],
      );
      assert.match(body.jobs[0].last_error, /upstream said 502/);
    });

    it('retries a dead job and cancels a queued one, and says why it will not otherwise', async () => {
      const retry = await runCli(['jobs', 'retry', String(dead)], env);
      assert.equal(retry.code, 0, retry.out);
      assert.match(retry.out, new RegExp(`Job ${dead} is queued again`));
      const row = await pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', dead).executeTakeFirstOrThrow();
      assert.equal(row.status, 'queued');
      assert.equal(row.attempts, 0);
      assert.equal(row.locked_by, null);

      const again = await runCli(['jobs', 'retry', String(dead)], env);
      assert.equal(again.code, 1);
      assert.match(again.out, /is queued; only dead, cancelled or done jobs can be retried/);

      const cancel = await runCli(['jobs', 'cancel', String(queued)], env);
      assert.equal(cancel.code, 0, cancel.out);
      assert.equal((await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', queued).executeTakeFirstOrThrow()).status, 'cancelled');

      const missing = await runCli(['jobs', 'cancel', '999999'], env);
      assert.equal(missing.code, 1);
      assert.match(missing.out, /There is no job 999999/);
      const bad = await runCli(['jobs', 'list', '--status', 'sleeping'], env);
      assert.equal(bad.code, 2);
      assert.match(bad.out, /--status must be one of/);
    });

    it('probe: a running worker takes and finishes the probe job', async () => {
      const worker = await startServe('worker', env);
      try {
        const probe = await runCli(['jobs', 'probe', '--wait', '60'], env);
        assert.equal(probe.code, 0, probe.out);
        const r = JSON.parse(probe.out.trim().split('\n').pop()!) as { status: string; worker: string };
        assert.equal(r.status, 'done');
        assert.match(r.worker, new RegExp(`:${worker.proc.pid}:`));
      } finally {
        worker.proc.kill('SIGTERM');
        await worker.exited;
      }
    });
  });
}
