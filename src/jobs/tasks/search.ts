// Search upkeep in the worker: train the default static embedder when there is none (after the
// first import) or when the corpus has grown by PAPERBOY_SEARCH_RETRAIN_FACTOR, and store it in the
// database for every process; then embed new, changed and re-embedder'd papers batch by batch
// (each batch one transaction, so a killed job's successor continues where it stopped). It runs
// every 10-second slot, and at once after each import job, so new papers are searchable by meaning
// within seconds in every web process (whose vector index replicas poll the database).
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';

/** One run embeds for at most this long, then the next slot continues. */
const RUN_MS = 50_000;
const SLOT_SECONDS = 10;
export const SEARCH_JOB = 'search.maintain';
/** Papers embedded (and committed) together. */
export const EMBED_BATCH = 500;

/** Asks for a search upkeep run now (e.g. after an import job), rather than at the next slot. */
export async function requestSearchUpkeep(pb: Paperboy, after: string): Promise<void> {
  if (pb.config.searchEmbedder === 'none') return;
  // One queued run is enough: it embeds everything pending when it starts (a running one may have passed the new papers).
  await pb.jobs.enqueue(SEARCH_JOB, { after }, { uniqueKey: `${SEARCH_JOB}:after:${after}`, unlessActive: { prefix: `${SEARCH_JOB}:`, running: false } });
}

export function registerSearchTasks(worker: Worker, pb: Paperboy): void {
  worker.register(SEARCH_JOB, async (_job, signal) => {
    if (await pb.search.needsTraining()) {
      pb.log.info('training the static embedder from the stored papers');
      const stats = await pb.search.train();
      pb.log.info({ ...stats }, 'static embedder trained');
    }
    const started = Date.now();
    let embedded = 0;
    while (!signal.aborted && Date.now() - started < RUN_MS) {
      const n = await pb.search.embedPending(EMBED_BATCH);
      if (!n) break;
      embedded += n;
    }
    if (embedded) pb.log.info({ embedded }, 'papers embedded');
  });
}

export function registerSearchSchedules(scheduler: Scheduler, pb: Paperboy): void {
  if (pb.config.searchEmbedder === 'none') return;
  scheduler.add({
    name: SEARCH_JOB,
    job: SEARCH_JOB,
    slot: (now) => {
      const t = Math.floor(now.getTime() / 1000 / SLOT_SECONDS) * SLOT_SECONDS;
      return new Date(t * 1000).toISOString().slice(0, 19);
    },
  });
}
