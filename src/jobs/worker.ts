// The worker loop: claims jobs, runs their task, heartbeats the lease, records the outcome.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Job, JobQueue } from './queue.ts';
import type { Logger } from '../logger.ts';
import { jobsRun } from '../ops/metrics.ts';
import { isDatabaseOutage } from '../storage/outage.ts';

export type TaskHandler = (job: Job, signal: AbortSignal) => Promise<void>;

export interface WorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  /** Only these job names (default: every registered task). */
  names?: string[];
}

export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly tasks = new Map<string, TaskHandler>();
  private running = false;
  private current?: Promise<void>;
  private readonly abort = new AbortController();
  private wake?: () => void;

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly opts: WorkerOptions = {},
  ) {}

  register(name: string, handler: TaskHandler): this {
    this.tasks.set(name, handler);
    return this;
  }

  /** Runs one job if one is ready; returns whether it did. */
  async runOnce(): Promise<boolean> {
    const leaseMs = this.opts.leaseMs ?? 60_000;
    const names = this.opts.names ?? [...this.tasks.keys()];
    const job = await this.queue.claim(this.id, leaseMs, names);
    if (!job) return false;
    const handler = this.tasks.get(job.name);
    const beat = setInterval(() => {
      this.queue.heartbeat(job.id, this.id, leaseMs).catch(() => {});
    }, Math.max(1000, leaseMs / 3));
    try {
      if (!handler) throw new Error(`no task named ${job.name}`);
      await handler(job, this.abort.signal);
      await this.queue.complete(job.id, this.id);
      jobsRun.inc({ name: job.name, outcome: 'done' });
      this.log.info({ job: job.id, name: job.name }, 'job done');
    } catch (err) {
      const outcome = await this.queue.fail(job, this.id, (err as Error).stack ?? String(err));
      jobsRun.inc({ name: job.name, outcome });
      this.log.warn({ job: job.id, name: job.name, err: (err as Error).message, outcome }, 'job failed');
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  /** Polls until stop() is called. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async () => {
      while (this.running) {
        let did = false;
        try {
          did = await this.runOnce();
        } catch (err) {
          if (isDatabaseOutage(err)) this.log.warn({ err: (err as Error).message }, 'worker: database unavailable, polling again');
          else this.log.error({ err: (err as Error).message }, 'worker poll failed');
        }
        if (!did && this.running)
          await new Promise<void>((r) => {
            const t = setTimeout(r, this.opts.pollMs ?? 1000);
            this.wake = () => {
              clearTimeout(t);
              r();
            };
          });
      }
    };
    this.current = loop();
  }

  /** Graceful stop: finishes the job in hand, then gives back any lease still held. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.current;
    await this.queue.release(this.id).catch(() => 0);
  }

  /** Stops at once: the job in hand is told to abort. */
  abortNow(): void {
    this.abort.abort();
  }
}
