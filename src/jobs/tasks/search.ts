// Search upkeep in the worker: train the default static embedder when there is none (after the
// first import) or when the corpus has grown by SEARCH_RETRAIN_FACTOR, then embed new, changed
// and re-embedder'd papers batch by batch (each batch committed, so a killed job resumes).
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';

/** One run embeds for at most this long, then the next slot continues. */
const RUN_MS = 50_000;
const SLOT_SECONDS = 10;

export function registerSearchTasks(worker: Worker, pb: Paperboy): void {
  worker.register('search.maintain', async (_job, signal) => {
    if (await pb.search.needsTraining()) {
      pb.log.info('training the static embedder from the stored papers');
      const stats = await pb.search.train();
      pb.log.info({ ...stats }, 'static embedder trained');
    }
    const started = Date.now();
    let embedded = 0;
    while (!signal.aborted && Date.now() - started < RUN_MS) {
      const n = await pb.search.embedPending(500);
      if (!n) break;
      embedded += n;
    }
    if (embedded) pb.log.info({ embedded }, 'papers embedded');
  });
}

export function registerSearchSchedules(scheduler: Scheduler, pb: Paperboy): void {
  if (pb.config.searchEmbedder === 'none') return;
  scheduler.add({
    name: 'search.maintain',
    job: 'search.maintain',
    slot: (now) => {
      const t = Math.floor(now.getTime() / 1000 / SLOT_SECONDS) * SLOT_SECONDS;
      return new Date(t * 1000).toISOString().slice(0, 19);
    },
  });
}
