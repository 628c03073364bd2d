// BEIR evaluation: reads a BEIR folder, indexes its corpus into a fresh temporary instance
// (SQLite, with the static embedder trained on that corpus), runs every query and reports
// nDCG@10, Recall@100, MRR@10 and latency percentiles.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type Config } from '../config/index.ts';
import type { PaperInput } from '../domain/paper.ts';
import type { PaperStore } from '../storage/papers.ts';
import { mrrAt, ndcgAt, percentile, recallAt, type Qrels } from './metrics.ts';
import type { Mode, SearchService } from './service.ts';

/** What the evaluation needs of an instance; the CLI opens one with openPaperboy (search never imports the wiring). */
export interface EvalInstance {
  stores: { papers: PaperStore };
  search: SearchService;
  close(): Promise<void>;
}

export interface BeirSet {
  corpus: { id: string; title: string; text: string }[];
  queries: { id: string; text: string }[];
  qrels: Qrels;
}

function jsonl(file: string): Record<string, unknown>[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export function readBeir(dir: string, split: string): BeirSet {
  const files = readdirSync(dir);
  const corpusFiles = files.includes('corpus.jsonl') ? ['corpus.jsonl'] : files.filter((f) => /^corpus-part-.*\.jsonl$/.test(f)).sort();
  if (!corpusFiles.length) throw new Error(`${dir}: no corpus.jsonl or corpus-part-*.jsonl`);
  const qFile = existsSync(join(dir, `queries-${split}.jsonl`)) ? `queries-${split}.jsonl` : 'queries.jsonl';
  const qrelsFile = join(dir, 'qrels', `${split}.tsv`);
  if (!existsSync(join(dir, qFile))) throw new Error(`${dir}: no ${qFile}`);
  if (!existsSync(qrelsFile)) throw new Error(`${dir}: no qrels/${split}.tsv`);
  const qrels: Qrels = new Map();
  for (const line of readFileSync(qrelsFile, 'utf8').split('\n').slice(1)) {
    const [q, d, s] = line.trim().split('\t');
    if (!q || !d) continue;
    if (!qrels.has(q)) qrels.set(q, new Map());
    qrels.get(q)!.set(d, Number(s));
  }
  const corpus = corpusFiles.flatMap((f) => jsonl(join(dir, f))).map((r) => ({ id: String(r._id), title: String(r.title ?? ''), text: String(r.text ?? '') }));
  // Only queries that have judgements in this split.
  const queries = jsonl(join(dir, qFile))
    .map((r) => ({ id: String(r._id), text: String(r.text ?? '') }))
    .filter((q) => qrels.has(q.id));
  return { corpus, queries, qrels };
}

/** The settings an --embedder spec stands for. */
export function parseEmbedderSpec(spec: string, model?: string): Partial<Config> {
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  switch (kind) {
    case 'auto':
      return { searchEmbedder: 'auto' };
    case 'static':
      if (!arg) throw new Error('--embedder static:<Model2Vec folder>');
      return { searchEmbedder: 'static', searchStaticModel: arg };
    case 'onnx':
      if (!arg) throw new Error('--embedder onnx:<model id or folder>');
      return { searchEmbedder: 'onnx', searchOnnxModel: arg };
    case 'http':
      if (!/^https?:\/\//.test(arg)) throw new Error('--embedder http:<http(s) URL of an OpenAI-compatible server>');
      return { searchEmbedder: 'http', searchHttpUrl: arg, ...(model ? { searchHttpModel: model } : {}) };
    default:
      throw new Error(`unknown embedder ${spec} (auto, static:<dir>, onnx:<model>, http:<url>)`);
  }
}

export interface EvalResult {
  embedder?: string;
  mode: Mode;
  docs: number;
  queries: number;
  ndcg_at_10: number;
  recall_at_100: number;
  mrr_at_10: number;
  index_seconds: number;
  query_ms_p50: number;
  query_ms_p99: number;
  vector_weight?: number;
}

const round = (x: number, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

export async function runEval(opts: {
  dir: string;
  split?: string;
  modes: Mode[];
  /** Hybrid runs once per weight (tuning); default: the configured weight. */
  vectorWeights?: number[];
  /**
   * Which embedder to measure (see parseEmbedderSpec): the default model trained on the corpus
   * (`auto`), a Model2Vec folder (`static:<dir>`), a transformers.js model (`onnx:<model id>`), or an
   * OpenAI-compatible server (`http:<url>`, with `model`).
   */
  embedder?: string;
  embedderModel?: string;
  /**
   * The instance as `npm start` makes it: the bundled sample (9,437 arXiv papers) loaded before the
   * BEIR corpus, so the default embedder learns from both, and the sample's papers stand among the
   * ranked ones as distractors (never relevant).
   */
  withSample?: boolean;
  log?: (m: string) => void;
  /** Opens a migrated instance on the given configuration. */
  open: (cfg: Config, withSample: boolean) => Promise<EvalInstance>;
}): Promise<EvalResult[]> {
  const log = opts.log ?? (() => {});
  const set = readBeir(opts.dir, opts.split ?? 'test');
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-eval-'));
  // A fresh SQLite instance whatever the environment says.
  const base = loadConfig({ PAPERBOY_DATA_DIR: dataDir, PAPERBOY_LOG_LEVEL: 'silent', PAPERBOY_SEARCH_EMBEDDER: 'auto', PAPERBOY_LOAD_SAMPLE: 'false' });
  const cfg = { ...base, ...parseEmbedderSpec(opts.embedder ?? 'auto', opts.embedderModel) };
  const pb = await opts.open(cfg, !!opts.withSample);
  try {
    const started = Date.now();
    const inputs: PaperInput[] = set.corpus.map((d) => ({
      arxivId: d.id,
      version: 1,
      title: d.title,
      abstract: d.text,
      authors: [],
      categories: [],
      source: 'beir',
    }));
    for (let i = 0; i < inputs.length; i += 1000) await pb.stores.papers.upsertMany(inputs.slice(i, i + 1000));
    log(`indexed ${inputs.length} documents`);
    if (opts.modes.some((m) => m !== 'lexical')) {
      if (cfg.searchEmbedder === 'auto') {
        const stats = await pb.search.train({ log });
        log(`static embedder: ${stats.vocab} words from ${stats.docs} documents in ${stats.seconds.toFixed(1)} s`);
      }
      const e = await pb.search.embedder();
      if (!e) throw new Error(`the embedder ${opts.embedder} is not available (see the log)`);
      log(`embedding with ${e.id}`);
      await pb.search.embedAll(2000);
      await pb.search.vectorIndex();
    }
    const indexSeconds = (Date.now() - started) / 1000;
    const embedderId = opts.modes.some((m) => m !== 'lexical') ? (await pb.search.embedder())?.id : undefined;
    const idToDoc = new Map<number, string>();
    for (const d of set.corpus) {
      const p = await pb.stores.papers.byArxivId(d.id);
      if (p) idToDoc.set(p.id, d.id);
    }
    const out: EvalResult[] = [];
    const runs = opts.modes.flatMap((mode) =>
      mode === 'hybrid' && opts.vectorWeights?.length ? opts.vectorWeights.map((w) => ({ mode, w })) : [{ mode, w: undefined as number | undefined }],
    );
    const defaultWeight = pb.search.vectorWeight;
    for (const { mode, w } of runs) {
      pb.search.vectorWeight = w ?? defaultWeight;
      let ndcg = 0;
      let recall = 0;
      let mrr = 0;
      const times: number[] = [];
      for (const q of set.queries) {
        const t0 = performance.now();
        const { hits } = await pb.search.rank(q.text, { limit: 100, mode, depth: 100 });
        times.push(performance.now() - t0);
        const ranked = hits.slice(0, 100).map((h) => idToDoc.get(h.id)!);
        const rel = set.qrels.get(q.id)!;
        ndcg += ndcgAt(ranked, rel, 10);
        recall += recallAt(ranked, rel, 100);
        mrr += mrrAt(ranked, rel, 10);
      }
      times.sort((a, b) => a - b);
      const n = set.queries.length || 1;
      out.push({
        embedder: embedderId,
        mode,
        docs: set.corpus.length,
        queries: set.queries.length,
        ndcg_at_10: round(ndcg / n),
        recall_at_100: round(recall / n),
        mrr_at_10: round(mrr / n),
        index_seconds: round(indexSeconds, 1),
        query_ms_p50: round(percentile(times, 50), 2),
        query_ms_p99: round(percentile(times, 99), 2),
        ...(w !== undefined ? { vector_weight: w } : {}),
      });
    }
    return out;
  } finally {
    await pb.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
