// The worker loops: one per lane slot (src/jobs/lanes.ts), each claiming only its lane's jobs, so a
// sync waiting on a dead network never holds back trending or search upkeep. A loop claims a job,
// runs its task, heartbeats the lease, records the outcome. A task that throws an error carrying
// `retryAfterMs` (a source's Retry-After) is run again no sooner than that.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { Job, JobQueue } from './queue.ts';
import type { Logger } from '../logger.ts';
import { jobDuration, jobsRun } from '../ops/metrics.ts';
import { isDatabaseOutage } from '../storage/outage.ts';
import { LANES, laneOf, type Lane } from './lanes.ts';

export type TaskHandler = (job: Job, signal: AbortSignal) => Promise<void>;

export interface WorkerOptions {
  pollMs?: number;
  leaseMs?: number;
  /** Only these job names (default: every registered task). */
  names?: string[];
  /** Loops per lane (default one each). */
  lanes?: Partial<Record<Lane, number>>;
}

export class Worker {
  readonly id = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private readonly tasks = new Map<string, TaskHandler>();
  private running = false;
  private current?: Promise<void>;
  private readonly abort = new AbortController();
  private readonly wakers = new Set<() => void>();

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
    private readonly opts: WorkerOptions = {},
  ) {}

  register(name: string, handler: TaskHandler): this {
    this.tasks.set(name, handler);
    return this;
  }

  /** Runs one job (of `lane`, or of any lane) if one is ready; returns whether it did. */
  async runOnce(lane?: Lane): Promise<boolean> {
    const leaseMs = this.opts.leaseMs ?? 60_000;
    let names = this.opts.names ?? [...this.tasks.keys()];
    if (lane) names = names.filter((n) => laneOf(n) === lane);
    if (!names.length) return false;
    const job = await this.queue.claim(this.id, leaseMs, names);
    if (!job) return false;
    const handler = this.tasks.get(job.name);
    const beat = setInterval(
      () => {
        this.queue.heartbeat(job.id, this.id, leaseMs).catch(() => {});
      },
      Math.max(1000, leaseMs / 3),
    );
    const t0 = performance.now();
    const seconds = () => (performance.now() - t0) / 1000;
    try {
      if (!handler) throw new Error(`no task named ${job.name}`);
      await handler(job, this.abort.signal);
      await this.queue.complete(job.id, this.id);
      jobsRun.inc({ name: job.name, outcome: 'done' });
      jobDuration.observe({ name: job.name, outcome: 'done' }, seconds());
      this.log.info({ job: job.id, name: job.name }, 'job done');
    } catch (err) {
      const retryAfterMs = (err as { retryAfterMs?: unknown }).retryAfterMs;
      const outcome = await this.queue.fail(job, this.id, (err as Error).stack ?? String(err), typeof retryAfterMs === 'number' ? retryAfterMs : undefined);
      jobsRun.inc({ name: job.name, outcome });
      jobDuration.observe({ name: job.name, outcome }, seconds());
      this.log.warn({ job: job.id, name: job.name, err: (err as Error).message, outcome }, 'job failed');
    } finally {
      clearInterval(beat);
    }
    return true;
  }

  /** Polls until stop() is called: one loop per lane slot. */
  start(): void {
    if (this.running) return;
    this.running = true;
    const loop = async (lane: Lane) => {
      while (this.running) {
        let did = false;
        try {
          did = await this.runOnce(lane);
        } catch (err) {
          if (isDatabaseOutage(err)) this.log.warn({ err: (err as Error).message, lane }, 'worker: database unavailable, polling again');
          else this.log.error({ err: (err as Error).message, lane }, 'worker poll failed');
        }
        if (!did && this.running)
          await new Promise<void>((r) => {
            const wake = () => {
              clearTimeout(t);
              this.wakers.delete(wake);
              r();
            };
            const t = setTimeout(wake, this.opts.pollMs ?? 1000);
            this.wakers.add(wake);
          });
      }
    };
    const loops: Promise<void>[] = [];
    for (const lane of LANES) for (let i = 0; i < Math.max(1, this.opts.lanes?.[lane] ?? 1); i++) loops.push(loop(lane));
    this.current = Promise.all(loops).then(() => {});
  }

  /** Graceful stop: finishes the job in hand, then gives back any lease still held. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of [...this.wakers]) wake();
    await this.current;
    await this.queue.release(this.id).catch(() => 0);
  }

  /** Stops at once: the job in hand is told to abort. */
  abortNow(): void {
    this.abort.abort();
  }
}
