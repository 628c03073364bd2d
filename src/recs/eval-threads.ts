// eval --recs over several worker threads: each thread builds the same context from the same corpus
// (deterministic: a few seconds), then evaluates its share of the simulated readers (reader i goes
// to thread i mod T) — first the inner split for every parameter set, then, with the parameters the
// summed inner split chose, the held-out evaluation. Sums are added up here, so the result is the
// one a single thread gives (every reader keeps its own seeds).
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { startThread } from '../threads.ts';
import { finalSums, innerSums, pickParams, prepareEval, summarise, type EvalOptions, type RecsEvalResult } from './eval.ts';
import type { ModelParams } from './model.ts';

interface ThreadData {
  evalThread: true;
  opts: EvalOptions;
  index: number;
  count: number;
}
type ToThread = { type: 'inner' } | { type: 'final'; params: ModelParams };

const data = (workerData as { data?: ThreadData } | null)?.data;
if (!isMainThread && data?.evalThread) {
  const ctx = await prepareEval(data.opts);
  const mine = (ri: number) => ri % data.count === data.index;
  parentPort!.on('message', (m: ToThread) => {
    if (m.type === 'inner') parentPort!.postMessage({ type: 'inner', result: innerSums(ctx, mine), corpus: ctx.docs.length });
    else parentPort!.postMessage({ type: 'final', result: finalSums(ctx, m.params, mine) });
  });
  parentPort!.postMessage({ type: 'ready', readers: ctx.readers.length, grid: ctx.grid });
}

export async function runRecsEvalThreads(opts: EvalOptions & { log?: (m: string) => void; threads: number }): Promise<RecsEvalResult> {
  const started = Date.now();
  const log = opts.log ?? (() => {});
  const { threads: count, log: _log, ...evalOpts } = opts;
  const workers: Worker[] = Array.from({ length: count }, (_, index) =>
    startThread(new URL('./eval-threads.ts', import.meta.url), { evalThread: true, opts: evalOpts, index, count } satisfies ThreadData),
  );
  const ask = <T>(w: Worker, type: string, msg?: ToThread): Promise<T> =>
    new Promise((resolve, reject) => {
      const onMsg = (m: { type: string }) => {
        if (m.type !== type) return;
        w.off('message', onMsg);
        w.off('error', reject);
        resolve(m as T);
      };
      w.on('message', onMsg);
      w.once('error', reject);
      if (msg) w.postMessage(msg);
    });
  try {
    const ready = await Promise.all(workers.map((w) => ask<{ readers: number; grid: ModelParams[] }>(w, 'ready')));
    log(`${ready[0].readers} simulated readers over ${count} threads`);
    const grid = ready[0].grid;
    const inner = await Promise.all(workers.map((w) => ask<{ result: { sum: number[]; n: number }; corpus: number }>(w, 'inner', { type: 'inner' })));
    const best =
      grid.length > 1
        ? pickParams(
            grid,
            inner.map((x) => x.result),
            log,
          )
        : grid[0];
    log(`tuned after ${Math.round((Date.now() - started) / 1000)} s`);
    const parts = await Promise.all(workers.map((w) => ask<{ result: ReturnType<typeof finalSums> }>(w, 'final', { type: 'final', params: best })));
    return summarise(
      parts.map((p) => p.result),
      { corpus: inner[0].corpus },
      best,
      started,
    );
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}
