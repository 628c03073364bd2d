// The onnx embedder (transformers.js + onnxruntime-node) on a tiny BERT-layout model the test
// builds (test/support/onnx-model.ts: WordPiece vocabulary from the JSONL fixture, an ONNX graph
// encoded by hand), since there is no model hub here. Checked against the embedding matrix by
// hand: dimensions, unit length, mask-aware mean pooling (also across a padded batch), [CLS]
// pooling, query and document prefixes, a relative model folder, an id that follows the model's
// contents; then a Paperboy instance with SEARCH_EMBEDDER=onnx searching the fixture in hybrid mode.
// @huggingface/transformers is an optional dependency: without it the whole file is skipped.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, type TestInstance } from './support/db.ts';
import { fixture } from './support/paths.ts';
import { writeTinyOnnxModel, type TinyOnnxModel } from './support/onnx-model.ts';
import { OnnxEmbedder } from '../src/search/embedders/onnx.ts';
import { documentText } from '../src/search/embedders/types.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';

const missing = await import('@huggingface/transformers').then(
  () => undefined,
  (err: Error) => `@huggingface/transformers (an optional dependency) cannot be imported here (${err.message.split('\n')[0]}): the onnx embedder is not tested`,
);

const SAMPLE = fixture('jsonl', 'sample-50.jsonl');
const records = readFileSync(SAMPLE, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as { arxiv_id: string; title: string; summary: string });
const DIMS = 32;

/** What the graph outputs at one position: the word's row plus the token-type-0 row. */
function hidden(m: TinyOnnxModel, token: string): Float32Array {
  const id = m.vocab.get(token);
  assert.ok(id !== undefined, `"${token}" is in the vocabulary`);
  return Float32Array.from({ length: m.dims }, (_, d) => m.wordEmbeddings[id * m.dims + d] + m.typeEmbeddings[d]);
}

/** Mean of the hidden states of these tokens, normalised: sentence-transformers' mean pooling by hand. */
function meanPooled(m: TinyOnnxModel, tokens: string[]): Float32Array {
  const out = new Float32Array(m.dims);
  for (const t of tokens) hidden(m, t).forEach((v, d) => (out[d] += v / tokens.length));
  return unit(out);
}

function unit(v: Float32Array): Float32Array {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
}

const norm = (v: Float32Array) => Math.hypot(...v);
function assertClose(a: Float32Array, b: Float32Array, msg: string): void {
  assert.equal(a.length, b.length, msg);
  const worst = Math.max(...a.map((x, i) => Math.abs(x - b[i])));
  assert.ok(worst < 1e-5, `${msg}: differs by ${worst}`);
}

