// "For you" jobs: retrain one reader's model after a new signal (enqueued by the recommender with a
// unique key per signal state, so a burst of votes trains once per state; quick lane: a training is
// a few hundred ms and a vote must reach the list within seconds, not behind an embedder's training),
// refit the shared idf of the lexical features daily, and rebuild the windows' candidate pools when
// the daily list changed (every 10 minutes, and after the idf; cpu lane).
import type { Worker } from '../worker.ts';
import type { Paperboy } from '../../wiring.ts';
import type { Scheduler } from '../scheduler.ts';
import { RECS_IDF_JOB, RECS_POOL_JOB, RECS_TRAIN_JOB } from '../../services/recs.ts';

export { RECS_IDF_JOB, RECS_POOL_JOB, RECS_TRAIN_JOB };

export function registerRecsTasks(worker: Worker, pb: Paperboy): void {
  worker.register(RECS_TRAIN_JOB, async (job) => {
    const userId = Number((job.payload as { userId?: unknown }).userId);
    if (!Number.isInteger(userId) || userId <= 0) throw new Error(`recs.train: bad userId ${JSON.stringify(job.payload)}`);
    const r = await pb.recs.train(userId);
    pb.log.debug({ userId, ...r }, 'reader model trained');
  });
  registerRecsIdfTask(worker, pb);
}

export function registerRecsIdfTask(worker: Worker, pb: Paperboy): void {
  worker.register(RECS_IDF_JOB, async () => {
    const r = await pb.recs.fitIdf();
    pb.log.info(r, 'recommender idf fitted');
    pb.log.info({ pools: await pb.recs.buildPools() }, 'recommender pools rebuilt');
  });
  worker.register(RECS_POOL_JOB, async () => {
    const pools = await pb.recs.buildPools();
    if (pools.length) pb.log.info({ pools }, 'recommender pools rebuilt');
  });
}

export function registerRecsSchedules(scheduler: Scheduler): void {
  scheduler.add({ name: 'recs-idf', job: RECS_IDF_JOB, slot: (now) => now.toISOString().slice(0, 10) });
  // Every 10 minutes; the job looks at each window's listing and rebuilds only what changed.
  scheduler.add({ name: 'recs-pool', job: RECS_POOL_JOB, slot: (now) => now.toISOString().slice(0, 15) });
}
