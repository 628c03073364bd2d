// /readyz, /metrics and request logs on a real server, on each database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { createLogger } from '../src/logger.ts';
import { Registry, metrics } from '../src/ops/metrics.ts';
import { loadSomeSample } from './ops-child.ts';

describe('metrics registry', () => {
  it('writes the Prometheus text format: help, type, labels, cumulative buckets', async () => {
    const r = new Registry();
    const c = r.counter('t_events_total', 'Events.', ['kind']);
    c.inc({ kind: 'a"b\\c\nd' });
    c.inc({ kind: 'a"b\\c\nd' }, 2);
    const h = r.histogram('t_seconds', 'Durations.', ['route'], [0.1, 1]);
    h.observe({ route: '/x' }, 0.05);
    h.observe({ route: '/x' }, 0.5);
    h.observe({ route: '/x' }, 3);
    r.gauge('t_lag', 'Lag.').set(undefined, 7);
    const text = await r.render();
    assert.equal(
      text,
      [
        '# HELP t_events_total Events.',
        '# TYPE t_events_total counter',
        't_events_total{kind="a\\"b\\\\c\\nd"} 3',
        '',
        '# HELP t_seconds Durations.',
        '# TYPE t_seconds histogram',
        't_seconds_bucket{le="0.1",route="/x"} 1',
        't_seconds_bucket{le="1",route="/x"} 2',
        't_seconds_bucket{le="+Inf",route="/x"} 3',
        't_seconds_sum{route="/x"} 3.55',
        't_seconds_count{route="/x"} 3',
        '',
        '# HELP t_lag Lag.',
        '# TYPE t_lag gauge',
        't_lag 7',
        '',
      ].join('\n'),
    );
    assert.equal(await c.get({ kind: 'a"b\\c\nd' }), 3);
    assert.equal(await h.count({ route: '/x' }), 3);
  });

  it('returns the same metric for the same name and refuses a clash of types, a bad name, a decrease, an undeclared label', () => {
    const r = new Registry();
    assert.equal(r.counter('t_x', 'x'), r.counter('t_x', 'x'));
    assert.throws(() => r.gauge('t_x', 'x'), /already a counter/);
    assert.throws(() => r.counter('bad name', 'x'), /Invalid metric name/);
    assert.throws(() => r.counter('t_y', 'y').inc(undefined, -1), /not possible to decrease/);
    assert.throws(() => r.counter('t_z', 'z', ['a']).inc({ b: 1 }), /not included in initial labelset/);
  });

  it('runs collectors before a scrape', async () => {
    const r = new Registry();
    const g = r.gauge('t_depth', 'Depth.');
    let n = 0;
    const off = r.onCollect(() => g.set(undefined, ++n));
    assert.match(await r.render(), /t_depth 1/);
    assert.match(await r.render(), /t_depth 2/);
    off();
    assert.match(await r.render(), /t_depth 2/);
  });
});

