// Code links and the GitHub star sync, on each database, against a local server replaying GitHub's
// recorded answers (octokit/fixtures): links read from arXiv comments and abstracts at import and by
// the resumable scan; one request per repository per day, with the token and User-Agent, one at a
// time; ETag revalidation answered 304; a missing repository; the rate-limit refusal pausing the
// sync until X-RateLimit-Reset; stars reaching the paper, its daily history, trending's stars term
// and the "Has code" filter.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { GithubReplay, RECORDED } from './support/github-replay.ts';
import { GithubSync } from '../src/services/github-sync.ts';
import { findRepoLinks, githubRepo, pickCodeLink, repoUrl } from '../src/domain/code-links.ts';
import type { IngestItem } from '../src/ingest/types.ts';
import { Worker } from '../src/jobs/worker.ts';
import { Scheduler } from '../src/jobs/scheduler.ts';
import { registerSchedules, registerTasks } from '../src/jobs/tasks/index.ts';
import { AI_JOB, GITHUB_JOB, THUMBNAILS_JOB } from '../src/jobs/tasks/agents.ts';

const REPO = 'octokit-fixture-org/hello-world';
const TOKEN = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzAB';

function paper(id: string, fields: { abstract?: string; comment?: string; codeUrl?: string }): IngestItem {
  return {
    kind: 'paper',
    paper: {
      arxivId: id,
      version: 1,
      title: `Paper ${id} about tiling contrastive losses`,
      abstract: fields.abstract ?? 'We study things.',
      authors: ['Ada Lovelace'],
      categories: ['cs.LG'],
      publishedAt: '2024-10-22T00:00:00.000Z',
      comment: fields.comment ?? null,
      codeUrl: fields.codeUrl ?? null,
      source: 'test',
    },
    entry: { arxivId: id, day: '2024-10-25', source: 'arxiv', submittedAt: '2024-10-25T01:00:00.000Z' },
  };
}

describe('code links in text (domain rule)', () => {
  test('repository links are found in comments and abstracts, tidied, http(s) only', () => {
    assert.deepEqual(findRepoLinks('Code: https://github.com/a-b/c.d. Data at http://gitlab.com/x/y/-/tree/main, and (github.com/Foo/Bar).'), [
      'https://github.com/a-b/c.d',
      'https://gitlab.com/x/y',
      'https://github.com/Foo/Bar',
    ]);
    assert.equal(repoUrl('https://github.com/owner/repo.git'), 'https://github.com/owner/repo');
    assert.equal(repoUrl('https://www.github.com/owner/repo/blob/main/README.md#x'), 'https://github.com/owner/repo');
    assert.equal(repoUrl('javascript:alert(1)//github.com/a/b'), null);
    assert.equal(repoUrl('https://github.com/features/copilot'), null);
    assert.equal(repoUrl('https://github.com/onlyowner'), null);
    assert.equal(repoUrl('https://user:pw@github.com/a/b'), null);
    assert.equal(repoUrl('https://example.org/a/b'), null);
    assert.deepEqual(githubRepo('https://github.com/a/b'), { owner: 'a', repo: 'b', fullName: 'a/b' });
    assert.equal(githubRepo('https://gitlab.com/a/b'), null);
    // The source's own link wins, then the comment's, then the abstract's.
    assert.equal(pickCodeLink('https://github.com/s/own', 'Code: github.com/c/com', 'see github.com/a/abs'), 'https://github.com/s/own');
    assert.equal(pickCodeLink(null, 'Code: github.com/c/com', 'see github.com/a/abs'), 'https://github.com/c/com');
    assert.equal(pickCodeLink('ftp://github.com/x/y', null, 'see https://github.com/a/abs'), 'https://github.com/a/abs');
    // Long input is cut before any pattern runs.
    assert.deepEqual(findRepoLinks(`${'x'.repeat(30_000)} https://github.com/late/link`), []);
  });
});

