// The database is the job queue: rows with leases. PostgreSQL claims with FOR UPDATE SKIP LOCKED,
// so any number of workers can share it; SQLite serialises writers, so a claim is one UPDATE.
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, JobsTable } from '../storage/schema.ts';
import type { DialectName } from '../storage/db.ts';
import { nowIso } from '../storage/dialect.ts';
import { claimLeased, type LeaseSpec } from '../storage/lease.ts';

export type JobRow = Selectable<JobsTable>;

export interface EnqueueOptions {
  runAt?: Date;
  priority?: number;
  maxAttempts?: number;
  /** A job with this key is enqueued once, ever: the key of a scheduled run, e.g. "hf-daily:2026-11-27". */
  uniqueKey?: string;
  /**
   * No pile-ups: not enqueued while a job of the same name whose unique key starts with `prefix` is
   * queued (or running too, with `running`). One statement on SQLite; on PostgreSQL two enqueuers
   * racing may both insert, which the next tick's check then stops.
   */
  unlessActive?: { prefix: string; running: boolean };
}

export interface Job<P = unknown> {
  id: number;
  name: string;
  payload: P;
  attempts: number;
  maxAttempts: number;
}

/** Exponential backoff with jitter: 10 s, 20 s, 40 s … capped at one hour. */
export function backoffMs(attempt: number): number {
  const base = Math.min(3600_000, 10_000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

/** Jobs as leased rows (src/storage/lease.ts): the highest priority, then the earliest due, first. */
const JOB_CLAIM: LeaseSpec<'jobs'> = {
  table: 'jobs',
  waiting: { status: 'queued', dueColumn: 'run_at' },
  held: 'running',
  order: [
    ['priority', 'desc'],
    ['run_at', 'asc'],
    ['id', 'asc'],
  ],
};

export class JobQueue {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: DialectName,
  ) {}

  /** Enqueues a job; returns its id, or undefined when a job with the same unique key exists. */
  async enqueue(name: string, payload: unknown = {}, opts: EnqueueOptions = {}): Promise<number | undefined> {
    if (opts.unlessActive && (await this.active(name, opts.unlessActive.prefix, opts.unlessActive.running))) return undefined;
    const now = nowIso();
    const row = await this.db
      .insertInto('jobs')
      .values({
        name,
        payload_json: JSON.stringify(payload),
        status: 'queued',
        priority: opts.priority ?? 0,
        run_at: (opts.runAt ?? new Date()).toISOString(),
        attempts: 0,
        max_attempts: opts.maxAttempts ?? 5,
        lease_until: null,
        locked_by: null,
        last_error: null,
        unique_key: opts.uniqueKey ?? null,
        created_at: now,
        updated_at: now,
        finished_at: null,
      })
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .returning('id')
      .executeTakeFirst();
    return row?.id;
  }

  /** Whether a job of this name (unique key starting with `prefix`) is queued, or running when `running`. */
  async active(name: string, prefix: string, running = true): Promise<boolean> {
    const now = nowIso();
    const row = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('name', '=', name)
      .where(sql<boolean>`substr(unique_key, 1, ${prefix.length}) = ${prefix}`)
      .where((eb) =>
        running ? eb.or([eb('status', '=', 'queued'), eb.and([eb('status', '=', 'running'), eb('lease_until', '>=', now)])]) : eb('status', '=', 'queued'),
      )
      .limit(1)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Claims the next runnable job for `workerId` with a lease. A running job whose lease has
   * expired (its worker died) is runnable again.
   */
  async claim(workerId: string, leaseMs: number, names?: string[]): Promise<Job | undefined> {
    const spec = { ...JOB_CLAIM, filter: names?.length ? { column: 'name', in: names } : undefined };
    const now = nowIso();
    const leaseUntil = new Date(Date.now() + leaseMs).toISOString();
    const [row] = await claimLeased(this.db, this.dialect, spec, { workerId, limit: 1, now, leaseUntil });
    if (!row) return undefined;
    return { id: row.id, name: row.name, payload: JSON.parse(row.payload_json), attempts: row.attempts, maxAttempts: row.max_attempts };
  }

  /** Extends the lease of a job this worker holds; false when it lost it. */
  async heartbeat(jobId: number, workerId: string, leaseMs: number): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ lease_until: new Date(Date.now() + leaseMs).toISOString(), updated_at: nowIso() })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async complete(jobId: number, workerId: string): Promise<void> {
    const now = nowIso();
    await this.db
      .updateTable('jobs')
      .set({ status: 'done', lease_until: null, finished_at: now, updated_at: now, last_error: null })
      .where('id', '=', jobId)
      .where('locked_by', '=', workerId)
      .execute();
  }

  /** Records a failure: retried later with backoff, or kept as dead with its error after the last attempt. */
  async fail(job: Job, workerId: string, error: string, retryAfterMs?: number): Promise<'retry' | 'dead'> {
    const now = nowIso();
    const dead = job.attempts >= job.maxAttempts;
    // The source's Retry-After, when it asks for longer than the backoff.
    const wait = Math.max(backoffMs(job.attempts), retryAfterMs ?? 0);
    await this.db
      .updateTable('jobs')
      .set({
        status: dead ? 'dead' : 'queued',
        run_at: dead ? now : new Date(Date.now() + wait).toISOString(),
        lease_until: null,
        locked_by: null,
        last_error: error.slice(0, 4000),
        updated_at: now,
        finished_at: dead ? now : null,
      })
      .where('id', '=', job.id)
      .where('locked_by', '=', workerId)
      .execute();
    return dead ? 'dead' : 'retry';
  }

  /** Gives back the leases a stopping worker holds, so another worker takes the jobs at once. */
  async release(workerId: string): Promise<number> {
    const r = await this.db
      .updateTable('jobs')
      .set((eb) => ({ status: 'queued', lease_until: null, locked_by: null, attempts: eb('attempts', '-', 1), updated_at: nowIso() }))
      .where('locked_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async list(opts: { status?: string; limit?: number } = {}): Promise<JobRow[]> {
    let q = this.db
      .selectFrom('jobs')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(opts.limit ?? 50);
    if (opts.status) q = q.where('status', '=', opts.status);
    return q.execute();
  }

  async retry(jobId: number): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ status: 'queued', run_at: nowIso(), attempts: 0, lease_until: null, locked_by: null, updated_at: nowIso(), finished_at: null })
      .where('id', '=', jobId)
      .where('status', 'in', ['dead', 'cancelled', 'done'])
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async cancel(jobId: number): Promise<boolean> {
    const r = await this.db
      .updateTable('jobs')
      .set({ status: 'cancelled', updated_at: nowIso(), finished_at: nowIso() })
      .where('id', '=', jobId)
      .where('status', '=', 'queued')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /**
   * Deletes finished jobs (done or cancelled) older than `ms`; dead jobs stay for inspection. Frequent schedules
   * would otherwise grow the table without end.
   */
  async prune(ms: number): Promise<number> {
    const r = await this.db
      .deleteFrom('jobs')
      .where('status', 'in', ['done', 'cancelled'])
      .where('finished_at', '<', new Date(Date.now() - ms).toISOString())
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Jobs per name and status, e.g. { "search.maintain": { queued: 1, done: 40 } }. */
  async countsByName(): Promise<Record<string, Record<string, number>>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['name', 'status', sql<number>`count(*)`.as('n')])
      .groupBy(['name', 'status'])
      .execute();
    const out: Record<string, Record<string, number>> = {};
    for (const r of rows) (out[r.name] ??= {})[r.status] = Number(r.n);
    return out;
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('jobs')
      .select(['status', sql<number>`count(*)`.as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
