// "For you" jobs: retrain one reader's model after a new signal (enqueued by the recommender with a
// unique key per signal state, so a burst of votes trains once per state). Lane: cpu.
import type { Worker } from '../worker.ts';
import type { Paperboy } from '../../wiring.ts';
import { RECS_TRAIN_JOB } from '../../services/recs.ts';

export { RECS_TRAIN_JOB };

export function registerRecsTasks(worker: Worker, pb: Paperboy): void {
  worker.register(RECS_TRAIN_JOB, async (job) => {
    const userId = Number((job.payload as { userId?: unknown }).userId);
    if (!Number.isInteger(userId) || userId <= 0) throw new Error(`recs.train: bad userId ${JSON.stringify(job.payload)}`);
    const r = await pb.recs.train(userId);
    pb.log.debug({ userId, ...r }, 'reader model trained');
  });
}
