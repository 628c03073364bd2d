// eval --recs: the recommender's offline evaluation (src/recs/eval.ts), printed as JSON.
import { availableParallelism } from 'node:os';
import { runRecsEval } from '../recs/eval.ts';
import { runRecsEvalThreads } from '../recs/eval-threads.ts';

export async function recsEvalCommand(values: Record<string, unknown>): Promise<number> {
  const readers = values.readers === undefined ? undefined : Number(values.readers);
  if (readers !== undefined && !(Number.isInteger(readers) && readers > 0)) {
    console.error('--readers must be a positive whole number');
    return 2;
  }
  const opts = {
    corpus: values.corpus === undefined ? undefined : String(values.corpus),
    maxReaders: readers,
    log: values.json ? undefined : (m: string) => console.error(m),
  };
  // The readers spread over worker threads, one a core (at most 4): the same result as one thread.
  const threads = Math.min(4, availableParallelism());
  const r = threads > 1 ? await runRecsEvalThreads({ ...opts, threads }) : await runRecsEval(opts);
  const shape = {
    users: r.users,
    ndcg_at_10: r.ndcg_at_10,
    recall_at_50: r.recall_at_50,
    baselines: r.baselines,
    corpus: r.corpus,
    params: r.params,
    seconds: r.seconds,
  };
  console.log(values.json ? JSON.stringify(shape) : JSON.stringify(shape, null, 2));
  return 0;
}
