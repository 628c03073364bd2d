// Embedders and the vector index: safetensors and Model2Vec save/load round trip, the WordPiece
// tokenizer, the http adapter against a local OpenAI-compatible server (including a slow answer
// that makes search fall back to lexical), and the vector index catching up after a restart.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { embeddingsServer, type EmbeddingsServer } from './support/embeddings-server.ts';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../src/search/safetensors.ts';
import { loadStaticModel, saveStaticModel, StaticEmbedder } from '../src/search/embedders/static.ts';
import { trainStaticModel } from '../src/search/embedders/train.ts';
import { Tokenizer, wordLevelTokenizerJson } from '../src/search/tokenizer.ts';
import { kernels, newMemory, simdAvailable } from '../src/search/simd.ts';
import { VectorIndex } from '../src/search/vectors.ts';
import { VectorStore } from '../src/storage/vectors.ts';
import { createLogger } from '../src/logger.ts';
import type { PaperInput } from '../src/domain/paper.ts';

// A small real-looking corpus: titles and abstracts about a few topics, so co-occurrence has signal.
const TOPICS = [
  ['attention', 'transformer', 'heads', 'self-attention', 'tokens', 'sequence', 'encoder', 'decoder'],
  ['reinforcement', 'policy', 'reward', 'agent', 'environment', 'actions', 'value', 'exploration'],
  ['graph', 'nodes', 'edges', 'message', 'passing', 'neighbors', 'molecules', 'gnn'],
  ['diffusion', 'denoising', 'images', 'noise', 'sampling', 'score', 'generation', 'pixels'],
];
function corpus(n: number, seed = 1): PaperInput[] {
  let s = seed;
  const rnd = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  return Array.from({ length: n }, (_, i) => {
    const t = TOPICS[i % TOPICS.length];
    const w = () => t[Math.floor(rnd() * t.length)];
    const abstract = Array.from({ length: 40 }, () => (rnd() < 0.7 ? w() : ['method', 'results', 'model', 'data', 'learning'][Math.floor(rnd() * 5)])).join(
      ' ',
    );
    return {
      arxivId: `2401.${String(10000 + i + seed * 1000)}`,
      version: 1,
      title: `${w()} ${w()} study ${i}`,
      abstract,
      authors: ['A. Author'],
      categories: ['cs.LG'],
      source: 'test',
    };
  });
}

