// The vector side of a web process in its own thread (src/search/vector-thread.ts): it loads the
// shared model and builds the replica from the database (its own connection), answers searches and
// similar papers exactly as the index on the calling thread would, and switches to a newer model
// by itself (old model and index until the new index is built, then both at once). A search never
// waits long for it: at most 2 s for a first index that is not built yet, at most
// PAPERBOY_SEARCH_VECTOR_WAIT_MS for an answer from a busy thread; then it answers by words and says why.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { until } from './support/until.ts';
import { embeddingsServer, type EmbeddingsServer } from './support/embeddings-server.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const TOPICS = [
  ['attention', 'transformer', 'heads', 'tokens', 'sequence', 'encoder', 'decoder', 'layers', 'context', 'positional', 'language', 'softmax'],
  ['reinforcement', 'policy', 'reward', 'agent', 'environment', 'actions', 'exploration', 'value', 'episodes', 'bandit', 'markov', 'planning'],
  ['graph', 'nodes', 'edges', 'message', 'passing', 'neighbors', 'molecules', 'spectral', 'adjacency', 'pooling', 'chemistry', 'protein'],
  ['diffusion', 'denoising', 'images', 'noise', 'sampling', 'score', 'pixels', 'latent', 'guidance', 'sampler', 'texture', 'resolution'],
];
function corpus(n: number): PaperInput[] {
  let s = 7;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => {
    const t = TOPICS[i % TOPICS.length];
    const w = () => t[Math.floor(rnd() * t.length)];
    const abstract = Array.from({ length: 40 }, () => (rnd() < 0.7 ? w() : ['method', 'results', 'model', 'data'][Math.floor(rnd() * 4)])).join(' ');
    return {
      arxivId: `2402.${String(10000 + i)}`,
      version: 1,
      title: `${w()} ${w()} paper ${i}`,
      abstract,
      authors: ['A. Author'],
      categories: ['cs.LG'],
      source: 'test',
    };
  });
}

for (const dbk of databases) {
  describe(`the vector thread of a web process (${dbk.name})`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_SEARCH_SYNC_MS: '300' });
      await pb.stores.papers.upsertMany(corpus(400));
      await pb.search.train({ dims: 16, iterations: 2, minDf: 2 });
      await pb.search.embedAll(100);
    });
    after(async () => pb?.dispose());

    test('answers searches and similar papers as the index on this thread does, then follows a new model', async () => {
      const queries = ['reward policy agent', 'graph message passing', 'denoising images'];
      const local = await Promise.all(queries.map(async (q) => (await pb.search.rank(q, { limit: 10, mode: 'vector' })).hits.map((h) => h.id)));
      const first = (await pb.search.embedder())!.id;
      const paper = (await pb.stores.papers.byArxivId('2402.10005'))!;
      const similarLocal = (await pb.search.similar(paper.id, 5)).map((p) => p.id);

      pb.search.serveVectorsFromThread();
      // Until its first index is built, a search waits at most 2 s for it, then answers by words.
      const r = await until('the thread serving', () => pb.search.replica(), { timeoutMs: 60_000, everyMs: 100 });
      assert.equal(r.embedder, first);
      assert.equal(r.size, 400);
      assert.equal((await pb.search.embedder())!.id, first, 'the embedder seen from here is the thread’s');
      for (const [i, q] of queries.entries()) {
        const got = await pb.search.rank(q, { limit: 10, mode: 'vector' });
        assert.equal(got.mode, 'vector');
        assert.deepEqual(
          got.hits.map((h) => h.id),
          local[i],
          q,
        );
        assert.equal((await pb.search.rank(q, { limit: 10 })).mode, 'hybrid');
      }
      assert.deepEqual(
        (await pb.search.similar(paper.id, 5)).map((p) => p.id),
        similarLocal,
      );
      assert.match(await pb.search.indexReadiness(), /^400 vectors$/);

      // Another model is published (as a worker in another process would) and the corpus embedded
      // with it: the thread notices, builds the new index, and swaps.
      await pb.search.train({ dims: 24, iterations: 2, minDf: 2 });
      const second = (await pb.search.models.latest())!.embedder;
      assert.notEqual(second, first);
      await until('the thread on the new model', async () => (await pb.search.replica())?.embedder === second, { timeoutMs: 60_000, everyMs: 100 });
      // Here the embedding goes through the thread too (its embedder is this process's).
      assert.equal(await pb.search.embedAll(100), 400);
      const now = await until(
        'the new index caught up',
        async () => {
          const x = await pb.search.replica();
          return x?.embedder === second && x.size === 400 && x;
        },
        { timeoutMs: 60_000, everyMs: 100 },
      );
      assert.equal(now.dims, 24);
      const after = await pb.search.rank('reward policy agent', { limit: 10, mode: 'vector' });
      assert.ok(after.hits.length >= 10);
      // The new model's vectors: asked with the old one's id, the thread answers nothing.
      assert.deepEqual(await r.search(new Float32Array(16), 5), []);
    });
  });

  describe(`a search does not wait long for the vector thread (${dbk.name})`, () => {
    let pb: TestInstance;
    let emb: EmbeddingsServer;
    before(async () => {
      emb = await embeddingsServer(32);
      pb = await dbk.open({
        PAPERBOY_SEARCH_EMBEDDER: 'http',
        PAPERBOY_SEARCH_HTTP_URL: emb.url,
        PAPERBOY_SEARCH_HTTP_MODEL: 'tiny',
        PAPERBOY_SEARCH_HTTP_TIMEOUT_MS: '10000',
        PAPERBOY_SEARCH_VECTOR_WAIT_MS: '300',
      });
      await pb.stores.papers.upsertMany(corpus(60));
      await pb.search.embedAll(25);
    });
    after(async () => {
      await pb?.dispose();
      emb?.server.close();
    });

    test('no first index within 2 s: answered by words; a thread busy past the wait: answered by words; both say so', async () => {
      // The thread's embedder asks the embeddings server for its dimensions first: held 4 s here.
      emb.slowMs.value = 4000;
      pb.search.serveVectorsFromThread();
      const t0 = performance.now();
      const early = await pb.search.rank('graph message passing', { limit: 5 });
      const waited = performance.now() - t0;
      assert.equal(early.mode, 'lexical');
      assert.match(early.fallback!, /not ready yet/);
      assert.ok(early.hits.length > 0, 'lexical results still come');
      assert.ok(waited >= 1900, `waited ${waited.toFixed(0)} ms for the first index, not less`);
      emb.slowMs.value = 0;
      await until('the thread serving', () => pb.search.replica(0), { timeoutMs: 60_000, everyMs: 100 });
      const ready = await pb.search.rank('graph message passing', { limit: 5 });
      assert.equal(ready.mode, 'hybrid');
      // The query embedding is allowed 10 s, the search waits 300 ms for it.
      emb.slowMs.value = 2000;
      try {
        const busy = await pb.search.rank('graph message passing', { limit: 5 });
        assert.equal(busy.mode, 'lexical');
        assert.match(busy.fallback!, /busy/);
        assert.deepEqual(
          busy.hits.map((h) => h.id),
          (await pb.search.rank('graph message passing', { limit: 5, mode: 'lexical' })).hits.map((h) => h.id),
        );
      } finally {
        emb.slowMs.value = 0;
      }
      assert.equal((await pb.search.rank('graph message passing', { limit: 5 })).mode, 'hybrid');
    });
  });
}
