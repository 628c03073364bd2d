// SciFact (BEIR) on PostgreSQL: `npm run cli -- eval` always indexes into SQLite, so this runs the same
// queries through a fresh schema of a PostgreSQL database (lexical-pg.ts) and prints nDCG@10,
// Recall@100 and MRR@10 for lexical and hybrid, as JSON lines.
//   npm run bench -- eval-pg [--dir ../shared/bench/scifact] [--split train] [--url postgres://…/test]
//     [--schema eval_pg] [--mode lexical,hybrid] [--keep]
// The schema is dropped at the end unless --keep (then a later run with --keep reuses it as it is).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { loadConfig } from '../src/config/index.ts';
import { createLogger } from '../src/logger.ts';
import { openPaperboy } from '../src/wiring.ts';
import { readBeir, type BeirSet } from '../src/search/eval.ts';
import { mrrAt, ndcgAt, recallAt } from '../src/search/metrics.ts';
import type { LexicalIndex } from '../src/search/lexical.ts';
import type { Mode } from '../src/search/service.ts';

type Paperboy = Awaited<ReturnType<typeof openPaperboy>>;

export interface PgEval {
  pb: Paperboy;
  set: BeirSet;
  idToDoc: Map<number, string>;
  close: () => Promise<void>;
}

/** Opens (and fills, unless it is there already and `keep`) a schema with the BEIR corpus, embedded for hybrid. */
export async function openPgEval(opts: { dir: string; split: string; url: string; schema: string; keep: boolean; vectors: boolean }): Promise<PgEval> {
  const set = readBeir(opts.dir, opts.split);
  const admin = new pg.Client({ connectionString: opts.url });
  await admin.connect();
  const exists = (await admin.query(`select 1 from information_schema.tables where table_schema = $1 and table_name = 'papers'`, [opts.schema])).rowCount;
  const reuse = opts.keep && !!exists;
  if (!reuse) {
    await admin.query(`drop schema if exists ${opts.schema} cascade`);
    await admin.query(`create schema ${opts.schema}`);
  }
  await admin.end();
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-eval-pg-'));
  const cfg = loadConfig({
    PAPERBOY_DATA_DIR: dataDir,
    PAPERBOY_LOG_LEVEL: 'silent',
    PAPERBOY_SEARCH_EMBEDDER: 'auto',
    PAPERBOY_LOAD_SAMPLE: 'false',
    DATABASE_URL: opts.url,
    PAPERBOY_DATABASE_SCHEMA: opts.schema,
  });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent') });
  if (!reuse) {
    const inputs = set.corpus.map((d) => ({ arxivId: d.id, version: 1, title: d.title, abstract: d.text, authors: [], categories: [], source: 'beir' }));
    for (let i = 0; i < inputs.length; i += 1000) await pb.stores.papers.upsertMany(inputs.slice(i, i + 1000));
    // The term statistics lexical-pg.ts weighs words by, as autovacuum would gather them.
    const c = new pg.Client({ connectionString: opts.url });
    await c.connect();
    await c.query(`analyze ${opts.schema}.paper_search`);
    await c.end();
  }
  if (opts.vectors) {
    await pb.search.train({});
    await pb.search.embedAll(2000);
    await pb.search.vectorIndex();
  }
  const idToDoc = new Map<number, string>();
  for (const d of set.corpus) {
    const p = await pb.stores.papers.byArxivId(d.id);
    if (p) idToDoc.set(p.id, d.id);
  }
  return {
    pb,
    set,
    idToDoc,
    close: async () => {
      await pb.close();
      rmSync(dataDir, { recursive: true, force: true });
      if (!opts.keep) {
        const c = new pg.Client({ connectionString: opts.url });
        await c.connect();
        await c.query(`drop schema if exists ${opts.schema} cascade`);
        await c.end();
      }
    },
  };
}

/** Runs every query in `mode`, optionally with another lexical index in place of the service's. */
export async function evaluate(e: PgEval, mode: Mode, lexical?: LexicalIndex) {
  const search = e.pb.search as unknown as { lexical: LexicalIndex };
  const own = search.lexical;
  if (lexical) search.lexical = lexical;
  try {
    let ndcg = 0;
    let recall = 0;
    let mrr = 0;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (const q of e.set.queries) {
      const { hits } = await e.pb.search.rank(q.text, { limit: 100, mode, depth: 100 });
      const ranked = hits.slice(0, 100).map((h) => e.idToDoc.get(h.id)!);
      const rel = e.set.qrels.get(q.id)!;
      ndcg += ndcgAt(ranked, rel, 10);
      recall += recallAt(ranked, rel, 100);
      mrr += mrrAt(ranked, rel, 10);
    }
    const n = e.set.queries.length || 1;
    const cpu = process.cpuUsage(cpu0);
    const r = (x: number) => Math.round(x * 1e4) / 1e4;
    return {
      mode,
      queries: e.set.queries.length,
      ndcg_at_10: r(ndcg / n),
      recall_at_100: r(recall / n),
      mrr_at_10: r(mrr / n),
      ms_per_query: Math.round(((performance.now() - t0) / n) * 100) / 100,
      node_cpu_ms_per_query: Math.round(((cpu.user + cpu.system) / 1000 / n) * 100) / 100,
    };
  } finally {
    search.lexical = own;
  }
}

async function main() {
  const args = process.argv.slice(2);
  const arg = (name: string, dflt: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 && args[i + 1] ? args[i + 1] : dflt;
  };
  const modes = arg('mode', 'lexical,hybrid').split(',') as Mode[];
  const e = await openPgEval({
    dir: arg('dir', '../shared/bench/scifact'),
    split: arg('split', 'train'),
    url: arg('url', 'postgres://postgres@127.0.0.1:5432/test'),
    schema: arg('schema', 'eval_pg'),
    keep: args.includes('--keep'),
    vectors: modes.some((m) => m !== 'lexical'),
  });
  try {
    for (const mode of modes) console.log(JSON.stringify({ bench: 'eval-pg', docs: e.set.corpus.length, ...(await evaluate(e, mode)) }));
  } finally {
    await e.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) await main();