describe('static models', () => {
  test('safetensors: written tensors read back bit for bit, header aligned', () => {
    const dir = mkdtempSync(join(tmpdir(), 'st-'));
    try {
      const data = Float32Array.from({ length: 12 }, (_, i) => i / 3 - 1);
      writeSafetensors(join(dir, 'm.safetensors'), { embeddings: { shape: [3, 4], data } }, { format: 'pt' });
      const { tensors, metadata } = readSafetensors(join(dir, 'm.safetensors'));
      assert.deepEqual(tensors.get('embeddings')!.shape, [3, 4]);
      assert.deepEqual([...tensors.get('embeddings')!.data], [...data]);
      assert.equal(metadata.format, 'pt');
      // F16 values (as Model2Vec models often ship) widen correctly: 1.0 = 0x3c00, -2.0 = 0xc000.
      const header = Buffer.from(JSON.stringify({ w: { dtype: 'F16', shape: [2], data_offsets: [0, 4] } }));
      const buf = Buffer.alloc(8 + header.length + 4);
      buf.writeBigUInt64LE(BigInt(header.length));
      header.copy(buf, 8);
      buf.writeUInt16LE(0x3c00, 8 + header.length);
      buf.writeUInt16LE(0xc000, 8 + header.length + 2);
      assert.deepEqual([...parseSafetensors(buf).tensors.get('w')!.data], [1, -2]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a trained model saved in the Model2Vec layout loads back and embeds identically', () => {
    const dir = mkdtempSync(join(tmpdir(), 'm2v-'));
    try {
      const docs = corpus(400).map((p) => `${p.title}. ${p.abstract}`);
      const { model, stats } = trainStaticModel(docs, { dims: 16, iterations: 2 });
      assert.ok(stats.vocab > 16);
      const trained = new StaticEmbedder(model, 'paperboy', 'x');
      saveStaticModel(join(dir, 'model'), model);
      const loaded = loadStaticModel(join(dir, 'model'));
      assert.equal(loaded.dims, 16);
      assert.match(loaded.id, /^static:paperboy@[0-9a-f]{12}$/);
      const a = trained.embedOne('self-attention heads in a transformer');
      const b = loaded.embedOne('self-attention heads in a transformer');
      assert.deepEqual(
        [...b].map((x) => x.toFixed(5)),
        [...a].map((x) => x.toFixed(5)),
      );
      // Words of one topic are closer to each other than to another topic's.
      const cos = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i], 0);
      const att = loaded.embedOne('attention transformer');
      assert.ok(cos(att, loaded.embedOne('encoder decoder tokens')) > cos(att, loaded.embedOne('reward policy agent')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a large batch is embedded by the pool of threads, identically to one at a time, in order; closed, it embeds here again', async () => {
    const papers = corpus(600);
    const docs = papers.map((p) => `${p.title}. ${p.abstract}`);
    const { model } = trainStaticModel(docs, { dims: 16, iterations: 2 });
    const e = new StaticEmbedder(model, 'paperboy', 'pool');
    const one = docs.map((d) => e.embedOne(d));
    const pooled = await e.embed(docs, 'document');
    assert.equal(pooled.length, docs.length);
    pooled.forEach((v, i) => assert.deepEqual([...v], [...one[i]], `paper ${i}`));
    // The weights were moved to shared memory for the threads (one core: no pool); this thread embeds from them alike.
    if (availableParallelism() > 1) assert.ok(model.embeddings.buffer instanceof SharedArrayBuffer);
    // Two callers at once, closed meanwhile: both are answered before the threads stop.
    const [a, b] = [e.embed(docs.slice(0, 300), 'document'), e.embed(docs.slice(300), 'document')];
    await e.close();
    assert.deepEqual([...(await a)[299]], [...one[299]]);
    assert.deepEqual([...(await b)[299]], [...one[599]]);
    const after = await e.embed(docs, 'document');
    assert.deepEqual([...after[599]], [...one[599]]);
  });

  test('the four kernels, in WebAssembly SIMD and in JavaScript, agree with float64 loops', () => {
    for (const simd of [true, false]) {
      const memory = newMemory(1 << 16);
      const k = kernels(memory, { simd });
      const f = new Float32Array(memory.buffer);
      const dims = 24;
      const bytes = dims * 4;
      let seed = 9;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
      for (let x = 0; x < 2048; x++) f[x] = rnd();
      const row = (at: number) => [...f.subarray(at / 4, at / 4 + dims)];
      const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-5, `${simd ? 'SIMD' : 'JavaScript'} ${what}: ${a} against ${b}`);
      // Rows at 0, 96, 192 … (5 of them), outputs from byte 4096 on.
      const dotRef = (a: number, b: number) => row(a).reduce((s, x, d) => s + x * row(b)[d], 0);
      near(k.dot(0, bytes, bytes), dotRef(0, bytes), 'dot');
      k.dots(0, 2, 2 * bytes, 3, bytes, 4096);
      for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) near(f[1024 + i * 3 + j], dotRef(i * bytes, (2 + j) * bytes), `dots ${i} ${j}`);
      const before = row(bytes);
      k.axpy(bytes, 3 * bytes, 0.5, bytes);
      row(bytes).forEach((x, d) => near(x, before[d] + 0.5 * row(3 * bytes)[d], `axpy ${d}`));
      // pool: rows 4 and 0 with weights 2 and -1 into an output row of zeros.
      const i32 = new Int32Array(memory.buffer);
      i32[2048] = 4 * bytes;
      i32[2049] = 0;
      f[2050] = 2;
      f[2051] = -1;
      f.fill(0, 3072, 3072 + dims);
      k.pool(3072 * 4, 2048 * 4, 2050 * 4, 2, bytes);
      row(3072 * 4).forEach((x, d) => near(x, 2 * row(4 * bytes)[d] - row(0)[d], `pool ${d}`));
    }
  });

  test('pooling by the SIMD kernels gives the vectors of the plain loop, for texts longer than a kernel call, in the pool of threads too', async () => {
    assert.ok(simdAvailable(true), 'WebAssembly SIMD with shared memories (Node.js 20 on x64 and arm64)');
    const words = Array.from({ length: 3000 }, (_, i) => `w${i}`);
    const dims = 32;
    let seed = 5;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5;
    const table = Float32Array.from({ length: (words.length + 1) * dims }, rnd);
    const weights = Float32Array.from({ length: words.length + 1 }, () => 1 + rnd());
    const model = { tokenizerJson: wordLevelTokenizerJson(words), embeddings: table.slice(), weights: weights.slice(), dims, config: {} };
    const e = new StaticEmbedder(model, 'simd', 'x');
    // The table moved into the SIMD memory: one shared copy.
    assert.ok(model.embeddings.buffer instanceof SharedArrayBuffer);
    // The plain loop, in float64: each distinct word's row × weight × count, the mean, normalised.
    const reference = (text: string) => {
      const counts = new Map<number, number>();
      const ids = new Tokenizer(model.tokenizerJson).encode(text).filter((id) => id !== 0);
      for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
      const out = new Float64Array(dims);
      for (const [id, c] of counts) for (let d = 0; d < dims; d++) out[d] += weights[id] * c * table[id * dims + d];
      const norm = Math.hypot(...out.map((x) => x / ids.length));
      return [...out].map((x) => x / ids.length / norm);
    };
    // 2,500 distinct words: three calls of the kernel (1,024 rows each); repeated words; unknown words.
    const texts = [
      Array.from({ length: 2500 }, (_, i) => `w${(i * 7) % 3000}`).join(' '),
      'w1 w2 w2 w3 w3 w3 unknown',
      ...Array.from({ length: 300 }, (_, i) => `w${i} w${i * 3} w${i * 5} w${i} nothing`),
    ];
    const close = (a: Float32Array, b: number[], what: string) => a.forEach((x, d) => assert.ok(Math.abs(x - b[d]) < 1e-5, `${what}, dimension ${d}: ${x} against ${b[d]}`));
    texts.forEach((t, i) => close(e.embedOne(t), reference(t), `text ${i}`));
    // The pool's threads pool through their own scratch slots of the same memory.
    const pooled = await e.embed(texts, 'document');
    pooled.forEach((v, i) => assert.deepEqual([...v], [...e.embedOne(texts[i])], `text ${i} in the pool`));
    await e.close();
  });

  test('WordPiece tokenizer.json (as BERT-based Model2Vec models use) splits into known pieces', () => {
    const vocab = { '[UNK]': 0, '[CLS]': 1, un: 2, '##aff': 3, '##able': 4, cafe: 5, ',': 6, hello: 7 };
    const t = new Tokenizer({
      added_tokens: [{ id: 1, content: '[CLS]', special: true }],
      normalizer: { type: 'BertNormalizer', lowercase: true, strip_accents: null, clean_text: true },
      pre_tokenizer: { type: 'BertPreTokenizer' },
      model: { type: 'WordPiece', vocab, unk_token: '[UNK]', continuing_subword_prefix: '##' },
    });
    assert.deepEqual(t.encode('Unaffable, CAFÉ hello zzz'), [2, 3, 4, 6, 5, 7, 0]);
  });
});

for (const dbk of databases) {
  describe(`http embedder on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let emb: EmbeddingsServer;
    before(async () => {
      emb = await embeddingsServer(32);
      pb = await dbk.open({
        SEARCH_EMBEDDER: 'http',
        SEARCH_HTTP_URL: emb.url,
        SEARCH_HTTP_MODEL: 'tiny',
        SEARCH_HTTP_TIMEOUT_MS: '300',
        SEARCH_QUERY_PREFIX: 'query: ',
      });
      await pb.stores.papers.upsertMany(corpus(60));
      await pb.search.embedAll(25);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      emb?.server.close();
    });

    test('documents are embedded through the server; queries carry the prefix; search is hybrid', async () => {
      assert.ok(
        emb.calls.some((c) => c.length === 25),
        'embedded in batches',
      );
      const vi = await pb.search.vectorIndex();
      assert.equal(vi!.size, 60);
      assert.match(vi!.embedder, /^http:tiny@127\.0\.0\.1:\d+\/32$/);
      const r = await fetch(`${srv.url}/api/papers/search?q=graph+message+passing&limit=5`);
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('x-search-mode'), 'hybrid');
      assert.equal(r.headers.get('x-search-fallback'), null);
      assert.ok(emb.calls.some((c) => c[0] === 'query: graph message passing'));
      const body = (await r.json()) as { paper: { title: string } }[];
      assert.equal(body.length, 5);
    });

    test('a slow embeddings server makes search fall back to lexical, and the answer says so', async () => {
      emb.slowMs.value = 1500;
      try {
        const r = await fetch(`${srv.url}/api/papers/search?q=graph+message+passing&limit=5`);
        assert.equal(r.status, 200);
        assert.equal(r.headers.get('x-search-mode'), 'lexical');
        assert.match(r.headers.get('x-search-fallback')!, /no answer within 300 ms/);
        const body = (await r.json()) as { paper: { title: string } }[];
        assert.ok(body.length > 0, 'lexical results still come');
        const page = await (await fetch(`${srv.url}/search?q=graph+message+passing`)).text();
        assert.match(page, /Matching your words only/);
      } finally {
        emb.slowMs.value = 0;
      }
    });
  });

  describe(`vector index replica on ${dbk.name}`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
      await pb.stores.papers.upsertMany(corpus(300));
      await pb.search.train({ dims: 16, iterations: 2, minDf: 2 });
      await pb.search.embedAll(100);
    });
    after(async () => pb?.dispose());

    test('after a restart only the changes since the last save are applied; updates and deletions too', async () => {
      const vi = (await pb.search.vectorIndex())!;
      assert.equal(vi.size, 300);
      await vi.save();
      const log = createLogger('silent');
      // Another process (or this one after a restart) opens the saved index.
      const replica = new VectorIndex(new VectorStore(pb.db), join(pb.dataDir, 'vectors'), vi.embedder, vi.dims, log);
      assert.equal(replica.size, 300);
      assert.equal(await replica.catchUp(), 0, 'nothing to replay');
      // New papers, a changed abstract and a deletion happen elsewhere.
      await pb.stores.papers.upsertMany(corpus(5, 7));
      const changed = corpus(1)[0];
      await pb.stores.papers.upsert({ ...changed, abstract: `${changed.abstract} reward policy agent`, version: 2 });
      assert.equal(await pb.search.embedAll(100), 6);
      const gone = await pb.stores.papers.byArxivId(corpus(2)[1].arxivId);
      await pb.db.kysely.deleteFrom('papers').where('id', '=', gone!.id).execute();
      const applied = await replica.catchUp();
      assert.equal(applied, 7, '5 new + 1 updated + 1 deleted');
      assert.equal(replica.size, 304);
      const q = (await (await pb.search.embedder())!.embed(['reward policy agent'], 'query'))[0];
      assert.ok(!replica.search(q, 400).some((h) => h.id === gone!.id));
      await replica.close();
    });

    test('once nothing is pending, later passes look only at papers changed since, less a margin for late commits', async () => {
      assert.equal(await pb.search.embedAll(100), 0, 'all embedded');
      // A paper whose transaction committed late: its modified_at is two minutes old, and it has no vector yet.
      const [late] = corpus(1, 11);
      await pb.stores.papers.upsertMany([late]);
      const row = await pb.stores.papers.byArxivId(late.arxivId);
      const old = new Date(Date.now() - 120_000).toISOString();
      await pb.db.kysely.updateTable('papers').set({ modified_at: old }).where('id', '=', row!.id).execute();
      await pb.db.kysely.deleteFrom('paper_vectors').where('paper_id', '=', row!.id).execute();
      assert.equal(await pb.search.embedAll(100), 1, 'found within the margin');
      const v = await pb.db.kysely.selectFrom('paper_vectors').select('source_modified_at').where('paper_id', '=', row!.id).executeTakeFirst();
      assert.equal(v?.source_modified_at, old);
      // An update afterwards is embedded again, and then nothing is left.
      await pb.stores.papers.upsert({ ...late, abstract: `${late.abstract} graph attention`, version: 2 });
      assert.equal(await pb.search.embedAll(100), 1);
      assert.equal(await pb.search.embedAll(100), 0);
    });
  });
}
