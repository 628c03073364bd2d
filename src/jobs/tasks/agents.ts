// Jobs of HF parity and agents (issue 22). All three talk to the network (lane: network):
//  - github.sync (hourly): code links read from stored text, then GitHub stars, each repository once a day;
//  - thumbnails.render (every 10 minutes): first pages of listed papers' PDFs from arXiv;
//  - ai.summarise (every 10 minutes, only with PAPERBOY_AI_URL): summaries of newly listed papers.
// Each run does a bounded amount of work and stops; the next slot continues.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';
import { addDays } from '../../domain/dates.ts';

export const GITHUB_JOB = 'github.sync';
export const THUMBNAILS_JOB = 'thumbnails.render';
export const AI_JOB = 'ai.summarise';
/** "Newly listed": on the latest listed day or the two before it. */
export const AI_DAYS = 3;

const tenMinutes = (now: Date) => `${now.toISOString().slice(0, 15)}0`;

export function registerAgentTasks(worker: Worker, pb: Paperboy): void {
  worker.register(GITHUB_JOB, async (_job, signal) => {
    const links = await pb.agents.github.scanCodeLinks(2000, signal);
    const stars = await pb.agents.github.syncStars(signal);
    pb.log.info({ ...links, ...stars }, 'code links and GitHub stars synced');
  });
  worker.register(THUMBNAILS_JOB, async (_job, signal) => {
    const r = await pb.agents.thumbnails.runOnce(signal);
    if (r.rendered || r.missing || r.failed) pb.log.info({ ...r }, 'thumbnails rendered');
  });
  worker.register(AI_JOB, async (_job, signal) => {
    const since = addDays(await pb.papers.latestDay(), -(AI_DAYS - 1));
    const r = await pb.agents.ai.runOnce(since, signal);
    if (r.written || r.failed) pb.log.info({ ...r }, 'AI summaries written');
  });
}

export function registerAgentSchedules(scheduler: Scheduler, pb: Paperboy): void {
  // PAPERBOY_SYNC=false stops every scheduled fetch from outside (arXiv, HF, GitHub), these included.
  const sync = pb.config.syncEnabled;
  if (sync && pb.config.githubSync) scheduler.add({ name: GITHUB_JOB, job: GITHUB_JOB, slot: (now) => now.toISOString().slice(0, 13) });
  if (sync && pb.config.thumbnails) scheduler.add({ name: THUMBNAILS_JOB, job: THUMBNAILS_JOB, slot: tenMinutes });
  if (pb.config.aiUrl) scheduler.add({ name: AI_JOB, job: AI_JOB, slot: tenMinutes });
}
