// One way to claim rows with a lease, for every table that works as a queue: the job queue
// (jobs: queued → running) and the digest sender (digest_deliveries: pending → sending).
//
// A row is claimable when it waits and is due, or when it is held but its lease expired (the
// worker that held it died). Claiming sets the held status, the lease, the worker and counts an
// attempt. PostgreSQL picks with FOR UPDATE SKIP LOCKED, so any number of workers can share the
// table without blocking one another; SQLite serialises writers, so one UPDATE … WHERE id IN
// (SELECT … LIMIT n) is already atomic.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { DialectName } from './db.ts';

/** The tables that hold leased work, and the columns a claim reads and writes. */
export type LeasedTable = 'jobs' | 'digest_deliveries';

export interface LeaseSpec<T extends LeasedTable> {
  table: T;
  /** Status of a row waiting for a worker, and the column holding when it becomes due. */
  waiting: { status: string; dueColumn: 'run_at' | 'send_after' };
  /** Status of a row a worker holds. */
  held: string;
  /** Claim order, most urgent first. */
  order: readonly (readonly [column: string, direction: 'asc' | 'desc'])[];
  /** Extra condition on claimable rows (e.g. only some job names). */
  filter?: { column: string; in: readonly string[] };
}

export interface LeaseClaim {
  workerId: string;
  /** At most this many rows. */
  limit: number;
  /** Now and the lease's end, ISO times. */
  now: string;
  leaseUntil: string;
}

/**
 * Claims up to `limit` claimable rows for `workerId` and returns them as they are after the claim,
 * in claim order.
 */
export async function claimLeased<T extends LeasedTable>(
  db: Kysely<Database>,
  dialect: DialectName,
  spec: LeaseSpec<T>,
  c: LeaseClaim,
): Promise<Selectable<Database[T]>[]> {
  // The two tables share the lease columns; Kysely cannot type a query generic over the table, so
  // the builder is untyped inside and the result typed by the table outside.
  const k = db as unknown as Kysely<any>;
  const table: string = spec.table;
  const claimable = (qb: any) => {
    let q = qb.where((eb: any) =>
      eb.or([
        eb.and([eb('status', '=', spec.waiting.status), eb(spec.waiting.dueColumn, '<=', c.now)]),
        eb.and([eb('status', '=', spec.held), eb('lease_until', '<', c.now)]),
      ]),
    );
    if (spec.filter?.in.length) q = q.where(spec.filter.column, 'in', spec.filter.in);
    for (const [col, dir] of spec.order) q = q.orderBy(col, dir);
    return q.limit(c.limit);
  };
  const set = (eb: any) => ({ status: spec.held, lease_until: c.leaseUntil, locked_by: c.workerId, attempts: eb('attempts', '+', 1), updated_at: c.now });
  let rows: any[];
  if (dialect === 'postgres') {
    rows = await k.transaction().execute(async (trx) => {
      const ids = (await claimable(trx.selectFrom(table).select('id')).forUpdate().skipLocked().execute()) as { id: number }[];
      if (!ids.length) return [];
      return trx
        .updateTable(table)
        .set(set)
        .where(
          'id',
          'in',
          ids.map((r) => r.id),
        )
        .returningAll()
        .execute();
    });
  } else {
    rows = await k
      .updateTable(table)
      .set(set)
      .where('id', 'in', (eb: any) => claimable(eb.selectFrom(table).select('id')))
      .returningAll()
      .execute();
  }
  return rows.sort((a, b) => {
    for (const [col, dir] of spec.order) {
      if (a[col] === b[col]) continue;
      return (a[col] < b[col] ? -1 : 1) * (dir === 'asc' ? 1 : -1);
    }
    return 0;
  });
}
