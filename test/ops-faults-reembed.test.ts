// Faults: a worker killed with SIGKILL in the middle of a re-embed batch. Every paper has a vector
// of the old embedder; the worker's search upkeep re-embeds them with the new one, batch by batch,
// each batch one transaction. The worker is killed while it waits for the embeddings of its second
// batch; another worker takes over the job when its lease lapses and continues with the papers
// that still lack a vector of the new embedder. Every job ends done once, and every paper ends with
// exactly one vector, of the new embedder, equal to what the embeddings server gives for its text.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { sql } from 'kysely';
import { databases, PG_URL, testConfig, type TestInstance } from './support/db.ts';
import { instanceEnv, loadSomeSample, startServe } from './ops-child.ts';
import { SearchService } from '../src/search/service.ts';
import { VectorIndex } from '../src/search/vectors.ts';
import { VectorStore } from '../src/storage/vectors.ts';
import { documentText, fromBytes, normalize } from '../src/search/embedders/types.ts';
import { EMBED_BATCH, SEARCH_JOB } from '../src/jobs/tasks/search.ts';
import { createLogger } from '../src/logger.ts';
import { until } from './support/until.ts';
import { listenOnLoopback } from './support/server.ts';
import { hashEmbedding } from './support/embeddings-server.ts';

const LEASE_SECONDS = '3';
const DIMS = 32;
const PROBE = 'dimension probe';

/** Deterministic vectors from word hashes (what the server answers for a text). */
const embedText = (text: string) => hashEmbedding(text, DIMS);

/**
 * A real OpenAI-compatible /v1/embeddings server on loopback. It records every document batch per
 * model and can hold one batch of one model unanswered (the worker then waits mid-batch).
 */
async function embeddingsServer() {
  const batches: { model: string; input: string[] }[] = [];
  const hold: { model?: string; nth?: number; onHeld?: () => void; held?: ServerResponse } = {};
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') return void res.writeHead(404).end();
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      if (!(input.length === 1 && input[0] === PROBE)) {
        batches.push({ model, input });
        if (model === hold.model && batches.filter((b) => b.model === model).length === hold.nth) {
          hold.held = res;
          hold.model = undefined;
          hold.onHeld?.();
          return;
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({ object: 'list', model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: embedText(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } }),
      );
    });
  });
  // The killed worker resets its connection: expected here.
  server.on('clientError', () => {});
  const listening = await listenOnLoopback(server);
  const url = `http://127.0.0.1:${listening.port}`;
  return {
    url,
    batches,
    hold,
    close: listening.close,
  };
}


const searchJobs = (pb: TestInstance) => pb.db.kysely.selectFrom('jobs').selectAll().where('name', '=', SEARCH_JOB).orderBy('id').execute();

/** Stored vectors per embedder. */
async function byEmbedder(pb: TestInstance): Promise<Record<string, number>> {
  const rows = await pb.db.kysely.selectFrom('paper_vectors').select(['embedder', (eb) => eb.fn.countAll<string>().as('n')]).groupBy('embedder').execute();
  return Object.fromEntries(rows.map((r) => [r.embedder, Number(r.n)]));
}

/** Every search job done exactly once (the orphan in two attempts, finished by `second`). */
async function assertJobsOnce(pb: TestInstance, orphanId: number, secondPid: number): Promise<void> {
  const jobs = await searchJobs(pb);
  assert.equal(jobs.filter((j) => j.status === 'running' || j.status === 'dead').length, 0, JSON.stringify(jobs));
  for (const j of jobs.filter((x) => x.status === 'done')) assert.equal(j.attempts, j.id === orphanId ? 2 : 1, `job ${j.id}`);
  assert.match(jobs.find((j) => j.id === orphanId)!.locked_by ?? '', new RegExp(`:${secondPid}:`));
}