for (const dbk of databases) {
  describe(`GitHub star sync on ${dbk.name}`, () => {
    let pb: TestInstance;
    let gh: GithubReplay;
    let srv: TestServer;
    before(async () => {
      gh = await new GithubReplay().start();
      pb = await dbk.open({
        PAPERBOY_GITHUB_API_URL: gh.url,
        PAPERBOY_GITHUB_TOKEN: TOKEN,
        PAPERBOY_GITHUB_GAP_MS: '30',
        PAPERBOY_CONTACT_EMAIL: 'ops@example.org',
      });
      const r = await pb.importer.run('test', 'github', [
        paper('2410.00001', { comment: `12 pages. Code: https://github.com/${REPO}.` }),
        paper('2410.00002', { abstract: `A method. Our code is at github.com/${REPO}/tree/main and data elsewhere.` }),
        paper('2410.00003', { abstract: 'Code at https://github.com/nobody/missing-repo.' }),
        paper('2410.00004', { abstract: 'No code here.' }),
        paper('2410.00005', { abstract: 'Implementation: https://gitlab.com/group/project' }),
      ]);
      assert.equal(r.errors, 0);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await gh?.close();
    });

    const codeUrl = async (id: string) => (await pb.papers.get(id)).paper.codeUrl;
    const stars = async (id: string) => (await pb.papers.get(id)).paper.githubStars;
    const syncAt = (iso: string) => new GithubSync(pb.config, pb.agents.githubStore, pb.stores.kv, pb.log, () => new Date(iso));

    test('imports take the repository from the arXiv comment or the abstract', async () => {
      assert.equal(await codeUrl('2410.00001'), `https://github.com/${REPO}`);
      assert.equal(await codeUrl('2410.00002'), `https://github.com/${REPO}`);
      assert.equal(await codeUrl('2410.00005'), 'https://gitlab.com/group/project');
      assert.equal(await codeUrl('2410.00004'), null);
    });

    test('the scan links stored papers that had no code link, and resumes from where it stopped', async () => {
      await pb.db.kysely.updateTable('papers').set({ code_url: null }).where('arxiv_id', '=', '2410.00002').execute();
      await pb.stores.kv.set('github:code-scan-after', '0');
      const r = await pb.agents.github.scanCodeLinks(1);
      assert.ok(r.scanned >= 1 && r.linked >= 1);
      assert.equal(await codeUrl('2410.00002'), `https://github.com/${REPO}`);
      const again = await pb.agents.github.scanCodeLinks();
      assert.equal(again.scanned, 0, 'nothing left to scan');
    });

    test('day 1: each linked GitHub repository is asked for once, politely, and its stars reach every paper linking it', async () => {
      const r = await syncAt('2024-10-25T12:00:00Z').syncStars();
      assert.deepEqual({ checked: r.checked, updated: r.updated, notFound: r.notFound, failed: r.failed }, { checked: 2, updated: 1, notFound: 1, failed: 0 });
      assert.deepEqual(gh.seen.map((s) => s.path).sort(), ['/repos/nobody/missing-repo', RECORDED.path]);
      assert.equal(gh.maxInFlight, 1, 'one request at a time');
      for (const s of gh.seen) {
        assert.equal(s.headers.authorization, `Bearer ${TOKEN}`);
        assert.match(String(s.headers['user-agent']), /^Paperboy\/\S+ \(\+.*mailto:ops@example\.org\)$/);
        assert.equal(s.headers.accept, 'application/vnd.github+json');
        assert.equal(s.headers['if-none-match'], undefined, 'nothing to revalidate yet');
      }
      assert.equal(await stars('2410.00001'), 42);
      assert.equal(await stars('2410.00002'), 42);
      assert.equal(await stars('2410.00005'), null, 'GitLab is not asked');
      const repo = await pb.agents.githubStore.repo(REPO);
      assert.equal(repo?.etag, RECORDED.headers.etag);
      assert.equal(repo?.canonical_name, REPO);
      assert.deepEqual(await pb.agents.githubStore.starHistory(REPO), [{ day: '2024-10-25', stars: 42 }]);
      assert.equal((await pb.agents.githubStore.repo('nobody/missing-repo'))?.status, 'not_found');
      // Later the same day: nothing is due.
      const before = gh.seen.length;
      const later = await syncAt('2024-10-25T20:00:00Z').syncStars();
      assert.equal(later.checked, 0);
      assert.equal(gh.seen.length, before);
    });

    test('day 2: an unchanged repository is revalidated with its ETag (304); a changed one reports new stars', async () => {
      const before = gh.seen.length;
      const r = await syncAt('2024-10-26T12:00:00Z').syncStars();
      assert.equal(r.notModified, 1);
      assert.equal(r.checked, 1, 'the missing repository waits a week');
      const req = gh.seen[before];
      assert.equal(req.headers['if-none-match'], RECORDED.headers.etag);
      assert.deepEqual(await pb.agents.githubStore.starHistory(REPO), [
        { day: '2024-10-25', stars: 42 },
        { day: '2024-10-26', stars: 42 },
      ]);
      gh.stars = 50;
      const r3 = await syncAt('2024-10-27T12:00:00Z').syncStars();
      assert.equal(r3.updated, 1);
      assert.equal(await stars('2410.00001'), 50);
      assert.equal((await pb.agents.githubStore.repo(REPO))?.etag, gh.etag());
    });

    test('stars gained feed trending\'s stars term; "Has code" finds the linked papers', async () => {
      const c = pb.community;
      await pb.db.kysely.updateTable('papers').set({ github_stars: 42 }).where('code_url', '=', `https://github.com/${REPO}`).execute();
      c.clock.set('2024-10-27T08:00:00Z');
      await c.trending.compute();
      gh.stars = 60;
      await syncAt('2024-10-28T06:00:00Z').syncStars();
      c.clock.set('2024-10-28T08:00:00Z');
      await c.trending.compute();
      const week = await c.trending.list('week', 50);
      const item = week.find((t) => t.paper.arxivId === '2410.00001');
      assert.equal(item?.starsGained, 18);
      assert.match(item!.why, /18 new GitHub stars in the last 7 days/);
      c.clock.set(undefined);

      const res = await fetch(`${srv.url}/api/papers/search?q=tiling%20contrastive&hasCode=true`);
      const ids = ((await res.json()) as { paper: { id: string; githubStars?: number } }[]).map((i) => i.paper.id).sort();
      assert.deepEqual(ids, ['2410.00001', '2410.00002', '2410.00003', '2410.00005']);
      const one = (await (await fetch(`${srv.url}/api/papers/2410.00001`)).json()) as { githubRepo: string; githubStars: number };
      assert.equal(one.githubRepo, `https://github.com/${REPO}`);
      assert.equal(one.githubStars, 60);
    });

    test("a paper's submitter (or a curator) may set its code link; anyone else may not; only http(s)", async () => {
      const acc = pb.community.accounts;
      const alice = await acc.ensureUsername(await acc.findOrCreate('alice@example.org'));
      const bob = await acc.ensureUsername(await acc.findOrCreate('bob@example.org'));
      // Alice put 2410.00004 on a list (what the submissions service records).
      await pb.stores.daily.upsertMany([
        {
          arxivId: '2410.00004',
          day: '2024-10-25',
          source: 'submission',
          submittedAt: '2024-10-25T02:00:00.000Z',
          submitter: { name: alice.username!, userId: alice.id },
        },
      ]);
      const post = (token: string, body: unknown) =>
        fetch(`${srv.url}/api/papers/2410.00004/links`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
      const aliceToken = (await acc.createToken(alice.id, 'test')).token;
      const bobToken = (await acc.createToken(bob.id, 'test')).token;
      assert.equal((await post(bobToken, { githubRepo: `https://github.com/${REPO}` })).status, 403);
      assert.equal((await post(aliceToken, { githubRepo: 'javascript:alert(1)' })).status, 400);
      assert.equal(
        (await fetch(`${srv.url}/api/papers/2410.00004/links`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
        401,
      );
      const ok = await post(aliceToken, { githubRepo: `https://github.com/${REPO}/tree/main/src`, projectPage: 'https://example.org/project' });
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { githubRepo: string; projectPage: string };
      assert.equal(body.githubRepo, `https://github.com/${REPO}`, 'stored as the repository');
      assert.equal(body.projectPage, 'https://example.org/project');
      assert.equal(await codeUrl('2410.00004'), `https://github.com/${REPO}`);
      // The next sync gives it the repository's stars.
      await pb.db.kysely.updateTable('github_repos').set({ checked_at: null }).where('full_name', '=', REPO).execute();
      await syncAt('2024-10-28T07:00:00Z').syncStars();
      assert.equal(await stars('2410.00004'), 60);
      // Cleared again with "".
      assert.equal((await post(aliceToken, { githubRepo: '' })).status, 200);
      assert.equal(await codeUrl('2410.00004'), null);
    });

    test('the worker runs the github.sync job; schedules exist for the sync and thumbnails, and for AI summaries only with an endpoint', async () => {
      await pb.db.kysely.updateTable('github_repos').set({ checked_at: null }).execute();
      const before = gh.seen.length;
      const worker = new Worker(pb.jobs, pb.log, { names: [GITHUB_JOB] });
      registerTasks(worker, pb);
      await pb.jobs.enqueue(GITHUB_JOB, {});
      assert.equal(await worker.runOnce(), true);
      assert.ok(gh.seen.length > before, 'the job asked GitHub');
      const job = await pb.db.kysely.selectFrom('jobs').select(['status']).where('name', '=', GITHUB_JOB).executeTakeFirstOrThrow();
      assert.equal(job.status, 'done');
      const scheduler = new Scheduler(pb.jobs, pb.log);
      registerSchedules(scheduler, pb);
      await scheduler.tick(new Date('2024-10-30T10:05:00Z'));
      const names = (await pb.db.kysely.selectFrom('jobs').select('name').where('status', '=', 'queued').execute()).map((j) => j.name);
      assert.ok(names.includes(GITHUB_JOB) && names.includes(THUMBNAILS_JOB));
      assert.ok(!names.includes(AI_JOB), 'no AI job without PAPERBOY_AI_URL');
      await pb.db.kysely.deleteFrom('jobs').where('status', '=', 'queued').execute();
    });

    test('when GitHub says the budget is spent (403, X-RateLimit-Remaining: 0) the sync stops until the reset', async () => {
      await pb.db.kysely.updateTable('github_repos').set({ checked_at: null }).execute();
      gh.rateLimited = true;
      const before = gh.seen.length;
      const r = await syncAt('2024-10-29T12:00:00Z').syncStars();
      assert.equal(gh.seen.length, before + 1, 'one refused request, then it stops');
      assert.equal(r.failed, 0, "not the repository's fault");
      assert.ok(r.pausedUntil && r.pausedUntil > '2024-10-29T12:00:00Z');
      const paused = await syncAt('2024-10-29T12:05:00Z').syncStars();
      assert.equal(paused.checked, 0);
      assert.equal(gh.seen.length, before + 1, 'no request while paused');
      gh.rateLimited = false;
      // After the reset, it goes on.
      const after = await syncAt(new Date(Date.parse(r.pausedUntil!) + 1000).toISOString()).syncStars();
      assert.ok(after.checked >= 1);
      assert.equal(after.pausedUntil, undefined);
    });
  });
}
