// Moves an instance from SQLite to PostgreSQL: every table in foreign-key order, in batches,
// with ON CONFLICT DO NOTHING so a re-run (after a crash, or to catch up) neither fails nor
// doubles rows; then the sequences behind serial ids are moved past the copied ids.
import type SQLite from 'better-sqlite3';
import type pg from 'pg';
import type { Logger } from '../logger.ts';

export interface TableReport {
  table: string;
  source: number;
  copied: number;
  target: number;
  skipped?: string;
}

export interface MigrateDataReport {
  tables: TableReport[];
  /** Source tables with no counterpart in PostgreSQL (e.g. SQLite's FTS5 index, rebuilt there by its own triggers). */
  sourceOnly: string[];
  sequences: Record<string, number>;
  seconds: number;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/** SQLite user tables, parents before children (FTS5 shadow tables and internals excluded). */
export function sqliteTablesInFkOrder(src: SQLite.Database): string[] {
  const rows = src
    .prepare(`select name, sql from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like 'kysely_%'`)
    .all() as { name: string; sql: string | null }[];
  const virtual = rows.filter((r) => /create\s+virtual\s+table/i.test(r.sql ?? '')).map((r) => r.name);
  const names = rows
    .map((r) => r.name)
    .filter((n) => !virtual.includes(n) && !virtual.some((v) => n.startsWith(`${v}_`)))
    .sort();
  const deps = new Map<string, string[]>();
  for (const n of names) {
    const fks = src.prepare(`select "table" from pragma_foreign_key_list(?)`).all(n) as { table: string }[];
    deps.set(n, [...new Set(fks.map((f) => f.table).filter((t) => t !== n && names.includes(t)))]);
  }
  const out: string[] = [];
  const seen = new Set<string>();
  const visit = (n: string, path: string[]) => {
    if (seen.has(n)) return;
    if (path.includes(n)) throw new Error(`foreign-key cycle: ${[...path, n].join(' -> ')}`);
    for (const d of deps.get(n) ?? []) visit(d, [...path, n]);
    seen.add(n);
    out.push(n);
  };
  for (const n of names) visit(n, []);
  return out;
}

interface PgColumn {
  name: string;
  generated: boolean;
  hasSequence: boolean;
}

async function pgTables(client: pg.PoolClient): Promise<Map<string, PgColumn[]>> {
  const r = await client.query<{ table_name: string; column_name: string; is_generated: string; column_default: string | null; is_identity: string }>(
    `select table_name, column_name, is_generated, column_default, is_identity
       from information_schema.columns
      where table_schema = current_schema()
      order by table_name, ordinal_position`,
  );
  const out = new Map<string, PgColumn[]>();
  for (const c of r.rows) {
    if (!out.has(c.table_name)) out.set(c.table_name, []);
    out.get(c.table_name)!.push({
      name: c.column_name,
      generated: c.is_generated === 'ALWAYS',
      hasSequence: c.is_identity === 'YES' || /^nextval\(/.test(c.column_default ?? ''),
    });
  }
  return out;
}

async function hasUniqueKey(client: pg.PoolClient, table: string): Promise<boolean> {
  const r = await client.query(
    `select 1 from pg_index i join pg_class c on c.oid = i.indrelid
      where c.relname = $1 and c.relnamespace = current_schema()::regnamespace and i.indisunique limit 1`,
    [table],
  );
  return (r.rowCount ?? 0) > 0;
}

export interface MigrateDataOptions {
  batchSize?: number;
  log?: Logger;
  onProgress?: (table: string, copied: number, total: number) => void;
}

/** Copies every table of `src` into the (migrated) PostgreSQL schema behind `pool`. */
export async function migrateData(src: SQLite.Database, pool: pg.Pool, opts: MigrateDataOptions = {}): Promise<MigrateDataReport> {
  const t0 = performance.now();
  const client = await pool.connect();
  try {
    const target = await pgTables(client);
    const order = sqliteTablesInFkOrder(src);
    const report: MigrateDataReport = { tables: [], sourceOnly: [], sequences: {}, seconds: 0 };
    for (const table of order) {
      const pgCols = target.get(table);
      if (!pgCols) {
        report.sourceOnly.push(table);
        continue;
      }
      const srcCols = (src.prepare(`select name from pragma_table_info(?)`).all(table) as { name: string }[]).map((c) => c.name);
      const cols = pgCols.filter((c) => !c.generated && srcCols.includes(c.name)).map((c) => c.name);
      const total = (src.prepare(`select count(*) as n from ${q(table)}`).get() as { n: number }).n;
      const countTarget = async () => Number((await client.query<{ n: string }>(`select count(*) as n from ${q(table)}`)).rows[0].n);
      const before = await countTarget();
      const unique = await hasUniqueKey(client, table);
      // Without a key, ON CONFLICT cannot tell a copied row from a new one: copy only into an empty table.
      if (!unique && before > 0) {
        report.tables.push({
          table,
          source: total,
          copied: 0,
          target: before,
          skipped: before === total ? 'already copied' : `has no unique key and already holds ${before} rows; empty it to copy again`,
        });
        continue;
      }
      // PostgreSQL takes at most 65535 parameters per statement.
      const batch = Math.max(1, Math.min(opts.batchSize ?? 1000, Math.floor(60000 / cols.length)));
      const colList = cols.map(q).join(', ');
      // Keyset pagination (on rowid, or on the primary key of a WITHOUT ROWID table): each batch is
      // one index seek, however deep into the table.
      const ddl = (src.prepare(`select sql from sqlite_master where type = 'table' and name = ?`).get(table) as { sql: string }).sql;
      const key = /without\s+rowid/i.test(ddl)
        ? (src.prepare(`select name from pragma_table_info(?) where pk > 0 order by pk`).all(table) as { name: string }[]).map((c) => q(c.name))
        : ['rowid'];
      const keyList = key.join(', ');
      const firstBatch = src.prepare(`select ${keyList}, ${colList} from ${q(table)} order by ${keyList} limit ?`);
      const nextBatch = src.prepare(
        `select ${keyList}, ${colList} from ${q(table)} where (${keyList}) > (${key.map(() => '?').join(', ')}) order by ${keyList} limit ?`,
      );
      firstBatch.raw(true);
      nextBatch.raw(true);
      let copied = 0;
      let done = 0;
      for (let last: unknown[] | undefined; ; ) {
        const rows = (last ? nextBatch.all(...last, batch) : firstBatch.all(batch)) as unknown[][];
        if (!rows.length) break;
        last = rows[rows.length - 1].slice(0, key.length);
        done += rows.length;
        const params: unknown[] = [];
        const tuples = rows.map((row) => `(${row.slice(key.length).map((v) => (params.push(v), `$${params.length}`)).join(', ')})`);
        // One transaction per batch: an interrupted run leaves whole batches, and a re-run skips them.
        const r = await client.query(
          `insert into ${q(table)} (${colList}) values ${tuples.join(', ')}${unique ? ' on conflict do nothing' : ''}`,
          params,
        );
        copied += r.rowCount ?? 0;
        opts.onProgress?.(table, done, total);
      }
      report.tables.push({ table, source: total, copied, target: await countTarget() });
      opts.log?.info({ table, source: total, copied }, 'table copied');
    }
    // Serial ids were inserted explicitly, so the sequences still start at 1: move them past the max.
    for (const [table, cols] of target) {
      for (const c of cols.filter((col) => col.hasSequence)) {
        const r = await client.query<{ v: string }>(
          `select setval(pg_get_serial_sequence($1, $2), coalesce((select max(${q(c.name)}) from ${q(table)}), 0) + 1, false) as v`,
          [`${await currentSchema(client)}.${table}`, c.name],
        );
        report.sequences[`${table}.${c.name}`] = Number(r.rows[0].v);
      }
    }
    report.seconds = (performance.now() - t0) / 1000;
    return report;
  } finally {
    client.release();
  }
}

async function currentSchema(client: pg.PoolClient): Promise<string> {
  return (await client.query<{ s: string }>('select current_schema() as s')).rows[0].s;
}
