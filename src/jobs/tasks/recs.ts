// "For you" jobs: retrain one reader's model after a new signal (enqueued by the recommender with a
// unique key per signal state, so a burst of votes trains once per state), and refit the shared
// idf of the lexical features daily. Lane: cpu, both.
import type { Worker } from '../worker.ts';
import type { Paperboy } from '../../wiring.ts';
import type { Scheduler } from '../scheduler.ts';
import { RECS_IDF_JOB, RECS_TRAIN_JOB } from '../../services/recs.ts';

export { RECS_IDF_JOB, RECS_TRAIN_JOB };

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
  });
}

export function registerRecsSchedules(scheduler: Scheduler): void {
  scheduler.add({ name: 'recs-idf', job: RECS_IDF_JOB, slot: (now) => now.toISOString().slice(0, 10) });
}
