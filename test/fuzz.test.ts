// Fuzzing (issue 16): every route and every importer with random and adversarial input, fixed
// seed and bounded runs so that `npm test` stays quick; `npm run bench -- fuzz` runs longer.
// Properties: never a 500, never an event-loop block of 100 ms, never a javascript: link.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { fuzzImporters, fuzzRoutes, fuzzWorld, type FuzzWorld } from './support/fuzz.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import { parseHfDailyFile } from '../src/ingest/hf-daily.ts';

const SEED = 1616;

for (const dbk of databases) {
  describe(`fuzzing on ${dbk.name}`, () => {
    let pb: TestInstance;
    let w: FuzzWorld;
    before(async () => {
      // Generous write limits: the fuzzer is one user posting fast; limits are tested elsewhere.
      pb = await dbk.open({ PAPERBOY_NOW: '2024-10-26T12:00:00.000Z', PAPERBOY_ARXIV_API_URL: 'http://127.0.0.1:9/api/query', PAPERBOY_API_RATE_LIMIT_IP: '100000', PAPERBOY_API_RATE_LIMIT_TOKEN: '100000' });
      // Hugging Face's list of a day (29 papers with votes, submitters, links) is world enough;
      // the whole sample would triple the setup time.
      await pb.importer.run('hf', SAMPLE_FILES.hf, await parseHfDailyFile(SAMPLE_FILES.hf));
      pb.community.submissions.fetchWaitMs = 200;
      w = await fuzzWorld(pb);
    });
    after(async () => {
      await w.close();
      await pb.dispose();
    });

    test('every route is fuzzed', () => {
      const paths = w.routes.map((r) => r.path);
      for (const p of ['/signin', '/api/papers/submit', '/papers/:id/comments', '/collections/:id/add', '/feeds/daily.rss', '/api/daily_papers', '/search', '/subscribe'])
        assert.ok(paths.includes(p), `${p} is in the route list: ${paths.join(' ')}`);
    });

    test('routes: no 500, no event-loop block, no script link', async (t) => {
      const r = await fuzzRoutes(w, { runs: dbk.name === 'sqlite' ? 500 : 200, seed: SEED });
      t.diagnostic(`${r.cases} requests over ${w.routes.length} routes`);
    });

    test('importers: malformed records are counted, never a crash or a block', async () => {
      await fuzzImporters(pb, { runs: dbk.name === 'sqlite' ? 150 : 60, seed: SEED });
    });
  });
}