/** Every paper has one vector, of `embedder`, equal to `expected(text)`; a fresh index replica holds each once. */
async function assertOneVectorEach(pb: TestInstance, embedder: string, dims: number, expected: (texts: string[]) => Promise<Float32Array[]>): Promise<void> {
  const papers = await pb.stores.papers.count();
  assert.deepEqual(await byEmbedder(pb), { [embedder]: papers });
  const rows = await pb.db.kysely
    .selectFrom('papers as p')
    .leftJoin('paper_vectors as v', 'v.paper_id', 'p.id')
    .select(['p.id', 'p.title', 'p.abstract', 'v.vector', 'v.embedder'])
    .orderBy('p.id')
    .execute();
  assert.equal(rows.length, papers, 'no paper has two vectors');
  const want = await expected(rows.map((r) => documentText(r.title, r.abstract)));
  rows.forEach((r, i) => {
    assert.equal(r.embedder, embedder, `paper ${r.id}`);
    assert.deepEqual([...fromBytes(r.vector as Uint8Array)], [...want[i]], `paper ${r.id}`);
  });
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-replica-'));
  try {
    const replica = new VectorIndex(new VectorStore(pb.db), dir, embedder, dims, createLogger('silent'));
    await replica.catchUp();
    assert.equal(replica.size, papers);
    await replica.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const dbk of databases) {
  describe(`worker killed mid re-embed (${dbk.name})`, () => {
    let pb: TestInstance;
    let emb: Awaited<ReturnType<typeof embeddingsServer>>;
    before(async () => {
      pb = await dbk.open();
      emb = await embeddingsServer();
    });
    after(async () => {
      await emb?.close();
      await pb?.dispose();
    });

    it('kill -9 a worker waiting for a batch\'s embeddings: the next worker finishes the job, every paper has one vector of the new embedder', { timeout: 180_000 }, async () => {
      await loadSomeSample(pb, 1100);
      const papers = await pb.stores.papers.count();
      assert.ok(papers > 2 * EMBED_BATCH, `${papers} papers: three batches`);
      const http = (model: string) => ({ SEARCH_EMBEDDER: 'http', SEARCH_HTTP_URL: emb.url, SEARCH_HTTP_MODEL: model });

      // Every paper has a vector of the old embedder (v1).
      const old = new SearchService(testConfig({ PAPERBOY_DATA_DIR: pb.dataDir, ...http('v1') }), pb.db, pb.stores.papers, createLogger('silent'));
      assert.equal(await old.embedAll(EMBED_BATCH), papers);
      const v1 = (await old.embedder())!.id;
      await old.close();

      // A worker configured with the new embedder (v2) re-embeds; its second batch is never answered.
      const env = { ...(await instanceEnv(pb)), ...http('v2'), PAPERBOY_JOB_LEASE_SECONDS: LEASE_SECONDS, PAPERBOY_SCHEDULER_TICK_SECONDS: '1' };
      const held = new Promise<void>((resolve) => Object.assign(emb.hold, { model: 'v2', nth: 2, onHeld: resolve }));
      const first = await startServe('worker', env);
      await held;
      first.proc.kill('SIGKILL');
      await first.exited;
      emb.hold.held?.socket?.destroy();

      const orphan = (await searchJobs(pb)).find((j) => j.status === 'running')!;
      assert.ok(orphan, 'the killed worker held a search upkeep job');
      assert.match(orphan.locked_by!, new RegExp(`:${first.proc.pid}:`));
      const v2 = `http:v2@${new URL(emb.url).host}/${DIMS}`;
      // The first batch is committed, the second is not, and no paper lost its vector meanwhile.
      assert.deepEqual(await byEmbedder(pb), { [v1]: papers - EMBED_BATCH, [v2]: EMBED_BATCH });

      const second = await startServe('worker', env);
      try {
        await until(
          'the re-embed finished by the second worker',
          async () => (await byEmbedder(pb))[v2] === papers && (await searchJobs(pb)).find((j) => j.id === orphan.id)!.status === 'done',
          second.output,
        );
      } finally {
        second.proc.kill('SIGTERM');
        await second.exited;
      }
      await assertJobsOnce(pb, orphan.id, second.proc.pid!);
      await assertOneVectorEach(pb, v2, DIMS, async (texts) => texts.map((t) => normalize(Float32Array.from(embedText(t)))));

      // Resumed, not restarted: the first batch was embedded once, the held one twice, the rest once.
      const v2Batches = emb.batches.filter((b) => b.model === 'v2');
      const times = new Map<string, number>();
      for (const b of v2Batches) for (const t of b.input) times.set(t, (times.get(t) ?? 0) + 1);
      assert.equal(times.size, papers);
      const [b1, b2] = v2Batches;
      for (const t of b1.input) assert.equal(times.get(t), 1);
      for (const t of b2.input) assert.equal(times.get(t), 2);
      assert.equal([...times.values()].filter((n) => n === 1).length, papers - EMBED_BATCH);
    });

    if (dbk.name === 'postgres')
      it('kill -9 a worker in the middle of writing a batch of the retrained default model: that batch is rolled back whole, then finished by the next worker', { timeout: 240_000 }, async () => {
        // A fresh corpus: the papers of the test above are replaced by a new, smaller set.
        await pb.db.kysely.deleteFrom('papers').execute();
        await pb.db.kysely.deleteFrom('jobs').where('name', '=', SEARCH_JOB).execute();
        await loadSomeSample(pb, 1100);
        const papers = await pb.stores.papers.count();
        // The default model, trained and embedded; then retrained (shared through the database), so every paper needs a new vector.
        await pb.search.train({ dims: 32, maxVocab: 4000, iterations: 2 });
        assert.equal(await pb.search.embedAll(EMBED_BATCH), papers);
        const a = (await pb.search.embedder())!.id;
        await pb.search.train({ dims: 48, maxVocab: 4000, iterations: 2 });
        const model = (await pb.search.models.latest())!;
        const b = model.embedder;
        assert.notEqual(a, b);

        // Another session holds the vector row of the 201st paper of the second batch: the worker's
        // second batch (one transaction) writes its first 200 rows, then waits on that row.
        const ids = (await pb.db.kysely.selectFrom('papers').select('id').orderBy('id').execute()).map((r) => r.id);
        const base = await instanceEnv(pb);
        const env = { ...base, PAPERBOY_JOB_LEASE_SECONDS: LEASE_SECONDS, PAPERBOY_SCHEDULER_TICK_SECONDS: '1' };
        const blocker = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${base.PAPERBOY_DATABASE_SCHEMA}` });
        await blocker.connect();
        const workerDir = mkdtempSync(join(tmpdir(), 'paperboy-worker-'));
        try {
          await blocker.query('begin');
          await blocker.query('select 1 from paper_vectors where paper_id = $1 for update', [ids[EMBED_BATCH + 200]]);
          const me = (await blocker.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
          // The worker has its own data dir: it copies the retrained model from the database.
          const first = await startServe('worker', { ...env, PAPERBOY_DATA_DIR: workerDir });
          // Asked from outside the blocker's transaction, whose view of pg_stat_activity is a snapshot.
          const waiting = async () =>
            (await sql<{ pid: number; blockers: number[]; query: string }>`select pid, pg_blocking_pids(pid) as blockers, left(query, 120) as query
              from pg_stat_activity where ${me} = any(pg_blocking_pids(pid))`.execute(pb.db.kysely)).rows;
          await until('the worker waiting on the held row', async () => (await waiting()).length > 0, first.output);
          assert.match((await waiting())[0].query, /paper_vectors/);
          first.proc.kill('SIGKILL');
          await first.exited;
          await blocker.query('rollback');
          // The killed worker's second batch never commits, its first 200 rows included.
          assert.deepEqual(await byEmbedder(pb), { [a]: papers - EMBED_BATCH, [b]: EMBED_BATCH });
          const orphan = (await searchJobs(pb)).filter((j) => j.status === 'running');
          assert.equal(orphan.length, 1);

          const second = await startServe('worker', { ...env, PAPERBOY_DATA_DIR: workerDir });
          try {
            await until(
              'the re-embed finished by the second worker',
              async () => (await byEmbedder(pb))[b] === papers && (await searchJobs(pb)).find((j) => j.id === orphan[0].id)!.status === 'done',
              second.output,
            );
          } finally {
            second.proc.kill('SIGTERM');
            await second.exited;
          }
          await assertJobsOnce(pb, orphan[0].id, second.proc.pid!);
          const e = (await pb.search.embedder())!;
          assert.equal(e.id, b);
          await assertOneVectorEach(pb, b, e.dims, (texts) => e.embed(texts, 'document'));
        } finally {
          await blocker.end();
          rmSync(workerDir, { recursive: true, force: true });
        }
      });
  });
}
