// Semantic search across processes (PostgreSQL): a worker and a separate web process, each with its
// own data dir, share one database. The worker trains the default embedder from the stored papers
// and stores it in the database; the web process loads it from there. A paper the worker imports
// afterwards is then found by the web process's search API through a query whose words are not in
// the paper, that is through its vector, within 10 s of being committed. On each database, too:
// two search services with their own data dirs see the same model, a model trained before models
// were shared is published once, and a retrained model is noticed by the other service.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { databases, PG_URL, type TestInstance } from './support/db.ts';
import { instanceEnv, loadSomeSample, startServe, type Child } from './ops-child.ts';
import { ReplayServer } from './support/replay.ts';
import { RSS_JOB } from '../src/jobs/tasks/ingest.ts';
import { isStaticModelDir, loadStaticModel, saveStaticModel } from '../src/search/embedders/static.ts';
import { trainStaticModel } from '../src/search/embedders/train.ts';
import { documentText } from '../src/search/embedders/types.ts';
import { SearchService } from '../src/search/service.ts';
import { createLogger } from '../src/logger.ts';
import { testConfig } from './support/db.ts';
import { sleep, until } from './support/until.ts';

/** A paper of the recorded RSS listing, and a query that means it without using its words. */
const TARGET = '2205.06398'; // "Outlier Detection for Multi-Network Data": outlying brain networks from neuroimaging
const QUERY = 'anomalous fmri';
const ABSENT = ['anomal', 'fmri'];
const BUDGET_MS = 10_000;


async function search(url: string, q: string): Promise<{ mode: string | null; ids: string[] }> {
  const r = await fetch(`${url}/api/papers/search?q=${encodeURIComponent(q)}&limit=50`);
  assert.equal(r.status, 200);
  const body = (await r.json()) as { paper: { id: string } }[];
  return { mode: r.headers.get('x-search-mode'), ids: body.map((h) => h.paper.id) };
}

const pgDb = databases.find((d) => d.name === 'postgres');

