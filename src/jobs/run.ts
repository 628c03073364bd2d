// Starts the job worker (one loop per lane slot) and the scheduler on an open instance.
import type { Paperboy } from '../wiring.ts';
import { Worker } from './worker.ts';
import { Scheduler } from './scheduler.ts';
import { registerSchedules, registerTasks } from './tasks/index.ts';

export interface RunningWorker {
  worker: Worker;
  /** Stops scheduling, finishes the jobs in hand, gives back the leases. */
  stop(): Promise<void>;
}

export function startWorkerRole(pb: Paperboy): RunningWorker {
  const worker = new Worker(pb.jobs, pb.log.child({ role: 'worker' }), { leaseMs: pb.config.jobLeaseSeconds * 1000, lanes: pb.config.jobLanes });
  registerTasks(worker, pb);
  const scheduler = new Scheduler(pb.jobs, pb.log.child({ role: 'scheduler' }));
  registerSchedules(scheduler, pb);
  worker.start();
  scheduler.start(pb.config.schedulerTickSeconds * 1000);
  pb.log.info({ worker: worker.id, lanes: pb.config.jobLanes }, 'worker started');
  return {
    worker,
    async stop() {
      scheduler.stop();
      await worker.stop();
    },
  };
}
