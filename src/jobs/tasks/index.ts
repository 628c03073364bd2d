// Every job the worker knows, and every schedule. A feature adds its tasks here.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';
import { registerDigestSchedules, registerDigestTasks } from './digest.ts';
import { registerOpsSchedules, registerOpsTasks } from './ops.ts';
import { registerIngestSchedules, registerIngestTasks } from './ingest.ts';
import { registerCommunitySchedules, registerCommunityTasks } from './community.ts';
import { registerSearchSchedules, registerSearchTasks } from './search.ts';
import { registerAgentSchedules, registerAgentTasks } from './agents.ts';
import { registerRecsSchedules, registerRecsTasks } from './recs.ts';

export function registerTasks(worker: Worker, pb: Paperboy): void {
  registerDigestTasks(worker, pb);
  registerOpsTasks(worker, pb);
  registerIngestTasks(worker, pb);
  registerCommunityTasks(worker, pb);
  registerSearchTasks(worker, pb);
  registerAgentTasks(worker, pb);
  registerRecsTasks(worker, pb);
}

export function registerSchedules(scheduler: Scheduler, pb: Paperboy): void {
  registerDigestSchedules(scheduler, pb);
  registerOpsSchedules(scheduler);
  registerIngestSchedules(scheduler, pb);
  registerCommunitySchedules(scheduler, pb);
  registerSearchSchedules(scheduler, pb);
  registerAgentSchedules(scheduler, pb);
  registerRecsSchedules(scheduler);
}