describe('onnx embedder on a model built by the test', { skip: missing }, () => {
  let root: string;
  let model: TinyOnnxModel;
  let emb: OnnxEmbedder;
  before(async () => {
    root = mkdtempSync(join(tmpdir(), 'onnx-'));
    model = writeTinyOnnxModel(
      join(root, 'tiny-bert'),
      records.map((r) => documentText(r.title, r.summary)),
      { dims: DIMS, extraWords: ['query: passage: graph neural networks images'] },
    );
    emb = await OnnxEmbedder.load({ model: model.dir, queryPrefix: 'query: ', documentPrefix: 'passage: ' });
  });
  after(async () => {
    await emb?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  test('the model loads from the local folder: dimensions, id, unit vectors', async () => {
    assert.equal(emb.dims, DIMS);
    assert.match(emb.id, /^onnx:tiny-bert@[0-9a-f]{12}$/);
    const vs = await emb.embed(['Graph neural networks', 'Scene graphs'], 'document');
    assert.equal(vs.length, 2);
    for (const v of vs) {
      assert.equal(v.length, DIMS);
      assert.ok(Math.abs(norm(v) - 1) < 1e-5, `unit length, got ${norm(v)}`);
    }
  });

  test('mean pooling over [CLS] prefix text [SEP], computed by hand from the embedding matrix', async () => {
    const [doc] = await emb.embed(['Graph neural networks'], 'document');
    assertClose(doc, meanPooled(model, ['[CLS]', 'passage', ':', 'graph', 'neural', 'networks', '[SEP]']), 'document');
    const [q] = await emb.embed(['Graph neural networks'], 'query');
    assertClose(q, meanPooled(model, ['[CLS]', 'query', ':', 'graph', 'neural', 'networks', '[SEP]']), 'query');
    // A word outside the vocabulary is one [UNK] token.
    const [unk] = await emb.embed(['graph zzqxv'], 'document');
    assertClose(unk, meanPooled(model, ['[CLS]', 'passage', ':', 'graph', '[UNK]', '[SEP]']), 'unknown word');
  });

  test('in a padded batch, padding is left out of the mean (the vectors equal those embedded alone)', async () => {
    const texts = ['images', 'graph neural networks graph neural networks images images graph', 'networks'];
    const batch = await emb.embed(texts, 'document');
    for (let i = 0; i < texts.length; i++) {
      const [alone] = await emb.embed([texts[i]], 'document');
      assertClose(batch[i], alone, `text ${i} in a batch and alone`);
    }
    assertClose(batch[0], meanPooled(model, ['[CLS]', 'passage', ':', 'images', '[SEP]']), 'short text of a padded batch');
    // More than one batch of 32: every text keeps its own vector, in order.
    const many = Array.from({ length: 70 }, (_, i) => (i % 2 ? 'images' : 'graph'));
    const out = await emb.embed(many, 'document');
    assert.equal(out.length, 70);
    assertClose(out[69], batch[0], 'the last of 70');
    assertClose(out[68], (await emb.embed(['graph'], 'document'))[0], 'the 69th of 70');
  });

  test('query and document prefixes are applied; without them both kinds give the same vector', async () => {
    const [q] = await emb.embed(['images'], 'query');
    const [d] = await emb.embed(['images'], 'document');
    assert.ok(Math.max(...q.map((x, i) => Math.abs(x - d[i]))) > 1e-3, 'query and document vectors differ');
    const plain = await OnnxEmbedder.load({ model: model.dir });
    try {
      const [pq] = await plain.embed(['images'], 'query');
      const [pd] = await plain.embed(['images'], 'document');
      assertClose(pq, pd, 'no prefixes');
      assertClose(pq, meanPooled(model, ['[CLS]', 'images', '[SEP]']), 'no prefix, by hand');
      // The document prefix is part of the id (documents embedded with another prefix are re-embedded).
      assert.notEqual(plain.id, emb.id);
    } finally {
      await plain.close();
    }
  });

  test('cls pooling takes the first hidden state', async () => {
    const cls = await OnnxEmbedder.load({ model: model.dir, pooling: 'cls' });
    try {
      const [v] = await cls.embed(['graph neural networks'], 'document');
      assertClose(v, unit(hidden(model, '[CLS]')), 'the [CLS] position');
      const mean = await OnnxEmbedder.load({ model: model.dir });
      assert.notEqual(cls.id, mean.id, 'the pooling is part of the id');
      await mean.close();
    } finally {
      await cls.close();
    }
  });

  test('a relative folder loads (not taken for a hub id); the id follows the files, not the path', async () => {
    const cwd = process.cwd();
    process.chdir(root);
    let rel: OnnxEmbedder;
    try {
      rel = await OnnxEmbedder.load({ model: 'tiny-bert' });
    } finally {
      process.chdir(cwd);
    }
    try {
      const plain = await OnnxEmbedder.load({ model: model.dir });
      assert.equal(rel.id, plain.id, 'same files, same id');
      assertClose((await rel.embed(['images'], 'query'))[0], (await plain.embed(['images'], 'query'))[0], 'same vectors');
      await plain.close();
    } finally {
      await rel.close();
    }
    // Other weights in a folder of the same name: another id, so stored vectors are re-embedded.
    const other = writeTinyOnnxModel(join(root, 'other', 'tiny-bert'), ['graph neural networks'], { dims: DIMS, seed: 7 });
    const changed = await OnnxEmbedder.load({ model: other.dir });
    try {
      assert.match(changed.id, /^onnx:tiny-bert@/);
      const first = await OnnxEmbedder.load({ model: model.dir });
      assert.notEqual(changed.id, first.id);
      await first.close();
    } finally {
      await changed.close();
    }
  });
});

for (const dbk of databases) {
  describe(`SEARCH_EMBEDDER=onnx end to end on ${dbk.name}`, { skip: missing }, () => {
    let root: string;
    let pb: TestInstance;
    before(async () => {
      root = mkdtempSync(join(tmpdir(), 'onnx-e2e-'));
      const m = writeTinyOnnxModel(
        join(root, 'tiny-bert'),
        records.map((r) => documentText(r.title, r.summary)),
        { dims: DIMS, extraWords: ['query: passage:'] },
      );
      pb = await dbk.open({ SEARCH_EMBEDDER: 'onnx', SEARCH_ONNX_MODEL: m.dir, SEARCH_QUERY_PREFIX: 'query: ', SEARCH_DOCUMENT_PREFIX: 'passage: ' });
      const imported = await pb.importer.run('jsonl', SAMPLE, parseJsonl(SAMPLE));
      assert.equal(imported.errors, 0);
      assert.equal(await pb.search.embedAll(20), records.length);
    });
    after(async () => {
      await pb?.dispose();
      if (root) rmSync(root, { recursive: true, force: true });
    });

    test('every paper gets an onnx vector; a query finds its paper in hybrid mode, and by its vector alone', async () => {
      const vi = (await pb.search.vectorIndex())!;
      assert.equal(vi.size, records.length);
      assert.match(vi.embedder, /^onnx:tiny-bert@[0-9a-f]{12}$/);
      assert.equal(vi.dims, DIMS);
      const target = '2510.21369'; // Load-bearing Assessment for Safe Locomotion of Quadruped Robots on Collapsing Terrain
      const r = await pb.search.search({ q: 'quadruped robot safety on collapsing terrain', limit: 5 });
      assert.equal(r.mode, 'hybrid');
      assert.equal(r.fallback, undefined);
      assert.equal(r.hits[0].paper.arxivId, target);
      assert.equal(r.hits[0].match, 'ranked');
      const v = await pb.search.search({ q: 'quadruped robot safety on collapsing terrain', limit: 3, mode: 'vector' });
      assert.equal(v.mode, 'vector');
      assert.equal(v.hits[0].paper.arxivId, target);
      // The hybrid ranking fused both scores for it: its lexical score and its cosine to the query's onnx vector.
      const ranked = await pb.search.rank('quadruped robot safety on collapsing terrain', { limit: 5 });
      assert.equal(ranked.mode, 'hybrid');
      assert.ok(ranked.hits[0].lexical! > 0 && ranked.hits[0].cosine! > 0, JSON.stringify(ranked.hits[0]));
    });
  });
}
