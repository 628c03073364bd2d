// Kysely database factory for both deployments: an SQLite file (default) or PostgreSQL.
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { privateFile } from './private-files.ts';
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type Driver } from 'kysely';
import type { Database } from './schema.ts';

export type DialectName = 'sqlite' | 'postgres';

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  /** SQLite only: the raw connection, for FTS5, the backup API and bulk loads. */
  sqlite?: SQLite.Database;
  /**
   * SQLite only: the FTS5 ranking function, pb_bm25 (bm25() that remembers the document counts of
   * common words, native/pb_fts5.c) when it was built at install, else bm25.
   */
  bm25?: 'pb_bm25' | 'bm25';
  /** PostgreSQL only: the pool. */
  pool?: pg.Pool;
  /** PostgreSQL only: the schema in use when one was chosen (search_path). */
  schema?: string;
  /** A printable description with no secrets. */
  describe: string;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://…, sqlite:/path, or undefined for <dataDir>/paperboy.db. */
  url?: string;
  dataDir: string;
  /** PostgreSQL schema to use (tests run each in its own). */
  schema?: string;
  poolSize?: number;
  statementTimeoutMs?: number;
}

export function sqlitePath(opts: DbOptions): string {
  if (opts.url?.startsWith('sqlite:')) return resolve(opts.url.replace(/^sqlite:(\/\/)?/, ''));
  return join(opts.dataDir, 'paperboy.db');
}

export function openDb(opts: DbOptions): Db {
  if (opts.url && /^postgres(ql)?:/.test(opts.url)) return openPostgres(opts);
  return openSqlite(sqlitePath(opts));
}

/** Page size of databases this code creates (see openSqlite). */
export const SQLITE_PAGE_SIZE = 16384;

export function openSqlite(file: string): Db {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  if (file !== ':memory:') privateFile(file);
  // A new database gets 16 KB pages (SQLite's default is 4 KB; an existing file keeps its own):
  // fewer pages to write, split and link, for the full-text index above all. A bulk import of 200k
  // papers: main-thread CPU -9 to -14%, database 743 -> 683 MB; search latency unchanged
  // (bench search at 100k: p50 7.2 / 7.0 ms, p99 36.5 / 36.3 ms).
  sqlite.pragma(`page_size = ${SQLITE_PAGE_SIZE}`);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: statementCache(sqlite) }) });
  return {
    kysely,
    dialect: 'sqlite',
    sqlite,
    bm25: loadPbBm25(sqlite) ? 'pb_bm25' : 'bm25',
    describe: `sqlite:${file}`,
    // Kysely closes the connection only if it ran a query on it.
    close: async () => {
      await kysely.destroy();
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * SQLite with every transaction begun IMMEDIATE (Kysely begins them DEFERRED). A deferred
 * transaction that has read asks for the write lock at its first write, and when another connection
 * holds it then (the worker thread committing a batch, the checkpoint thread's TRUNCATE) SQLite
 * answers SQLITE_BUSY at once, without waiting: waiting could deadlock a reader that must upgrade.
 * Taking the lock first makes the transaction wait its turn (busy_timeout) instead of failing.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }
  override createDriver(): Driver {
    return new (class extends SqliteDriver {
      override async beginTransaction(connection: DatabaseConnection): Promise<void> {
        await connection.executeQuery(CompiledQuery.raw('begin immediate'));
      }
    })(this.settings);
  }
}

/** Built by scripts/build-native.mjs at install (SQLite adds the platform's suffix). */
const PB_FTS5 = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'native', 'build', 'pb_fts5');

/** Loads pb_bm25 into the connection; false when it was not built (or does not load). */
function loadPbBm25(sqlite: SQLite.Database): boolean {
  try {
    // Its entry point, sqlite3_pbfts_init, is the one SQLite derives from the file name.
    sqlite.loadExtension(PB_FTS5);
    return true;
  } catch {
    return false;
  }
}

/** Most distinct statements kept prepared per connection (queries with IN lists vary in text). */
const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as Kysely sees it, with its statements kept prepared: Kysely's SQLite driver
 * prepares every query anew, which was a tenth of a page's time. A statement is safe to reuse here
 * because the driver runs it to completion synchronously (all() or run(); it never streams).
 */
function statementCache(sqlite: SQLite.Database): { prepare(sql: string): SQLite.Statement; close(): void } {
  const cache = new Map<string, SQLite.Statement>();
  return {
    prepare(text: string) {
      let stmt = cache.get(text);
      if (!stmt) {
        stmt = sqlite.prepare(text);
        // Oldest first: a Map iterates in insertion order.
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(text, stmt);
      }
      return stmt;
    },
    close: () => sqlite.close(),
  };
}

function openPostgres(opts: DbOptions): Db {
  const url = new URL(opts.url!);
  const options: string[] = [];
  if (opts.schema) options.push(`-c search_path=${opts.schema}`);
  options.push(`-c statement_timeout=${opts.statementTimeoutMs ?? 15000}`);
  const pool = new pg.Pool({
    connectionString: opts.url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 3000,
    idleTimeoutMillis: 30000,
    options: options.join(' '),
  });
  // An idle client that loses its server (restart) emits here; without a listener it would crash the process.
  pool.on('error', () => {});
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  url.password = url.password ? '****' : '';
  return {
    kysely,
    dialect: 'postgres',
    pool,
    schema: opts.schema,
    describe: `${url.toString()}${opts.schema ? ` (schema ${opts.schema})` : ''}`,
    close: () => kysely.destroy(),
  };
}

/** Checks the database answers. */
export async function ping(db: Db): Promise<void> {
  await sql`select 1`.execute(db.kysely);
}
