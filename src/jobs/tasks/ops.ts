// ops.probe: a job that only waits, to check end to end that some worker takes and finishes jobs
// (`npm run cli -- jobs probe`), and to rehearse graceful shutdown with a job in hand.
import type { Worker } from '../worker.ts';

export const PROBE_JOB = 'ops.probe';
const MAX_PROBE_MS = 60_000;

export function registerOpsTasks(worker: Worker): void {
  worker.register(PROBE_JOB, async (job, signal) => {
    const ms = Math.min(MAX_PROBE_MS, Math.max(0, Number((job.payload as { ms?: number }).ms ?? 0) || 0));
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener(
        'abort',
        () => {
          clearTimeout(t);
          reject(new Error('probe aborted: the worker is stopping'));
        },
        { once: true },
      );
    });
  });
}