for (const dbk of databases) {
  describe(`ops endpoints (${dbk.name})`, () => {
    let pb: TestInstance;
    let server: TestServer;
    let logText = '';
    const sink = new Writable({
      write(chunk, _enc, done) {
        logText += String(chunk);
        done();
      },
    });
    before(async () => {
      pb = await dbk.open({}, { log: createLogger('info', sink) });
      await loadSomeSample(pb, 100);
      server = await startServer(pb);
    });
    after(async () => {
      await server.close();
      await pb.dispose();
    });

    it('/readyz is ready when the database answers and the schema is current', async () => {
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const body = (await res.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
      assert.equal(body.status, 'ready');
      assert.deepEqual(body.checks.database, { ok: true, detail: dbk.name });
      assert.equal(body.checks.schema.ok, true);
      // No embedding model yet: the process serves lexical search.
      assert.deepEqual(body.checks['search-index'], { ok: true, detail: 'no embedding model yet: lexical search' });
    });

    it('/readyz reports the vector index replica once it has caught up with a trained model', async () => {
      await pb.search.train({ dims: 16, maxVocab: 3000, iterations: 2 });
      const embedded = await pb.search.embedAll(500);
      assert.ok(embedded >= 100, `${embedded} papers embedded`);
      const res = await fetch(`${server.url}/readyz`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
      assert.deepEqual(body.checks['search-index'], { ok: true, detail: `${embedded} vectors` });
    });

    it('/readyz reports a registered check that fails, and recovers when it passes', async () => {
      let caughtUp = false;
      const check = {
        name: 'test-check',
        check: async () => {
          if (!caughtUp) throw new Error('vector index 42 papers behind');
          return 'caught up';
        },
      };
      pb.readinessChecks.push(check);
      try {
        const down = await fetch(`${server.url}/readyz`);
        assert.equal(down.status, 503);
        const body = (await down.json()) as { status: string; checks: Record<string, { ok: boolean; detail?: string }> };
        assert.equal(body.status, 'not_ready');
        assert.deepEqual(body.checks['test-check'], { ok: false, detail: 'vector index 42 papers behind' });
        assert.equal(body.checks.database.ok, true);
        caughtUp = true;
        const up = await fetch(`${server.url}/readyz`);
        assert.equal(up.status, 200);
        assert.deepEqual(((await up.json()) as { checks: Record<string, unknown> }).checks['test-check'], { ok: true, detail: 'caught up' });
      } finally {
        pb.readinessChecks.splice(pb.readinessChecks.indexOf(check), 1);
      }
    });

    it('/metrics has latency histograms by route pattern, job counts and ingest totals', async () => {
      const paper = await pb.db.kysely.selectFrom('papers').select('arxiv_id').limit(1).executeTakeFirstOrThrow();
      assert.equal((await fetch(`${server.url}/papers/${paper.arxiv_id}`)).status, 200);
      assert.equal((await fetch(`${server.url}/no/such/page`)).status, 404);
      await pb.jobs.enqueue('t.metrics', {});
      await pb.jobs.enqueue('t.metrics', {});
      const res = await fetch(`${server.url}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
      const text = await res.text();
      assert.match(text, /# TYPE paperboy_http_request_duration_seconds histogram/);
      // The pattern, not the URL: one series for every paper.
      assert.match(text, /paperboy_http_request_duration_seconds_count\{method="GET",route="\/papers\/:id",status="2xx"\} [1-9]/);
      assert.match(text, /paperboy_http_request_duration_seconds_count\{method="GET",route="unmatched",status="4xx"\} [1-9]/);
      assert.ok(!text.includes(paper.arxiv_id), 'no per-paper series');
      assert.match(text, /paperboy_jobs\{name="t\.metrics",status="queued"\} 2/);
      assert.match(text, /paperboy_ingest_records\{outcome="inserted",source="[^"]+"\} [1-9]/);
      assert.match(text, /paperboy_database_up 1/);
      // Set at every scrape from the database: papers not yet served by search by meaning.
      assert.match(text, /^paperboy_search_index_lag \d+$/m);
    });

    it('/metrics asks for the token when one is configured', async () => {
      const before = pb.config.metricsToken;
      pb.config.metricsToken = 'scrape-token-123';
      try {
        assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
        assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer nope' } })).status, 401);
        assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer scrape-token-123' } })).status, 200);
      } finally {
        pb.config.metricsToken = before;
      }
    });

    it('logs each request as JSON with its request id, and no credentials', async () => {
      logText = '';
      const res = await fetch(`${server.url}/api/daily_papers`, {
        headers: { 'x-request-id': 'req-ops-test-1', authorization: 'Bearer sekrit-token-xyz', cookie: 'pb_session=sekrit-cookie-xyz' },
      });
      // 200, or 401 where API tokens are checked (the made-up token is refused): logged either way.
      assert.ok([200, 401].includes(res.status), String(res.status));
      assert.equal(res.headers.get('x-request-id'), 'req-ops-test-1');
      await res.text();
      // The completion line is written after the response is sent: wait for it to arrive.
      while (!logText.includes('request completed')) await new Promise((r) => setTimeout(r, 10));
      const lines = logText.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
      const mine = lines.filter((l) => l.reqId === 'req-ops-test-1');
      assert.ok(mine.some((l) => l.msg === 'incoming request'), logText);
      assert.ok(mine.some((l) => l.msg === 'request completed' && (l.res as { statusCode: number }).statusCode === res.status), logText);
      assert.ok(!logText.includes('sekrit'), logText);
      // Objects that do carry credentials are masked by the logger itself.
      logText = '';
      pb.log.info({ req: { headers: { authorization: 'Bearer sekrit', cookie: 'a=sekrit' } }, token: 'sekrit', cfg: { databaseUrl: 'postgres://u:sekrit@h/db' } }, 'x');
      assert.ok(!logText.includes('sekrit'), logText);
      assert.match(logText, /\*\*\*\*/);
    });

    it('the shared registry is the one /metrics renders', async () => {
      const c = metrics.counter('paperboy_test_ops_total', 'A test counter.', ['area']);
      c.inc({ area: 'ops' });
      const text = await (await fetch(`${server.url}/metrics`)).text();
      assert.ok(text.includes(`paperboy_test_ops_total{area="ops"} ${await c.get({ area: 'ops' })}\n`), text);
    });
  });
}
