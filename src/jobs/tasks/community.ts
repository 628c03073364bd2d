// Community jobs: recompute the trending cache, and drop finished rate-limit windows.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';
import { SUBMIT_FETCH_JOB, type QueuedSubmissionPayload } from '../../services/submissions.ts';

export const TRENDING_JOB = 'trending.compute';
export const RATE_PURGE_JOB = 'community.purge-rate-limits';

export function registerCommunityTasks(worker: Worker, pb: Paperboy): void {
  // A submission arXiv did not answer in time (lane: network): fetch, then place it on the list.
  worker.register(SUBMIT_FETCH_JOB, async (job) => {
    const p = job.payload as QueuedSubmissionPayload;
    const user = await pb.community.accounts.byId(p.userId);
    if (!user) return;
    const r = await pb.community.submissions.completeQueued(p, { ...user, via: 'session' });
    pb.log.info({ arxivId: p.arxivId, placed: !!r }, 'queued submission finished');
  });
  worker.register(TRENDING_JOB, async () => {
    const counts = await pb.community.trending.compute();
    pb.log.info({ counts }, 'trending recomputed');
  });
  worker.register(RATE_PURGE_JOB, async () => {
    const n = await pb.community.limiter.purge();
    pb.log.info({ deleted: n }, 'rate-limit windows purged');
  });
}

/** The slot key of a schedule that fires every `minutes` (e.g. "2026-11-29T10:20"). */
export function everyMinutes(now: Date, minutes: number): string {
  const t = Math.floor(now.getTime() / (minutes * 60_000)) * minutes * 60_000;
  return new Date(t).toISOString().slice(0, 16);
}

export function registerCommunitySchedules(scheduler: Scheduler, pb: Paperboy): void {
  const every = pb.config.trendingRefreshMinutes;
  scheduler.add({ name: 'trending', job: TRENDING_JOB, slot: (now) => everyMinutes(now, every) });
  scheduler.add({ name: 'rate-limit-purge', job: RATE_PURGE_JOB, slot: (now) => now.toISOString().slice(0, 13) });
}
