// The community's shared machinery on each database: the rate limiter under concurrent hits
// (as from several processes), trending's GitHub-stars signal across daily snapshots, and the
// `user` CLI run as a real process against the instance's database.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { databases, type TestInstance } from './support/db.ts';
import { startServer } from './support/server.ts';
import { ROOT } from './support/paths.ts';
import { isQueued } from '../src/services/submissions.ts';

const run = promisify(execFile);

for (const dbk of databases) {
  describe(`community jobs and limits on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_NOW: '2024-10-25T18:00:00Z' });
      // One listed paper is all these tests need (the full sample is slow to load).
      await pb.stores.papers.upsert({
        arxivId: '2410.17243',
        version: 1,
        title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
        abstract: 'Contrastive loss …',
        authors: ['Zesen Cheng', 'Hang Zhang'],
        categories: ['cs.CV'],
        publishedAt: '2024-10-22T17:59:30Z',
        source: 'test',
      });
      await pb.stores.daily.upsertMany([{ arxivId: '2410.17243', day: '2024-10-25', source: 'hf', submittedAt: '2024-10-25T08:00:00Z', sourceUpvotes: 64 }]);
    });
    after(async () => {
      await pb.dispose();
    });

    test('the rate limiter loses no hit under 40 concurrent requests and resets with the window', async () => {
      const results = await Promise.all(Array.from({ length: 40 }, () => pb.community.limiter.hit('probe:concurrent', 25, 60)));
      assert.deepEqual(
        results.map((r) => r.count).sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i + 1),
      );
      assert.equal(results.filter((r) => r.allowed).length, 25);
      await assert.rejects(pb.community.limiter.consume('probe:concurrent', 25, 60, 'Slow down.'), (e: Error & { status?: number }) => e.status === 429 && /Slow down\. Try again in/.test(e.message));
      // The next window starts from zero; finished windows are purged.
      pb.community.clock.set('2024-10-25T18:01:30Z');
      try {
        assert.equal((await pb.community.limiter.hit('probe:concurrent', 25, 60)).count, 1);
        assert.ok((await pb.community.limiter.purge()) >= 1);
      } finally {
        pb.community.clock.set('2024-10-25T18:00:00Z');
      }
    });

    test('a paper on an automatic arXiv listing can still be submitted; a curated one cannot', async () => {
      await pb.stores.papers.upsert({
        arxivId: '2410.20000',
        version: 1,
        title: 'A paper from the RSS listing',
        abstract: 'Listed automatically.',
        authors: ['Ann Author'],
        categories: ['cs.CL'],
        publishedAt: '2024-10-24T00:00:00Z',
        source: 'arxiv-rss',
      });
      await pb.stores.daily.upsertMany([{ arxivId: '2410.20000', day: '2024-10-24', source: 'arxiv', submittedAt: '2024-10-24T00:00:00Z' }]);
      const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('picker@example.org'));
      const viewer = { ...user, via: 'token' as const };
      const r = await pb.community.submissions.submit(viewer, '2410.20000', null, '127.0.0.1');
      assert.ok(!isQueued(r), 'a paper already stored is placed at once');
      assert.equal(r.entry.source, 'submission');
      assert.equal(r.entry.day, '2024-10-25');
      assert.equal(r.entry.submitter?.name, 'picker');
      await assert.rejects(pb.community.submissions.submit(viewer, '2410.17243', null, '127.0.0.1'), (e: Error & { code?: string }) => e.code === 'already_listed');
    });

    test('trending counts GitHub stars gained between daily snapshots', async () => {
      const id = '2410.17243';
      await pb.db.kysely.updateTable('papers').set({ github_stars: 100 }).where('arxiv_id', '=', id).execute();
      await pb.community.trending.compute();
      const first = (await pb.community.trending.list('week')).find((t) => t.paper.arxivId === id)!;
      assert.equal(first.starsGained, null, 'no earlier snapshot yet');
      pb.community.clock.set('2024-10-26T18:00:00Z');
      try {
        await pb.db.kysely.updateTable('papers').set({ github_stars: 160 }).where('arxiv_id', '=', id).execute();
        await pb.community.trending.compute();
        const week = await pb.community.trending.list('week');
        const it = week.find((t) => t.paper.arxivId === id)!;
        assert.equal(it.starsGained, 60);
        assert.match(it.why, /60 new GitHub stars in the last 7 days/);
        // The score is the documented formula of its signals.
        const w = pb.community.trending.weights;
        const expected =
          (w.upvotes * Math.log1p(it.upvotes) + w.comments * Math.log1p(it.comments) + w.stars * Math.log1p(60)) / Math.pow(it.ageHours + 2, w.gravity);
        assert.ok(Math.abs(it.score - expected) < 1e-12);
        // Ranks follow the scores.
        for (let i = 1; i < week.length; i++) assert.ok(week[i - 1].score >= week[i].score);
      } finally {
        pb.community.clock.set('2024-10-25T18:00:00Z');
      }
    });
  });
}

describe('the user CLI as a real process (SQLite file)', () => {
  let pb: TestInstance;
  before(async () => {
    pb = await databases[0].open();
  });
  after(async () => {
    await pb.dispose();
  });
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/main.ts', 'user', ...args], {
      cwd: ROOT,
      env: { ...process.env, PAPERBOY_DATA_DIR: pb.dataDir, LOG_LEVEL: 'silent', PAPERBOY_LOAD_SAMPLE: 'false', DATABASE_URL: '' },
    });

  test('token create prints only the token, which works on the write API; promote changes the role', async () => {
    const { stdout } = await cli('token', 'create', 'Script@Example.org', '--name', 'ci');
    const token = stdout.trim();
    assert.match(token, /^pbt_[\w-]{43}$/);
    const user = (await pb.community.accounts.byEmail('script@example.org'))!;
    assert.equal(user.username, 'script');
    const srv = await startServer(pb);
    try {
      const r = await fetch(`${srv.url}/api/collections/1`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(r.status, 404); // authenticated, and no such collection
      const bad = await fetch(`${srv.url}/api/collections/1`, { headers: { authorization: 'Bearer pbt_wrong' } });
      assert.equal(bad.status, 401);
    } finally {
      await srv.close();
    }
    const promoted = await cli('promote', 'script@example.org', 'curator');
    assert.match(promoted.stdout, /script@example.org is now curator/);
    assert.equal((await pb.community.accounts.byEmail('script@example.org'))!.role, 'curator');
    assert.equal((await pb.community.audit.list())[0].action, 'user.role');
    await assert.rejects(cli('promote', 'nobody@example.org', 'admin'), (e: Error & { code?: number; stderr?: string }) => e.code === 1 && /No user with the address/.test(e.stderr ?? ''));
    await assert.rejects(cli('promote', 'script@example.org', 'king'), (e: Error & { code?: number }) => e.code === 2);
  });
});
