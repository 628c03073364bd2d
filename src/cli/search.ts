// search, train-embedder and eval: the search feature's commands.
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import { runEval } from '../search/eval.ts';
import { recsEvalCommand } from './recs.ts';
import type { Mode } from '../search/service.ts';
import type { Command } from './command.ts';

export const searchCommand: Command = {
  name: 'search',
  summary: 'Search the papers (hybrid: lexical + semantic)',
  usage: 'search "<query>" [--limit N] [--json] [--mode hybrid|lexical|vector]',
  options: {
    limit: { type: 'string', default: '10', arg: 'N', help: 'Number of results' },
    json: { type: 'boolean', default: false, help: 'Print the results as JSON' },
    mode: { type: 'string', default: 'hybrid', arg: 'hybrid|lexical|vector', help: 'Which side of search to use' },
  },
  async run({ values, positionals }) {
    const q = positionals.join(' ').trim();
    const limit = Number(values.limit);
    if (!q || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
      console.error('usage: search "<query>" [--limit N] [--json]');
      return 2;
    }
    const pb = await openPaperboy(loadConfig());
    try {
      const r = await pb.search.search({ q, limit, mode: values.mode as Mode });
      if (values.json) {
        console.log(
          JSON.stringify(
            {
              query: q,
              mode: r.mode,
              fallback: r.fallback,
              hits: r.hits.map((h) => ({ arxivId: h.paper.arxivId, title: h.paper.title, score: Math.round(h.score * 1e4) / 1e4, match: h.match })),
            },
            null,
            2,
          ),
        );
      } else {
        if (r.fallback) console.log(`(lexical only: ${r.fallback})`);
        r.hits.forEach((h, i) => console.log(`${String(i + 1).padStart(3)}. ${h.paper.arxivId.padEnd(16)} ${h.paper.title.replace(/\s+/g, ' ')}`));
        if (!r.hits.length) console.log('no results');
      }
    } finally {
      await pb.close();
    }
  },
};

export const trainEmbedderCommand: Command = {
  name: 'train-embedder',
  summary: 'Train the default static embedding model from the stored papers, then embed them',
  usage: 'train-embedder [--dims 256] [--no-embed]',
  options: {
    dims: { type: 'string', default: '256', arg: 'N', help: 'Dimensions of the trained model' },
    'no-embed': { type: 'boolean', default: false, help: 'Train only; leave embedding the papers to the worker' },
  },
  async run({ values }) {
    const pb = await openPaperboy(loadConfig());
    try {
      const stats = await pb.search.train({ dims: Number(values.dims), log: (m) => console.error(m) });
      console.log(JSON.stringify({ model: pb.search.staticModelDir, ...stats }));
      if (!values['no-embed']) {
        const n = await pb.search.embedAll(1000, (done) => console.error(`embedded ${done}`));
        const vi = await pb.search.vectorIndex();
        await vi?.save();
        console.log(JSON.stringify({ embedded: n, indexed: vi?.size ?? 0 }));
      }
    } finally {
      await pb.close();
    }
  },
};

export const evalCommand: Command = {
  name: 'eval',
  summary: 'Measure search quality on a BEIR data set (nDCG@10, Recall@100, MRR@10, latency)',
  usage: 'eval --beir <dir> [--split train|test] [--mode lexical|vector|hybrid|all] [--weight W[,W…]] [--embedder auto|static:<dir>|onnx:<model>|http:<url>] [--embedder-model M] [--json]  |  eval --recs [--corpus <file.jsonl[.br]>] [--readers N] [--json]',
  options: {
    beir: { type: 'string', arg: 'DIR', help: 'A BEIR data set folder (corpus.jsonl, queries.jsonl, qrels/)' },
    recs: { type: 'boolean', default: false, help: 'Evaluate the For you recommender instead (simulated readers on the bundled sample, or --corpus)' },
    corpus: { type: 'string', arg: 'FILE', help: '--recs: a corpus in JSON lines (.jsonl or .jsonl.br; default: the bundled sample)' },
    readers: { type: 'string', arg: 'N', help: '--recs: evaluate only the first N simulated readers' },
    split: { type: 'string', default: 'test', arg: 'train|test', help: 'Which qrels split to score' },
    mode: { type: 'string', default: 'hybrid', arg: 'lexical|vector|hybrid|all', help: 'Which side(s) of search to measure' },
    weight: { type: 'string', arg: 'W[,W…]', help: 'hybrid: vector weight(s) to try' },
    embedder: { type: 'string', default: 'auto', arg: 'auto|static:<dir>|onnx:<model>|http:<url>', help: 'Which embedder to measure (auto: the model trained on the corpus)' },
    'embedder-model': { type: 'string', arg: 'M', help: 'http: the model name sent to the server' },
    sample: { type: 'boolean', default: false, help: 'Load the bundled sample first, as a default instance has it (the embedder learns from both)' },
    json: { type: 'boolean', default: false, help: 'Print the figures as JSON' },
  },
  async run({ values }) {
    if (values.recs) return recsEvalCommand(values);
    const mode = String(values.mode);
    if (!values.beir || !['lexical', 'vector', 'hybrid', 'all'].includes(mode)) {
      console.error('usage: eval --beir <dir> [--split train|test] [--mode lexical|vector|hybrid|all] [--json]');
      return 2;
    }
    const modes: Mode[] = mode === 'all' ? ['lexical', 'vector', 'hybrid'] : [mode as Mode];
    const results = await runEval({
      dir: String(values.beir),
      split: String(values.split),
      modes,
      vectorWeights: values.weight !== undefined ? String(values.weight).split(',').map(Number) : undefined,
      embedder: String(values.embedder),
      embedderModel: values['embedder-model'] !== undefined ? String(values['embedder-model']) : undefined,
      withSample: !!values.sample,
      log: values.json ? undefined : (m) => console.error(m),
      open: (cfg, sample) => openPaperboy(cfg, { migrate: true, sample, log: createLogger('silent') }),
    });
    for (const r of results) console.log(values.json ? JSON.stringify(r) : JSON.stringify(r, null, 2));
  },
};
