// Trains the static model in a worker thread, so the thread that asked (the worker's event loop,
// which also heartbeats leases and runs the other lanes) never stalls on the minutes of CPU work
// in trainStaticModel(). The papers go in by structured clone (in the worker, never a web thread);
// the model comes back with its arrays transferred; log lines and contrastive checkpoints are
// relayed. The thread lowers its own scheduling priority (nice 10; on Linux a priority applies to
// the calling thread), so on a busy machine the threads that answer HTTP get the CPU first; on an
// idle core training runs at full speed.
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { lowerThreadPriority, startThread } from '../../threads.ts';
import { trainStaticModel, type TrainDoc, type TrainOptions, type TrainStats } from './train.ts';
import type { StaticModel } from './static.ts';
import type { ContrastiveCheckpoint } from './contrastive.ts';

type Options = Omit<TrainOptions, 'log' | 'onCheckpoint'>;
interface Request {
  docs: TrainDoc[];
  opts: Options;
}
type Reply = { log: string } | { checkpoint: ContrastiveCheckpoint } | { model: StaticModel; stats: TrainStats } | { error: string };

/** Niceness of the training thread (0 normal … 19 lowest). */
const TRAIN_NICE = 10;

/** trainStaticModel() in a worker thread; resolves with its result, rejects with its error. Log lines and checkpoints come back as they happen. */
export function trainInThread(docs: TrainDoc[], opts: TrainOptions = {}): Promise<{ model: StaticModel; stats: TrainStats }> {
  const { log, onCheckpoint, ...rest } = opts;
  const req: Request = { docs, opts: rest };
  return new Promise((resolve, reject) => {
    const w = startThread(new URL(import.meta.url), req);
    let settled = false;
    w.on('message', (m: Reply) => {
      if ('log' in m) return log?.(m.log);
      if ('checkpoint' in m) return onCheckpoint?.(m.checkpoint);
      settled = true;
      if ('error' in m) reject(new Error(m.error));
      else resolve({ model: m.model, stats: m.stats });
      void w.terminate();
    });
    w.on('error', (err) => {
      settled = true;
      reject(err);
    });
    w.on('exit', (code) => {
      if (!settled) reject(new Error(`the training thread exited (code ${code}) without a model`));
    });
  });
}

if (!isMainThread && parentPort && (workerData as { entry?: string })?.entry === import.meta.url) {
  const port = parentPort;
  const { docs, opts } = (workerData as { data: Request }).data;
  lowerThreadPriority(TRAIN_NICE);
  try {
    const { model, stats } = trainStaticModel(docs, {
      ...opts,
      log: (msg) => port.postMessage({ log: msg } satisfies Reply),
      onCheckpoint: (c) => port.postMessage({ checkpoint: c } satisfies Reply),
    });
    const transfer = [model.embeddings.buffer as ArrayBuffer, ...(model.weights ? [model.weights.buffer as ArrayBuffer] : [])];
    port.postMessage({ model, stats } satisfies Reply, transfer);
  } catch (err) {
    port.postMessage({ error: (err as Error).stack ?? String(err) } satisfies Reply);
  }
}
