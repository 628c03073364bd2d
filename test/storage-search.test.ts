// The stores search reads and writes through (src/storage/vectors.ts, search-models.ts,
// search-corpus.ts), on both databases: the change feed the replicas follow, the indexer's pending
// papers (by id, then by modification time), upserts, deletions, and shared models.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { VectorStore, type VectorValue } from '../src/storage/vectors.ts';
import { SearchCorpusStore } from '../src/storage/search-corpus.ts';
import { EmbedderModelStore } from '../src/storage/search-models.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const paper = (i: number): PaperInput => ({
  arxivId: `2403.${String(10000 + i)}`,
  version: 1,
  title: `Paper ${i}`,
  abstract: `Abstract of paper ${i}.`,
  authors: ['A. Author'],
  categories: ['cs.LG'],
  source: 'test',
});
const vec = (x: number) => Buffer.from(new Float32Array([x, 1 - x]).buffer);

for (const dbk of databases) {
  describe(`search stores (${dbk.name})`, () => {
    let pb: TestInstance;
    let ids: number[];
    let store: VectorStore;
    before(async () => {
      pb = await dbk.open();
      await pb.stores.papers.upsertMany([1, 2, 3, 4, 5].map(paper));
      ids = [];
      for (const i of [1, 2, 3, 4, 5]) ids.push((await pb.stores.papers.byArxivId(paper(i).arxivId))!.id);
      store = new VectorStore(pb.db);
    });
    after(async () => pb?.dispose());

    test('vectors: pending papers, upserts, the change feed and deletions', async () => {
      assert.equal(await store.pendingCount('e1'), 5);
      const firstTwo = await store.pending('e1', 2, { after: 0 });
      assert.deepEqual(
        firstTwo.map((p) => p.id),
        ids.slice(0, 2),
      );
      assert.equal(firstTwo[0].title, 'Paper 1');
      const rows = (await store.pending('e1', 10, { after: ids[1] })).map((p) => p.id);
      assert.deepEqual(rows, ids.slice(2));
      const modified = new Map((await store.pending('e1', 10, { after: 0 })).map((p) => [p.id, p.modified_at]));
      const values = (t: string, embedder = 'e1'): VectorValue[] =>
        ids.map((id, i) => ({ paper_id: id, embedder, dims: 2, vector: vec(i / 10), source_modified_at: modified.get(id)!, updated_at: t }));
      await store.upsert(values('2026-01-01T00:00:00.000Z').slice(0, 3));
      await store.upsert(values('2026-01-01T00:00:01.000Z').slice(3));
      assert.equal(await store.pendingCount('e1'), 0);
      assert.equal(await store.pendingCount('e2'), 5, 'another embedder: all pending');
      // Stored bytes come back as they went in.
      const got = await store.vectorsOf([ids[2], ids[4], 999_999], 'e1');
      assert.deepEqual([...got.keys()].sort(), [ids[2], ids[4]].sort());
      assert.deepEqual([...new Float32Array(new Uint8Array(got.get(ids[2])!).buffer)], [...new Float32Array([0.2, 0.8])]);
      assert.equal((await store.vectorsOf([ids[2]], 'e2')).size, 0);
      // The feed: by (updated_at, paper_id) after a cursor, a page at a time.
      const page1 = await store.changedAfter('e1', '', 0, 2);
      assert.deepEqual(
        page1.map((r) => r.paper_id),
        ids.slice(0, 2),
      );
      const last = page1[1];
      const page2 = await store.changedAfter('e1', last.updated_at, last.paper_id, 10);
      assert.deepEqual(
        page2.map((r) => r.paper_id),
        ids.slice(2),
      );
      assert.deepEqual(
        (await store.changedBetween('e1', '2026-01-01T00:00:00.500Z', '2026-01-01T00:00:01.000Z')).map((r) => r.paper_id).sort(),
        ids.slice(3).sort(),
      );
      assert.equal((await store.rows('e1', [ids[0], ids[3]])).length, 2);
      assert.deepEqual(await store.rows('e1', []), []);
      // An upsert replaces (a new embedder's vector), and a deleted paper shows in the deletions.
      await store.upsert(values('2026-01-02T00:00:00.000Z', 'e2').slice(0, 1));
      assert.equal((await store.vectorsOf([ids[0]], 'e1')).size, 0);
      assert.equal((await store.vectorsOf([ids[0]], 'e2')).size, 1);
      await pb.db.kysely.deleteFrom('papers').where('id', '=', ids[4]).execute();
      const dels = await store.deletionsSince('');
      assert.ok(dels.some((d) => d.paper_id === ids[4]));
      store.checkpoint(); // SQLite: the log folded in; PostgreSQL: nothing
      // Papers modified since a time: the `since` walk (by modified_at, id).
      const since = await store.pending('e2', 10, { after: 0, since: '2000-01-01T00:00:00.000Z' });
      assert.deepEqual(since.map((p) => p.id).sort(), ids.slice(1, 4).sort());
      assert.deepEqual(await store.pending('e2', 10, { after: 0, since: '2999-01-01T00:00:00.000Z' }), []);
    });

    test('corpus: pages by id and the text of some papers', async () => {
      const corpus = new SearchCorpusStore(pb.db.kysely);
      const page = await corpus.page(0, 2);
      assert.deepEqual(
        page.map((p) => p.id),
        ids.slice(0, 2),
      );
      assert.deepEqual(
        (await corpus.page(ids[1], 100)).map((p) => p.id),
        ids.slice(2, 4),
      );
      const texts = await corpus.texts([ids[2]]);
      assert.deepEqual(texts, [{ id: ids[2], title: 'Paper 3', abstract: 'Abstract of paper 3.' }]);
      assert.deepEqual(await corpus.texts([]), []);
    });

    test('models: published once, read back checked, the last two kept', async () => {
      const models = new EmbedderModelStore(pb.db.kysely);
      assert.equal(await models.latest(), undefined);
      assert.equal(await models.legacyTrainedDocs(), 0);
      await pb.stores.kv.set('search.trained_docs', '1234');
      assert.equal(await models.legacyTrainedDocs(), 1234);
      const files = (n: number) => ({ tokenizer: Buffer.from('{"t":1}'), weights: Buffer.alloc(5 * 1024 * 1024, n), config: Buffer.from('{"c":1}') });
      const pub = (n: number) => models.publish({ embedder: `static:m@v${n}`, version: `v${n}`, dims: 2, docs: 10 * n }, files(n));
      const m1 = await pub(1);
      assert.equal((await pub(1)).id, m1.id, 'the same version is stored once');
      const back = await models.files(m1.id);
      assert.ok(back.weights.equals(files(1).weights), 'weights in two chunks, joined');
      assert.equal(back.tokenizer.toString(), '{"t":1}');
      await pub(2);
      const m3 = await pub(3);
      assert.equal((await models.latest())!.id, m3.id);
      assert.equal(await models.byVersion('v1'), undefined, 'only the last two are kept');
      await assert.rejects(models.files(m1.id), /no longer in the database/);
      assert.equal((await models.byVersion('v2'))!.docs, 20);
    });
  });
}
