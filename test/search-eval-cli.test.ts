// `eval` end to end through the CLI on a small BEIR-format set made from the bundled sample's
// titles: the search package gets its instance from the CLI (it never imports the wiring).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ROOT } from './support/paths.ts';

const run = promisify(execFile);

test('eval --mode lexical scores a BEIR set and prints the figures as JSON', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-beir-'));
  try {
    const docs = [
      { _id: 'd1', title: 'Retrieval augmented generation for open domain question answering', text: 'We combine a retriever with a generator.' },
      { _id: 'd2', title: 'Diffusion models for image synthesis', text: 'Denoising steps produce images from noise.' },
      { _id: 'd3', title: 'Graph neural networks for molecules', text: 'Message passing over atoms and bonds predicts properties.' },
      { _id: 'd4', title: 'Speech recognition with transformers', text: 'An encoder reads audio frames and a decoder writes text.' },
    ];
    writeFileSync(join(dir, 'corpus.jsonl'), docs.map((d) => JSON.stringify(d)).join('\n'));
    const queries = [
      { _id: 'q1', text: 'retrieval augmented generation' },
      { _id: 'q2', text: 'denoising diffusion images' },
      { _id: 'q3', text: 'message passing molecules' },
    ];
    writeFileSync(join(dir, 'queries.jsonl'), queries.map((q) => JSON.stringify(q)).join('\n'));
    mkdirSync(join(dir, 'qrels'));
    writeFileSync(join(dir, 'qrels', 'test.tsv'), 'query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\nq3\td3\t1\n');
    const { stdout } = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'eval', '--beir', dir, '--mode', 'lexical', '--json'], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: '' },
    });
    const r = JSON.parse(stdout.trim().split('\n')[0]) as { mode: string; docs: number; queries: number; ndcg_at_10: number };
    assert.equal(r.mode, 'lexical');
    assert.equal(r.docs, 4);
    assert.equal(r.queries, 3);
    assert.equal(r.ndcg_at_10, 1, 'each query finds its one relevant paper first');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