if (!pgDb) {
  it('semantic search across a worker and a web process (PostgreSQL only)', { skip: 'DATABASE_URL_TEST is unset: this test needs PostgreSQL' }, () => {});
} else {
  describe('semantic search across processes (postgres)', () => {
    let pb: TestInstance;
    let srv: ReplayServer;
    const dirs: string[] = [];
    const children: Child[] = [];
    before(async () => {
      pb = await pgDb.open();
      srv = await new ReplayServer().start();
    });
    after(async () => {
      for (const c of children) {
        c.proc.kill('SIGTERM');
        await c.exited;
      }
      await srv?.close();
      await pb?.dispose();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it(`a paper imported by the worker is found by meaning through another web process within ${BUDGET_MS / 1000} s`, { timeout: 300_000 }, async (t) => {
      assert.ok(PG_URL);
      // The corpus the worker trains on: 1,500 sample papers and the HF daily list.
      await loadSomeSample(pb, 1500);
      const base = { ...(await instanceEnv(pb)), ...srv.sourceEnv(), PAPERBOY_SCHEDULER_TICK_SECONDS: '1' };
      const workerDir = mkdtempSync(join(tmpdir(), 'paperboy-worker-'));
      const webDir = mkdtempSync(join(tmpdir(), 'paperboy-web-'));
      dirs.push(workerDir, webDir);
      const [worker, web] = await Promise.all([startServe('worker', { ...base, PAPERBOY_DATA_DIR: workerDir }), startServe('web', { ...base, PAPERBOY_DATA_DIR: webDir })]);
      children.push(worker, web);

      // The worker's search upkeep trains the model, stores it in the database and embeds every paper.
      const model = await until('the trained model in the database', () => pb.search.models.latest(), 240_000, 500);
      assert.match(model.embedder, /^static:paperboy@[0-9a-f]{12}$/);
      const papers = await pb.stores.papers.count();
      await until(
        'every paper embedded by the worker',
        async () => {
          const r = await pb.db.kysely.selectFrom('paper_vectors').select((eb) => eb.fn.countAll<string>().as('n')).where('embedder', '=', model.embedder).executeTakeFirstOrThrow();
          return Number(r.n) === papers;
        },
        120_000,
        500,
      );
      // The web process, with no model of its own, loads the shared one and searches hybrid.
      await until('hybrid search in the web process', async () => (await search(web.url!, QUERY)).mode === 'hybrid', 30_000);
      assert.ok(isStaticModelDir(join(webDir, 'embedders', model.version)), 'the web process keeps a copy of the shared model');
      assert.ok(isStaticModelDir(join(workerDir, 'embedders', model.version)));
      assert.equal(existsSync(join(webDir, 'embedder')), false);
      assert.deepEqual(readdirSync(join(webDir, 'embedders')), [model.version]);
      assert.equal(await pb.stores.papers.byArxivId(TARGET), undefined);

      // A new listing imported through the worker.
      await pb.jobs.enqueue(RSS_JOB, { categories: ['cs.LG', 'cs.AI', 'cs.CL', 'stat.ML'] });
      const paper = await until('the RSS paper committed', () => pb.stores.papers.byArxivId(TARGET), 60_000, 50);
      const committedAt = Date.now();
      // The query means the paper but shares no word with it: only its vector can find it.
      const text = `${paper.title} ${paper.abstract}`.toLowerCase();
      for (const w of ABSENT) assert.equal(text.includes(w), false, `"${w}" is in the paper`);
      const lexical = await pb.search.search({ q: QUERY, mode: 'lexical', limit: 120 });
      assert.equal(
        lexical.hits.some((h) => h.paper.arxivId === TARGET),
        false,
        'word search does not find it',
      );

      let foundAt = 0;
      let last: { mode: string | null; ids: string[] } = { mode: null, ids: [] };
      while (Date.now() - committedAt <= BUDGET_MS) {
        last = await search(web.url!, QUERY);
        if (last.ids.includes(TARGET)) {
          foundAt = Date.now();
          break;
        }
        await sleep(100);
      }
      const delay = foundAt ? foundAt - committedAt : -1;
      t.diagnostic(`cross-process delay from commit to found by meaning: ${delay} ms`);
      assert.ok(foundAt, `not found within ${BUDGET_MS} ms (mode ${last.mode}, results ${last.ids.join(' ')})\n${worker.output().slice(-3000)}`);
      assert.equal(last.mode, 'hybrid');
      const vector = await pb.db.kysely.selectFrom('paper_vectors').select('embedder').where('paper_id', '=', paper.id).executeTakeFirstOrThrow();
      assert.equal(vector.embedder, model.embedder);
    });
  });
}

for (const dbk of databases) {
  describe(`the default model shared through the database (${dbk.name})`, () => {
    let pb: TestInstance;
    const dirs: string[] = [];
    const services: SearchService[] = [];
    const service = (env: Record<string, string> = {}) => {
      const dir = mkdtempSync(join(tmpdir(), 'paperboy-svc-'));
      dirs.push(dir);
      const s = new SearchService(testConfig({ PAPERBOY_DATA_DIR: dir, ...env }), pb.db, pb.stores.papers, createLogger('silent'));
      services.push(s);
      return { s, dir };
    };
    before(async () => {
      pb = await dbk.open();
      await loadSomeSample(pb, 400);
    });
    after(async () => {
      for (const s of services) await s.close();
      await pb?.dispose();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('a model trained before sharing is published once; another data dir loads it, then notices a retrained one', async () => {
      // An instance from before: the model in <data dir>/embedder, its corpus size in kv.
      const rows = await pb.db.kysely.selectFrom('papers').select(['title', 'abstract']).orderBy('id').execute();
      const { model } = trainStaticModel(
        rows.map((r) => documentText(r.title, r.abstract)),
        { dims: 16, maxVocab: 2000, iterations: 2 },
      );
      const old = service();
      saveStaticModel(join(old.dir, 'embedder'), model);
      await pb.stores.kv.set('search.trained_docs', String(rows.length));
      const legacyId = loadStaticModel(join(old.dir, 'embedder')).id;

      assert.equal(await old.s.needsTraining(), false, 'the old model counts');
      const m = (await pb.search.models.latest())!;
      assert.equal(m.embedder, legacyId, 'published under the id its vectors already carry');
      assert.equal(m.docs, rows.length);
      assert.equal((await old.s.embedder())!.id, legacyId);
      assert.equal((await old.s.embedAll(500)) > 0, true);

      // Another process's data dir: no model file of its own, it copies the shared one.
      const web = service({ SEARCH_SYNC_MS: '200' });
      assert.equal((await web.s.embedder())!.id, legacyId);
      assert.ok(isStaticModelDir(join(web.dir, 'embedders', m.version)));
      assert.equal(await web.s.pendingCount(), 0, 'the vectors made with the old model serve the other process');

      // The worker retrains (the corpus doubled); the other service switches to the new model.
      await loadSomeSample(pb, 1000);
      const worker = service();
      assert.equal(await worker.s.needsTraining(), true);
      await worker.s.train({ dims: 24, maxVocab: 3000, iterations: 2 });
      const next = (await pb.search.models.latest())!;
      assert.notEqual(next.embedder, legacyId);
      const deadline = Date.now() + 10_000;
      while ((await web.s.embedder())?.id !== next.embedder && Date.now() < deadline) await sleep(100);
      assert.equal((await web.s.embedder())!.id, next.embedder);
      assert.deepEqual(readdirSync(join(web.dir, 'embedders')), [next.version], 'the old copy is removed');
      assert.equal((await web.s.vectorIndex())!.embedder, next.embedder);

      // The same weights published again are stored once.
      const again = await pb.search.models.publish(
        { embedder: next.embedder, version: next.version, dims: next.dims, docs: next.docs },
        await pb.search.models.files(next.id),
      );
      assert.equal(again.id, next.id);
      const count = await pb.db.kysely.selectFrom('embedder_models').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(count.n), 2);
    });
  });
}
