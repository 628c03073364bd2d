// SQLite backup and restore through SQLite's online backup API: pages are copied under the
// database's own locks, so a running instance keeps serving (and a WAL database stays consistent,
// which a plain file copy would not guarantee).
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { migrationNames } from './migrate.ts';

export interface BackupResult {
  file: string;
  bytes: number;
  pages: number;
  seconds: number;
}

/** Writes a consistent copy of the live database `source` (an open connection) to `file`. */
export async function backupSqlite(source: SQLite.Database, file: string): Promise<BackupResult> {
  const t0 = performance.now();
  const target = resolve(file);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = `${target}.partial`;
  rmSync(tmp, { force: true });
  // A step of 1000 pages at a time lets writers of the live instance in between steps.
  const r = await source.backup(tmp, { progress: () => 1000 });
  // The copy is complete only once renamed: a crash mid-way never leaves a plausible-looking backup.
  const copy = new SQLite(tmp);
  const ok = copy.pragma('quick_check', { simple: true });
  copy.close();
  if (ok !== 'ok') throw new Error(`the backup failed its integrity check: ${String(ok)}`);
  renameSync(tmp, target);
  return { file: target, bytes: statSync(target).size, pages: r.totalPages, seconds: (performance.now() - t0) / 1000 };
}

export interface BackupInfo {
  migrations: string[];
  unknown: string[];
  pending: string[];
  papers: number;
}

/** Checks `file` is a readable Paperboy SQLite database and says which schema it has. */
export function inspectBackup(file: string): BackupInfo {
  if (!existsSync(file)) throw new Error(`${file} does not exist`);
  let db: SQLite.Database;
  try {
    db = new SQLite(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new Error(`${file} is not an SQLite database: ${(err as Error).message}`, { cause: err });
  }
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file} failed its integrity check: ${String(check)}`);
    const hasMigrations = db.prepare(`select 1 from sqlite_master where type = 'table' and name = 'kysely_migration'`).get();
    if (!hasMigrations) throw new Error(`${file} is not a Paperboy database (it has no migration table)`);
    const applied = (db.prepare('select name from kysely_migration order by name').all() as { name: string }[]).map((r) => r.name);
    const known = migrationNames();
    const papers = (db.prepare('select count(*) as n from papers').get() as { n: number }).n;
    return {
      migrations: applied,
      unknown: applied.filter((n) => !known.includes(n)),
      pending: known.filter((n) => !applied.includes(n)),
      papers,
    };
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(file)) throw err;
    throw new Error(`${file} could not be read: ${(err as Error).message}`, { cause: err });
  } finally {
    db.close();
  }
}

/** Copies the backup `file` into the database at `dbFile` through the backup API (safe with WAL). */
/** Papers in an SQLite file (0 when it is not a Paperboy database yet, or an empty file). */
export function papersInSqliteFile(file: string): number {
  const db = new SQLite(file, { readonly: true });
  try {
    return (db.prepare('select count(*) as n from papers').get() as { n: number }).n;
  } catch {
    return 0;
  } finally {
    db.close();
  }
}

export async function restoreSqlite(file: string, dbFile: string): Promise<BackupResult> {
  const t0 = performance.now();
  mkdirSync(dirname(dbFile), { recursive: true });
  const src = new SQLite(file, { readonly: true, fileMustExist: true });
  try {
    leaveWalIfPageSizesDiffer(src, dbFile);
    const r = await src.backup(dbFile);
    return { file: dbFile, bytes: statSync(dbFile).size, pages: r.totalPages, seconds: (performance.now() - t0) / 1000 };
  } finally {
    src.close();
  }
}

/**
 * The backup API cannot change the page size of a database in WAL mode ("attempt to write a readonly
 * database"), and databases made before 16 KB pages became the default have 4 KB pages. When the
 * sizes differ, the target leaves WAL mode for the copy (opening it again puts it back), which SQLite
 * allows only with no other connection on it.
 */
function leaveWalIfPageSizesDiffer(src: SQLite.Database, dbFile: string): void {
  if (!existsSync(dbFile) || statSync(dbFile).size === 0) return;
  const dst = new SQLite(dbFile, { fileMustExist: true });
  try {
    const from = Number(src.pragma('page_size', { simple: true }));
    const to = Number(dst.pragma('page_size', { simple: true }));
    if (from === to || String(dst.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return;
    try {
      dst.pragma('journal_mode = DELETE');
    } catch (err) {
      throw new Error(`the backup has ${from}-byte pages and ${dbFile} has ${to}-byte pages: stop the processes that use it, then restore again`, {
        cause: err,
      });
    }
  } finally {
    dst.close();
  }
}
