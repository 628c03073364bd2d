// Faults: a worker killed with SIGKILL in the middle of a job. Its lease runs out, another worker
// takes the job, and every job ends done exactly once.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { instanceEnv, startServe } from './ops-child.ts';
import { PROBE_JOB } from '../src/jobs/tasks/ops.ts';
import { OAI_JOB } from '../src/jobs/tasks/ingest.ts';
import { ReplayServer } from './support/replay.ts';
import { fixture } from './support/paths.ts';
import { readFileSync } from 'node:fs';
import { SMTPServer } from 'smtp-server';
import { loadHfDay } from './digest-smtp.ts';
import { until } from './support/until.ts';
import { listenOnLoopback } from './support/server.ts';

/** A real SMTP server on loopback that records recipients and can hold one message unanswered. */
async function smtpSink(hold: (n: number) => boolean, onHold: () => void) {
  const received: string[][] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((a) => a.address.toLowerCase()));
        // Delivered, but the sender never hears "250": the hardest point to be killed at.
        if (hold(received.length)) return onHold();
        cb();
      });
    },
  });
  // The killed worker resets its connection: expected here, not a test failure.
  server.on('error', () => {});
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    to: (e: string) => received.filter((r) => r.includes(e)),
    close,
  };
}

const LEASE_SECONDS = '3';


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
      // The quick lane runs two jobs at once (src/jobs/lanes.ts), so the killed worker may hold two.
      const orphans = (await jobs()).filter((r) => r.status === 'running');
      assert.ok(orphans.length >= 1);
      for (const o of orphans) assert.match(o.locked_by!, new RegExp(`:${first.proc.pid}:`));
      const orphanIds = new Set(orphans.map((o) => o.id));

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
        // An orphan ran twice (the killed attempt and the finished one); every other job once.
        assert.equal(r.attempts, orphanIds.has(r.id) ? 2 : 1, `job ${r.id}`);
      }
      const byFirst = rows.filter((r) => r.locked_by!.includes(`:${first.proc.pid}:`)).length;
      const bySecond = rows.filter((r) => r.locked_by!.includes(`:${second.proc.pid}:`)).length;
      assert.ok(byFirst >= 1 && bySecond >= 1 && byFirst + bySecond === rows.length);
      assert.equal((await pb.jobs.counts()).running ?? 0, 0);
    });

    it('kill -9 a worker mid OAI harvest: the next worker resumes from the saved token, no paper lost or doubled', async () => {
      const srv = await new ReplayServer().start();
      try {
        const env = {
          ...(await instanceEnv(pb)),
          PAPERBOY_JOB_LEASE_SECONDS: LEASE_SECONDS,
          PAPERBOY_SYNC: 'false',
          PAPERBOY_ARXIV_OAI_URL: `${srv.url}/oai`,
          PAPERBOY_ARXIV_GAP_MS: '50',
          PAPERBOY_HTTP_BACKOFF_MS: '50',
        };
        const expected = [...readFileSync(fixture('arxiv-oai', 'list-records-arxivraw.xml'), 'utf8').matchAll(/<id>([^<]+)<\/id>/g)].map((m) => m[1]).sort();
        const before = await pb.stores.papers.count();
        const id = (await pb.jobs.enqueue(OAI_JOB, { from: '2014-10-01', categories: ['cs.CL'] }))!;
        // The worker is killed while it waits for page 2: page 1 is committed with its token.
        const held = new Promise<void>((resolve) => (srv.onHeld = resolve));
        srv.holdToken = 't1';
        const first = await startServe('worker', env);
        await held;
        first.proc.kill('SIGKILL');
        await first.exited;
        const mid = await pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(mid.status, 'running', JSON.stringify(mid) + first.output().slice(-3000));
        assert.equal((await pb.stores.papers.count()) - before, 2, 'page 1 (2 records) was committed before the kill');

        const second = await startServe('worker', env);
        try {
          await until(async () => (await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status === 'done');
        } finally {
          second.proc.kill('SIGTERM');
          await second.exited;
        }
        const job = await pb.db.kysely.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        assert.equal(job.attempts, 2);
        assert.match(job.locked_by!, new RegExp(`:${second.proc.pid}:`));
        const rows = await pb.db.kysely.selectFrom('papers').select('arxiv_id').where('arxiv_id', 'in', expected).orderBy('arxiv_id').execute();
        assert.deepEqual(rows.map((r) => r.arxiv_id), expected, 'every record once');
        assert.equal((await pb.stores.papers.count()) - before, expected.length);
        // Resumed, not restarted: the first page was fetched once, then t1 (held, then answered) and t2.
        const oai = srv.seen.filter((r) => r.path === '/oai');
        assert.equal(oai.filter((r) => !r.query.get('resumptionToken')).length, 1);
        assert.deepEqual(oai.map((r) => r.query.get('resumptionToken')).filter(Boolean), ['t1', 't1', 't2']);
      } finally {
        await srv.close();
      }
    });

    it('kill -9 a worker mid digest send: the next worker finishes, exactly one mail per subscriber', async () => {
      let killFirst = () => {};
      let holding = true;
      const smtp = await smtpSink((n) => holding && n === 8, () => killFirst());
      const env = {
        ...(await instanceEnv(pb)),
        PAPERBOY_JOB_LEASE_SECONDS: LEASE_SECONDS,
        SMTP_URL: smtp.url,
        PAPERBOY_BASE_URL: 'https://papers.example.org',
        DIGEST_RATE: '40',
        DIGEST_LEASE_SECONDS: '1',
        // One connection: the kill lands while the only message in flight is complete at the server.
        // With two, the other lane can be between its "committing" record and its final "." (a
        // window of one database write, where the mail is recorded as delivered but never was).
        DIGEST_CONNECTIONS: '1',
      };
      try {
        await loadHfDay(pb);
        const emails = Array.from({ length: 24 }, (_, i) => `ops-reader${String(i).padStart(2, '0')}@example.org`);
        let uid = 200_000;
        const prefs = { frequency: 'daily' as const, categories: [], keywords: [], authors: [], timeZone: 'UTC' };
        for (const email of emails) await pb.digest.subscriptions.saveForUser({ id: uid++, email }, prefs);
        assert.equal((await pb.digest.build('daily', '2024-10-25')).deliveries, emails.length);
        const sendJob = (await pb.jobs.enqueue('digest.send', {}))!;

        // Killed the moment the server holds the 8th message, before the worker hears "250".
        const first = await startServe('worker', env);
        await new Promise<void>((resolve) => {
          killFirst = () => {
            holding = false;
            first.proc.kill('SIGKILL');
            resolve();
          };
        });
        await first.exited;
        assert.ok(smtp.received.length < emails.length, 'killed mid-batch');

        const second = await startServe('worker', env);
        const pending = async () =>
          (await pb.db.kysely.selectFrom('digest_deliveries').select('status').execute()).filter((d) => d.status !== 'sent').length;
        try {
          // The killed job comes back when its lease lapses; should its run end before the last
          // deliveries' leases do, one more send job picks them up.
          await until(async () => (await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', sendJob).executeTakeFirstOrThrow()).status === 'done');
          for (let i = 0; (await pending()) > 0 && i < 30; i++) {
            const extra = (await pb.jobs.enqueue('digest.send', {}))!;
            await until(async () => (await pb.db.kysely.selectFrom('jobs').select('status').where('id', '=', extra).executeTakeFirstOrThrow()).status === 'done');
          }
        } finally {
          second.proc.kill('SIGTERM');
          await second.exited;
        }
        assert.equal(await pending(), 0);
        for (const e of emails) assert.equal(smtp.to(e).length, 1, `${e} got ${smtp.to(e).length} mails`);
        assert.equal(smtp.received.length, emails.length);
      } finally {
        await smtp.close();
      }
    });
  });
}
