// Schedules: each tick, every schedule names its current slot (e.g. "2026-11-27" for a daily
// run); the slot becomes a job's unique key, so each slot fires once across all workers. No
// pile-ups: a schedule's job is not enqueued while its previous one is still queued or running
// (a slot that passes meanwhile is skipped; a slot that is still current is taken at the next tick).
import type { JobQueue } from './queue.ts';
import type { Logger } from '../logger.ts';

export interface Schedule {
  name: string;
  /** The job to enqueue. */
  job: string;
  /** The key of the slot that is due at `now`, or null when nothing is due. */
  slot: (now: Date) => string | null;
  payload?: (slot: string) => unknown;
}

export class Scheduler {
  private readonly schedules: Schedule[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly queue: JobQueue,
    private readonly log: Logger,
  ) {}

  add(s: Schedule): this {
    this.schedules.push(s);
    return this;
  }

  /** Enqueues the due slot of every schedule; returns the job ids created by this call. */
  async tick(now = new Date()): Promise<number[]> {
    const created: number[] = [];
    for (const s of this.schedules) {
      const slot = s.slot(now);
      if (!slot) continue;
      const id = await this.queue.enqueue(s.job, s.payload ? s.payload(slot) : { slot }, {
        uniqueKey: `${s.name}:${slot}`,
        unlessActive: { prefix: `${s.name}:`, running: true },
      });
      if (id !== undefined) {
        created.push(id);
        this.log.info({ schedule: s.name, slot, job: id }, 'scheduled job enqueued');
      }
    }
    return created;
  }

  start(everyMs = 30_000): void {
    const run = () => this.tick().catch((err) => this.log.error({ err: (err as Error).message }, 'scheduler tick failed'));
    void run();
    this.timer = setInterval(run, everyMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}
