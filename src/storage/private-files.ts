// The data dir holds the database (with the instance secret), the mail outbox (live sign-in
// links) and models: only the account running Paperboy may read it. Directories are 0700 and
// files 0600; the CLI also sets the process umask to 077 so that anything created later (backups,
// model caches) starts private. Failures (a read-only or foreign-owned mount) are ignored: the
// operator's file system then decides.
import { chmodSync, existsSync, mkdirSync } from 'node:fs';

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

export function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  try {
    chmodSync(dir, DIR_MODE);
  } catch {
    /* not ours to change */
  }
}

export function privateFile(file: string): void {
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if (existsSync(f)) chmodSync(f, FILE_MODE);
    } catch {
      /* not ours to change */
    }
  }
}
