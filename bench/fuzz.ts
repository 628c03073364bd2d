// npm run bench -- fuzz [--runs N] [--importer-runs N] [--seed S] [--postgres]
// The fuzzer of test/fuzz.test.ts, run longer: every route and every importer with random and
// adversarial input; stops at the first finding (a 500, an event-loop block of 100 ms or more, a
// javascript: link) and prints it, shrunk, with the seed to replay it. Default: 5,000 requests and
// 1,000 importer runs on SQLite with a random seed; --postgres uses DATABASE_URL_TEST.
import { parseArgs } from 'node:util';
import { databases } from '../test/support/db.ts';
import { fuzzImporters, fuzzRoutes, fuzzWorld } from '../test/support/fuzz.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    'importer-runs': { type: 'string', default: '1000' },
    seed: { type: 'string' },
    postgres: { type: 'boolean', default: false },
  },
});
const seed = values.seed ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const dbk = databases.find((d) => d.name === (values.postgres ? 'postgres' : 'sqlite'));
if (!dbk) {
  console.error('PostgreSQL needs DATABASE_URL_TEST');
  process.exit(2);
}
const pb = await dbk.open(
  { PAPERBOY_NOW: '2024-10-26T12:00:00.000Z', PAPERBOY_ARXIV_API_URL: 'http://127.0.0.1:9/api/query', PAPERBOY_API_RATE_LIMIT_IP: '1000000', PAPERBOY_API_RATE_LIMIT_TOKEN: '1000000' },
  { sample: true },
);
pb.community.submissions.fetchWaitMs = 200;
const w = await fuzzWorld(pb);
let failed = false;
try {
  const t0 = performance.now();
  const r = await fuzzRoutes(w, { runs: Number(values.runs), seed });
  const routesMs = performance.now() - t0;
  console.log(JSON.stringify({ bench: 'fuzz.routes', db: dbk.name, seed, requests: r.cases, routes: w.routes.length, seconds: +(routesMs / 1000).toFixed(1), perSecond: Math.round(r.cases / (routesMs / 1000)) }));
  const t1 = performance.now();
  await fuzzImporters(pb, { runs: Number(values['importer-runs']), seed });
  console.log(JSON.stringify({ bench: 'fuzz.importers', db: dbk.name, seed, runs: Number(values['importer-runs']), seconds: +((performance.now() - t1) / 1000).toFixed(1) }));
} catch (err) {
  failed = true;
  console.error(`finding with seed ${seed}:\n${(err as Error).message}`);
} finally {
  await w.close();
  await pb.dispose();
}
process.exitCode = failed ? 1 : 0;
