// Starts a TypeScript module in a worker thread (through src/thread-boot.mjs, which registers tsx's
// loader there). `data` reaches the module as workerData.data.
import { Worker, type WorkerOptions } from 'node:worker_threads';

export function startThread(entry: URL, data: unknown, opts: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  return new Worker(new URL('./thread-boot.mjs', import.meta.url), { ...opts, workerData: { entry: entry.href, data } });
}
