import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { schemaState } from '../src/storage/migrate.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const base: PaperInput = {
  arxivId: '2410.17243',
  version: 1,
  title: 'Breaking the Memory Barrier',
  abstract: 'Contrastive loss is a powerful approach.',
  authors: ['Zesen Cheng', 'Hang Zhang', 'Kehan Li'],
  categories: ['cs.CV', 'cs.LG'],
  publishedAt: '2024-10-22T17:59:30.000Z',
  updatedAt: '2024-10-22T17:59:30.000Z',
  source: 'test',
};

for (const dbk of databases) {
  describe(`storage on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(async () => {
      await pb.dispose();
    });

    test('the schema is fully migrated', async () => {
      const s = await schemaState(pb.db);
      assert.deepEqual(s.pending, []);
      assert.ok(s.applied.includes('0001_foundation'));
    });

    test('an upsert is idempotent, and a newer version updates in place keeping the id', async () => {
      const store = pb.stores.papers;
      assert.equal(await store.upsert(base), 'inserted');
      const first = await store.byArxivId('2410.17243');
      assert.equal(await store.upsert(base), 'unchanged');
      assert.equal(await store.upsert({ ...base, version: 2, title: 'Breaking the Memory Barrier (v2)', updatedAt: '2024-10-30T00:00:00.000Z' }), 'updated');
      const after = await store.byArxivId('2410.17243');
      assert.equal(after!.id, first!.id);
      assert.equal(after!.version, 2);
      assert.equal(after!.title, 'Breaking the Memory Barrier (v2)');
      assert.deepEqual(
        after!.versions.map((v) => v.version),
        [1, 2],
      );
      // An older version arriving late changes nothing.
      assert.equal(await store.upsert(base), 'unchanged');
      assert.equal((await store.byArxivId('2410.17243'))!.version, 2);
    });

    test('a record missing fields keeps what another source knew', async () => {
      const store = pb.stores.papers;
      await store.upsert({ ...base, version: 2, title: 'Breaking the Memory Barrier (v2)', categories: [], codeUrl: 'https://github.com/DAMO-NLP-SG/Inf-CLIP', source: 'hf' });
      const p = await store.byArxivId('2410.17243');
      assert.deepEqual(p!.categories, ['cs.CV', 'cs.LG']);
      assert.equal(p!.codeUrl, 'https://github.com/DAMO-NLP-SG/Inf-CLIP');
    });

    test('every paper by publication date, keyset-paged: dated papers newest first, then those without a date', async () => {
      const store = pb.stores.papers;
      const day = (d: number) => `2019-03-${String(d).padStart(2, '0')}T12:00:00.000Z`;
      // Two papers share a date (ordered by id), two have none.
      for (const [i, at] of [[1, day(1)], [2, day(3)], [3, day(3)], [4, null], [5, day(2)], [6, null]] as const)
        await store.upsert({ ...base, arxivId: `1903.0000${i}`, title: `Listing ${i}`, authors: [`Lister ${i}`], categories: [`math.CO`], publishedAt: at, updatedAt: at });
      const all = [];
      let after = null;
      for (;;) {
        const page = await pb.stores.catalog.byPublished(after, 2);
        all.push(...page);
        if (page.length < 2) break;
        const last = page[page.length - 1];
        after = { publishedAt: last.publishedAt ?? '', id: last.id };
      }
      const mine = all.filter((p) => p.arxivId.startsWith('1903.0000'));
      const ids = (n: number[]) => n.map((i) => `1903.0000${i}`);
      assert.deepEqual(mine.map((p) => p.arxivId), ids([3, 2, 5, 1, 6, 4]));
      assert.equal(new Set(all.map((p) => p.id)).size, all.length, 'no paper twice');
      assert.equal(all.length, await store.count());
      const dated = all.filter((p) => p.publishedAt).map((p) => p.publishedAt!);
      assert.deepEqual(dated, [...dated].sort().reverse());
      assert.ok(all.slice(dated.length).every((p) => !p.publishedAt), 'the papers without a date come last');
    });

    test('authors are indexed in order and found by a folded name', async () => {
      const papers = await pb.stores.papers.byAuthor('  hang ZHANG ');
      assert.equal(papers.length, 1);
      assert.deepEqual(papers[0].authors, ['Zesen Cheng', 'Hang Zhang', 'Kehan Li']);
      assert.equal((await pb.stores.papers.byCategory('cs.CV')).length, 1);
    });

    test('daily entries: one per paper, curated placements replace arXiv listings', async () => {
      const daily = pb.stores.daily;
      assert.deepEqual(await daily.upsertMany([{ arxivId: '2410.17243', day: '2024-10-23', source: 'arxiv', submittedAt: '2024-10-22T17:59:30.000Z' }]), ['inserted']);
      assert.deepEqual(await daily.upsertMany([{ arxivId: '2410.17243', day: '2024-10-23', source: 'arxiv', submittedAt: '2024-10-22T17:59:30.000Z' }]), ['unchanged']);
      const hf = { arxivId: '2410.17243', day: '2024-10-25', source: 'hf', submittedAt: '2024-10-25T00:57:09.392Z', sourceUpvotes: 64, submitter: { name: 'ClownRat', fullname: 'Zesen Cheng' } };
      assert.deepEqual(await daily.upsertMany([hf]), ['updated']);
      assert.deepEqual(await daily.upsertMany([hf]), ['unchanged']);
      assert.deepEqual(await daily.upsertMany([{ arxivId: '2410.17243', day: '2024-10-26', source: 'arxiv', submittedAt: 'x' }]), ['unchanged']);
      assert.deepEqual(await daily.upsertMany([{ arxivId: '9999.99999', day: '2024-10-26', source: 'hf', submittedAt: 'x' }]), ['missing-paper']);
      const list = await daily.list({ from: '2024-10-25', to: '2024-10-25' }, { limit: 10, offset: 0 });
      assert.equal(list.length, 1);
      assert.equal(list[0].upvotes, 64);
      assert.equal(list[0].entry.submitter?.name, 'ClownRat');
      assert.equal(await daily.latestDay(), '2024-10-25');
      assert.deepEqual(await daily.neighbours('2024-10-20'), { prev: undefined, next: '2024-10-25' });
    });

    test('the job queue leases, retries with backoff, keeps dead jobs, and de-duplicates by key', async () => {
      const q = pb.jobs;
      const id = await q.enqueue('t', { n: 1 }, { maxAttempts: 2, uniqueKey: 'once' });
      assert.ok(id);
      assert.equal(await q.enqueue('t', { n: 2 }, { uniqueKey: 'once' }), undefined);
      const job = await q.claim('w1', 60_000);
      assert.equal(job?.id, id);
      assert.equal(await q.claim('w2', 60_000), undefined, 'a leased job is not handed out twice');
      assert.equal(await q.fail(job!, 'w1', 'boom'), 'retry');
      assert.equal(await q.claim('w2', 60_000), undefined, 'a retry waits for its backoff');
      await pb.db.kysely.updateTable('jobs').set({ run_at: new Date(0).toISOString() }).where('id', '=', id!).execute();
      const again = await q.claim('w2', 1);
      assert.equal(again?.attempts, 2);
      // The lease of w2 expires: another worker takes the job over.
      await new Promise((r) => setTimeout(r, 5));
      const taken = await q.claim('w3', 60_000);
      assert.equal(taken?.id, id);
      assert.equal(await q.fail(taken!, 'w3', 'boom again'), 'dead');
      const [row] = await q.list({ status: 'dead' });
      assert.equal(row.last_error, 'boom again');
      assert.equal(await q.retry(id!), true);
      assert.equal((await q.counts()).queued, 1);
      // Finished jobs are pruned after their keeping time; dead ones stay.
      const done = await q.enqueue('t2');
      const j2 = (await q.claim('w4', 60_000, ['t2']))!;
      await q.complete(j2.id, 'w4');
      assert.equal(await q.prune(60_000), 0, 'a job finished just now is kept');
      await pb.db.kysely.updateTable('jobs').set({ finished_at: new Date(0).toISOString() }).where('id', '=', done!).execute();
      assert.equal(await q.prune(60_000), 1);
    });
  });
}
