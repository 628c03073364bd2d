// Which processes serve an SQLite database: each `serve` leaves <db>.run/<pid> while it runs.
// A process killed with -9 leaves its file behind, so liveness is checked with signal 0.
// (`restore` refuses while any live process serves the file; backup and restore themselves are
// src/storage/sqlite-backup.ts.)
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function runDir(dbFile: string): string {
  return join(dirname(dbFile), `${basename(dbFile)}.run`);
}

/** Marks this process as serving `dbFile`; returns the function that removes the mark. */
export function markServing(dbFile: string): () => void {
  const dir = runDir(dbFile);
  mkdirSync(dir, { recursive: true });
  const f = join(dir, String(process.pid));
  writeFileSync(f, new Date().toISOString());
  return () => rmSync(f, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pids of live processes serving `dbFile` (stale marks are removed). */
export function servingPids(dbFile: string): number[] {
  const dir = runDir(dbFile);
  if (!existsSync(dir)) return [];
  const pids: number[] = [];
  for (const name of readdirSync(dir)) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    if (alive(pid)) pids.push(pid);
    else rmSync(join(dir, name), { force: true });
  }
  return pids;
}
