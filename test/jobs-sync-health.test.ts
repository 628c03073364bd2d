// Sync health that people can see: a source failing for a day is shown to admins (not readers) on
// the daily page and on /admin/sync, exported on /metrics, and printed by `jobs status`.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { Browser, signIn } from './support/community-client.ts';
import { SourceHealthStore } from '../src/storage/source-health.ts';
import { instanceEnv, runCli } from './ops-child.ts';

for (const dbk of databases) {
  describe(`sync health (${dbk.name})`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({}, { sample: true });
      const health = new SourceHealthStore(pb.db.kysely);
      const dayAgo = new Date(Date.now() - 25 * 3600_000).toISOString();
      await health.failed('hf', 'http://127.0.0.1:1/api/daily_papers: network error: fetch failed: ECONNREFUSED', dayAgo);
      await health.failed('hf', 'http://127.0.0.1:1/api/daily_papers: network error: fetch failed: ECONNREFUSED');
      await health.succeeded('arxiv-rss');
      await health.failed('arxiv-oai', 'HTTP 503');
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
    });

    it('the daily page tells admins, not readers, that a source has failed for a day', async () => {
      const reader = new Browser(srv.url);
      const anon = await reader.get('/');
      assert.equal(anon.status, 200);
      assert.doesNotMatch(anon.body, /data-sync-health/);
      await signIn(reader, pb.dataDir, 'reader@example.org', 'reader');
      assert.doesNotMatch((await reader.get('/')).body, /data-sync-health/);
      assert.equal((await reader.get('/admin/sync')).status, 403);

      const admin = new Browser(srv.url);
      await signIn(admin, pb.dataDir, 'admin@example.org', 'admin');
      await pb.community.accounts.setRole('admin@example.org', 'admin');
      const page0 = await admin.get('/admin/sync');
      assert.equal(page0.status, 200, page0.body.slice(0, 300));
      const home = await admin.get('/');
      assert.match(home.body, /data-sync-health>\s*Admin:\s*<strong>Hugging Face daily papers<\/strong>\s*has failed since/);
      assert.match(home.body, /ECONNREFUSED/);
      assert.doesNotMatch(home.body, /arXiv OAI-PMH catch-up<\/strong> has failed/, 'a source failing for less than a day is not flagged');
      const page = await admin.get('/admin/sync');
      assert.equal(page.status, 200);
      assert.match(page.body, /<tr class="down">\s*<td>Hugging Face daily papers<\/td>/);
      assert.match(page.body, /arXiv RSS listing<\/td>\s*<td><time/);
    });

    it('/metrics exports last success, last error, next attempt and down per source', async () => {
      const text = await (await fetch(`${srv.url}/metrics`)).text();
      assert.match(text, /paperboy_source_down\{source="hf"\} 1/);
      assert.match(text, /paperboy_source_down\{source="arxiv-oai"\} 0/);
      assert.match(text, /paperboy_source_consecutive_failures\{source="hf"\} 2/);
      assert.match(text, /paperboy_source_last_success_timestamp_seconds\{source="arxiv-rss"\} \d+/);
      assert.match(text, /paperboy_source_last_error_timestamp_seconds\{source="hf"\} \d+/);
      assert.match(text, /paperboy_source_next_attempt_timestamp_seconds\{source="arxiv-rss"\} \d+/);
    });

    it('jobs status prints the same per source', async () => {
      const r = await runCli(['jobs', 'status', '--json'], await instanceEnv(pb));
      assert.equal(r.code, 0, r.out);
      const out = JSON.parse(r.out.slice(r.out.indexOf('{'))) as {
        sources: { source: string; down: boolean; failures: number; nextAttemptAt: string | null }[];
      };
      const hf = out.sources.find((s) => s.source === 'hf')!;
      assert.equal(hf.down, true);
      assert.equal(hf.failures, 2);
      const text = await runCli(['jobs', 'status'], await instanceEnv(pb));
      assert.match(text.out, /hf .* DOWN for a day or more/);
    });
  });
}
