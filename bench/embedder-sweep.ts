// Tuning the self-trained embedder on a BEIR training split, in memory: trains with each setting
// given as JSON (the options of trainStaticModel), embeds the corpus and the queries, ranks by exact
// cosine and prints vector-only nDCG@10 and Recall@100 per setting. Only the training split is
// meant to be used here (held-out queries stay unseen).
//   npm run bench -- embedder-sweep --beir <dir> [--split train] [--cache DIR] '{"contrastive":false}' '{"contrastive":{"epochs":3}}'
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deserialize, serialize } from 'node:v8';
import { parseArgs } from 'node:util';
import { readBeir } from '../src/search/eval.ts';
import { DEFAULT_MIN_DF, finishModel, trainPpmi, type PpmiStage, type TrainOptions } from '../src/search/embedders/train.ts';
import { StaticEmbedder } from '../src/search/embedders/static.ts';
import { ndcgAt, recallAt } from '../src/search/metrics.ts';

{
  const { values, positionals } = parseArgs({ args: process.argv.slice(2), allowPositionals: true, options: { beir: { type: 'string' }, split: { type: 'string', default: 'train' }, cache: { type: 'string' } } });
  if (!values.beir) throw new Error('embedder-sweep --beir <dir> [--split train] <options JSON>…');
  const set = readBeir(values.beir, values.split!);
  const docs = set.corpus.map((d) => ({ title: d.title, abstract: d.text }));
  // The PPMI stage is shared by the settings that agree on its options (dims, window, minDf, maxVocab).
  const ppmi = new Map<string, PpmiStage>();
  for (const arg of positionals.length ? positionals : ['{}']) {
    const opts = JSON.parse(arg) as TrainOptions;
    const key = JSON.stringify([opts.dims, opts.window, opts.minDf ?? DEFAULT_MIN_DF, opts.maxVocab, opts.iterations]);
    const t0 = Date.now();
    // --cache DIR keeps each PPMI stage on disk for the next run (the stage is deterministic).
    const file = values.cache ? join(values.cache, `ppmi-${Buffer.from(key).toString('hex')}.bin`) : undefined;
    if (!ppmi.has(key) && file && existsSync(file)) ppmi.set(key, deserialize(readFileSync(file)) as PpmiStage);
    if (!ppmi.has(key)) {
      ppmi.set(key, trainPpmi(docs, { ...opts, log: (m) => console.error(m) }));
      if (file) writeFileSync(file, serialize(ppmi.get(key)));
    }
    const stage = { ...ppmi.get(key)!, started: t0 };
    const { model, stats } = finishModel(stage, { ...opts, log: (m) => console.error(m) });
    const trainS = (Date.now() - t0) / 1000;
    const e = new StaticEmbedder(model, 'sweep', '0');
    const dv = set.corpus.map((d) => e.embedOne(`${d.title}. ${d.text}`));
    let ndcg = 0;
    let recall = 0;
    // Two halves of the queries (alternating), to see whether a gain holds on both (a cross-check
    // against tuning to particular queries).
    const half = [0, 0];
    for (const [qi, q] of set.queries.entries()) {
      const qv = e.embedOne(q.text);
      const scored = dv.map((v, i) => {
        let s = 0;
        for (let k = 0; k < v.length; k++) s += v[k] * qv[k];
        return [s, i] as const;
      });
      scored.sort((a, b) => b[0] - a[0]);
      const ranked = scored.slice(0, 100).map(([, i]) => set.corpus[i].id);
      const g = ndcgAt(ranked, set.qrels.get(q.id)!, 10);
      ndcg += g;
      half[qi % 2] += g;
      recall += recallAt(ranked, set.qrels.get(q.id)!, 100);
    }
    const n = set.queries.length;
    const losses = stats.losses?.map((l) => +l.toFixed(4));
    const halves = half.map((h, k) => +(h / Math.ceil((n - k) / 2)).toFixed(4));
    const figures = {
      ndcg_at_10: +(ndcg / n).toFixed(4),
      ndcg_halves: halves,
      recall_at_100: +(recall / n).toFixed(4),
      train_seconds: trainS,
      vocab: stats.vocab,
      losses,
    };
    console.log(JSON.stringify({ opts, ...figures }));
  }
}
