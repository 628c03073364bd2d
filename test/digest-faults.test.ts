// Digest sending under faults, against a real SMTP server on loopback: a 451 then success, a 550
// that suspends the address, and the `digest send` CLI killed (SIGKILL) mid-batch and restarted:
// every subscriber still gets exactly one mail.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { databases, PG_URL, type TestInstance } from './support/db.ts';
import { ROOT } from './support/paths.ts';
import { startSmtp, loadHfDay, type TestSmtp } from './digest-smtp.ts';
import { subscriber } from './support/factories.ts';

const DAY = '2024-10-25';
const BASE = 'https://papers.example.org';
const prefs = { frequency: 'daily' as const, categories: [], keywords: [], authors: [], timeZone: 'UTC' };

async function subscribe(pb: TestInstance, emails: string[]): Promise<void> {
  // Confirmed subscribers directly (the opt-in itself is covered by the flow test).
  for (const email of emails) await subscriber(pb, { email, ...prefs });
}

async function deliveries(pb: TestInstance) {
  return pb.db.kysely.selectFrom('digest_deliveries as d').innerJoin('digest_subscribers as s', 's.id', 'd.subscriber_id').select(['s.email', 'd.status', 'd.last_error', 'd.attempts']).execute();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const dbk of databases) {
  describe(`digest faults on ${dbk.name}`, () => {
    let smtp: TestSmtp;
    let pb: TestInstance;
    before(async () => {
      smtp = await startSmtp();
    });
    after(async () => {
      await smtp?.close();
    });

    const open = async (env: Record<string, string> = {}) => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: BASE, SMTP_URL: smtp.url, DIGEST_RATE: '200', DIGEST_RETRY_SECONDS: '2', ...env });
      await loadHfDay(pb);
      return pb;
    };

    test('451 then accepted: retried with backoff, delivered once', async () => {
      smtp.received.length = 0;
      await open();
      try {
        await subscribe(pb, ['busy@example.org', 'fine@example.org']);
        let refused = 0;
        smtp.onData = (to) => (to.includes('busy@example.org') && refused++ === 0 ? { code: 451, message: '4.3.0 Try again later' } : null);
        await pb.digest.build('daily', DAY);
        const first = await pb.digest.send();
        assert.equal(first.sent, 1);
        assert.equal(first.retried, 1);
        let d = (await deliveries(pb)).find((x) => x.email === 'busy@example.org')!;
        assert.equal(d.status, 'pending');
        assert.match(d.last_error ?? '', /451/);
        // The retry is due after the backoff; keep sending until it goes (no timing asserted).
        for (let i = 0; i < 100 && d.status !== 'sent'; i++) {
          await sleep(100);
          await pb.digest.send();
          d = (await deliveries(pb)).find((x) => x.email === 'busy@example.org')!;
        }
        assert.equal(d.status, 'sent');
        assert.equal(d.attempts, 2);
        assert.equal(refused, 2);
        assert.equal(smtp.to('busy@example.org').length, 1);
        assert.equal(smtp.to('fine@example.org').length, 1);
      } finally {
        smtp.onData = undefined;
        await pb.dispose();
      }
    });

    test('550: no retry, the address is suspended with the reason, later editions skip it', async () => {
      smtp.received.length = 0;
      await open();
      try {
        await subscribe(pb, ['gone@example.org', 'here@example.org']);
        smtp.onRcpt = (to) => (to === 'gone@example.org' ? { code: 550, message: '5.1.1 No such user' } : null);
        await pb.digest.build('daily', DAY);
        const r = await pb.digest.send();
        assert.equal(r.sent, 1);
        assert.equal(r.failed, 1);
        const d = (await deliveries(pb)).find((x) => x.email === 'gone@example.org')!;
        assert.equal(d.status, 'failed');
        assert.match(d.last_error ?? '', /550/);
        const s = (await pb.digest.subscriptions.byEmail('gone@example.org'))!;
        assert.equal(s.status, 'suspended');
        assert.match(s.suspendedReason ?? '', /550.*No such user/);
        // Its reserved papers are released, and the next send or build does not try again.
        const reserved = await pb.db.kysely.selectFrom('digest_sent_papers').select('paper_id').where('subscriber_id', '=', s.id).execute();
        assert.equal(reserved.length, 0);
        assert.equal((await pb.digest.send()).claimed, 0);
        const next = await pb.digest.build('daily', '2024-10-28', { dryRun: true });
        assert.equal(next.subscribers, 1);
        assert.equal(smtp.to('gone@example.org').length, 0);
      } finally {
        smtp.onRcpt = undefined;
        await pb.dispose();
      }
    });

    test('the sender killed mid-batch and restarted: exactly one mail per subscriber', async () => {
      smtp.received.length = 0;
      await open({ DIGEST_LEASE_SECONDS: '1' });
      const emails = Array.from({ length: 30 }, (_, i) => `reader${String(i).padStart(2, '0')}@example.org`);
      try {
        await subscribe(pb, emails);
        const built = await pb.digest.build('daily', DAY);
        assert.equal(built.deliveries, 30);
        // The child is the real CLI on the same database.
        const schema = /\(schema (\w+)\)/.exec(pb.db.describe)?.[1];
        const env = {
          ...process.env,
          PAPERBOY_DATA_DIR: pb.dataDir,
          DATABASE_URL: dbk.name === 'postgres' ? `${PG_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}` : `sqlite:${pb.dataDir}/paperboy.db`,
          SMTP_URL: smtp.url,
          PAPERBOY_BASE_URL: BASE,
          PAPERBOY_LOAD_SAMPLE: 'false',
          LOG_LEVEL: 'silent',
          DIGEST_RATE: '40',
          DIGEST_LEASE_SECONDS: '1',
        };
        const run = () => {
          const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'digest', 'send'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          child.stdout.on('data', (b: Buffer) => (out += b));
          child.stderr.on('data', (b: Buffer) => (out += b));
          const exited = new Promise<{ code: number | null; signal: string | null; out: string }>((res) => child.on('exit', (code, signal) => res({ code, signal, out })));
          return { child, exited };
        };
        // Kill the sender the moment the server holds the 10th message, before the sender hears "250":
        // the hardest point (the message is delivered but not yet recorded as sent).
        const first = run();
        let seen = 0;
        smtp.onData = () => {
          if (++seen === 10) first.child.kill('SIGKILL');
          return null;
        };
        const killed = await first.exited;
        assert.equal(killed.signal, 'SIGKILL', killed.out);
        smtp.onData = undefined;
        assert.ok(smtp.received.length >= 10 && smtp.received.length < 30, `killed mid-batch after ${smtp.received.length}`);
        // Restart until every delivery is done (claimed rows come back once their lease expires).
        for (let i = 0; i < 20; i++) {
          const left = (await deliveries(pb)).filter((d) => d.status !== 'sent').length;
          if (!left) break;
          await sleep(600);
          const again = await run().exited;
          assert.equal(again.code, 0, again.out);
        }
        const all = await deliveries(pb);
        assert.deepEqual([...new Set(all.map((d) => d.status))], ['sent']);
        for (const e of emails) assert.equal(smtp.to(e).length, 1, `${e} got ${smtp.to(e).length} mails`);
        assert.equal(smtp.received.length, 30);
        const log = await pb.db.kysely.selectFrom('digest_send_log').select(['state']).execute();
        assert.equal(log.length, 30);
        assert.ok(log.every((l) => l.state === 'accepted' || l.state === 'assumed'));
      } finally {
        smtp.onData = undefined;
        await pb.dispose();
      }
    });
  });
}
