// Starts a TypeScript module in a worker thread (through src/thread-boot.mjs, which registers tsx's
// loader there). `data` reaches the module as workerData.data.
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { setPriority } from 'node:os';

export function startThread(entry: URL, data: unknown, opts: Omit<WorkerOptions, 'workerData'> = {}): Worker {
  return new Worker(new URL('./thread-boot.mjs', import.meta.url), { ...opts, workerData: { entry: entry.href, data } });
}

/**
 * Lowers the calling thread's CPU priority (on Linux a nice value is a thread's own), so that on a
 * machine with fewer free cores than busy threads the one answering HTTP is served first. Where it is
 * not permitted or not supported the thread keeps its priority.
 */
export function lowerThreadPriority(nice: number): void {
  try {
    setPriority(nice);
  } catch {
    // Not permitted or not supported: the thread runs at normal priority.
  }
}
