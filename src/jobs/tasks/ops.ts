// ops.probe: a job that only waits, to check end to end that some worker takes and finishes jobs
// (`npm run cli -- jobs probe`), and to rehearse graceful shutdown with a job in hand.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';

export const PROBE_JOB = 'ops.probe';
const MAX_PROBE_MS = 60_000;

export const PRUNE_JOB = 'ops.prune-jobs';
/** Finished jobs are kept this long (a week) for `jobs list`, then deleted. */
const KEEP_FINISHED_MS = 7 * 86_400_000;

export function registerOpsSchedules(scheduler: Scheduler): void {
  // Hourly slot key: fires once an hour across all workers.
  scheduler.add({ name: PRUNE_JOB, job: PRUNE_JOB, slot: (now) => now.toISOString().slice(0, 13) });
}

export function registerOpsTasks(worker: Worker, pb?: Paperboy): void {
  if (pb) {
    worker.register(PRUNE_JOB, async () => {
      const n = await pb.jobs.prune(KEEP_FINISHED_MS);
      if (n) pb.log.info({ deleted: n }, 'finished jobs pruned');
    });
  }
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
