// Restarting PostgreSQL under load: web processes answer 503 at once during the outage (never hang)
// and serve again by themselves afterwards. It stops the shared server, so it only runs when
// PAPERBOY_TEST_PG_RESTART=1 (CI runs it last); it needs root or the postgres user for pg_ctlcluster.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { databases, type TestInstance } from './support/db.ts';
import { instanceEnv, loadSomeSample, startServe, type Child } from './ops-child.ts';

const enabled = process.env.PAPERBOY_TEST_PG_RESTART === '1';
const pgk = databases.find((d) => d.name === 'postgres');
const CLUSTER = (process.env.PAPERBOY_TEST_PG_CLUSTER ?? '15 main').split(' ');

function pgctl(action: 'stop' | 'start'): void {
  execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', ...CLUSTER, action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'pipe' });
}

interface Outcome {
  status: number | 'hang' | 'error';
  ms: number;
  type?: string;
  code?: string;
}

/** One request with a generous bound: a request that needs it has hung. */
async function hit(url: string, accept: string): Promise<Outcome> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, { headers: { accept }, signal: AbortSignal.timeout(10_000) });
    const type = res.headers.get('content-type') ?? '';
    const body = await res.text();
    const code = type.includes('json') ? (JSON.parse(body) as { code?: string }).code : undefined;
    return { status: res.status, ms: performance.now() - t0, type, code };
  } catch (err) {
    return { status: (err as Error).name === 'TimeoutError' ? 'hang' : 'error', ms: performance.now() - t0 };
  }
}

describe('PostgreSQL restart under load', { skip: (!enabled || !pgk) && 'set PAPERBOY_TEST_PG_RESTART=1 and DATABASE_URL_TEST' }, () => {
  let pb: TestInstance;
  const webs: (Child & { url?: string })[] = [];
  before(async () => {
    pb = await pgk!.open();
    await loadSomeSample(pb, 200);
    const env = await instanceEnv(pb);
    webs.push(await startServe('web', env), await startServe('web', env));
  });
  after(async () => {
    // Whatever happened, leave the server running for everyone else.
    try {
      pgctl('start');
    } catch {
      // already running
    }
    for (const w of webs) {
      w.proc.kill('SIGTERM');
      await w.exited;
    }
    await pb.dispose();
  });

  it('fails fast with 503 during the outage and recovers without a restart of the web processes', async (ctx) => {
    const targets = webs.flatMap((w) => [
      { url: `${w.url}/api/daily_papers`, accept: 'application/json' },
      { url: `${w.url}/`, accept: 'text/html' },
    ]);
    // Steady load before: every request succeeds.
    for (const t of targets) assert.equal((await hit(t.url, t.accept)).status, 200);

    // Load keeps running across the stop.
    let phase: 'up' | 'down' = 'up';
    const during: Outcome[] = [];
    let loading = true;
    const loaders = targets.map(async (t) => {
      while (loading) {
        // Only requests that start once the server is down count as outage answers.
        const startedDown = phase === 'down';
        const o = await hit(t.url, t.accept);
        if (startedDown) during.push({ ...o, type: o.type ?? t.accept });
      }
    });
    pgctl('stop');
    phase = 'down';
    // Collect outage answers from every target, several rounds.
    while (during.length < targets.length * 5) await new Promise((r) => setTimeout(r, 100));
    const ready = await Promise.all(webs.map((w) => hit(`${w.url}/readyz`, 'application/json')));
    loading = false;
    await Promise.all(loaders);

    assert.ok(!during.some((o) => o.status === 'hang' || o.status === 'error'), JSON.stringify(during));
    assert.deepEqual([...new Set(during.map((o) => o.status))], [503], JSON.stringify(during));
    for (const o of during) {
      if (o.type!.includes('json')) assert.equal(o.code, 'unavailable');
      else assert.match(o.type!, /text\/html/);
    }
    assert.deepEqual(
      ready.map((r) => r.status),
      [503, 503],
    );

    pgctl('start');
    const started = performance.now();
    // Each process reconnects by itself: poll until it answers, then it keeps answering.
    for (const t of targets) {
      let o = await hit(t.url, t.accept);
      while (o.status !== 200) {
        await new Promise((r) => setTimeout(r, 250));
        o = await hit(t.url, t.accept);
      }
    }
    const recovered = performance.now() - started;
    for (let round = 0; round < 3; round++) for (const t of targets) assert.equal((await hit(t.url, t.accept)).status, 200);
    ctx.diagnostic(
      `outage: ${during.length} answers, all 503, slowest ${Math.round(Math.max(...during.map((o) => o.ms)))} ms; ` +
        `every target answered 200 again ${Math.round(recovered)} ms after the server was up`,
    );
    for (const w of webs) assert.equal((await hit(`${w.url}/readyz`, 'application/json')).status, 200);
    // The outage is visible to the operator in the logs, with request ids.
    assert.match(webs[0].output() + webs[1].output(), /"reqId":"[^"]+".*"msg":"request failed"/);
  });
});
