// The database matrix: every storage-touching test runs on SQLite (a real file) and, when
// DATABASE_URL_TEST is set, on PostgreSQL in a schema of its own that is dropped afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { loadConfig, settingsTable, type Config, type Env } from '../../src/config/index.ts';
import { openPaperboy, type OpenOptions, type Paperboy } from '../../src/wiring.ts';
import { createLogger } from '../../src/logger.ts';

export interface TestDb {
  name: 'sqlite' | 'postgres';
  /** Opens a fresh, migrated, empty instance (or with the sample when asked). */
  open(env?: Env, opts?: OpenOptions): Promise<TestInstance>;
}

export interface TestInstance extends Paperboy {
  dataDir: string;
  /** Closes and removes everything the instance made. */
  dispose(): Promise<void>;
}

export const PG_URL = process.env.DATABASE_URL_TEST;

export function testConfig(env: Env): Config {
  // Tests write through the services and read through HTTP at once: no micro-cache unless a test
  // asks for one (test/http-page-cache.test.ts).
  const base: Env = { PAPERBOY_LOG_LEVEL: 'silent', PORT: '0', PAPERBOY_LOAD_SAMPLE: 'false', PAPERBOY_PAGE_CACHE_SECONDS: '0' };
  // A test that still passes a setting's old name (e.g. LOG_LEVEL) overrides the default above.
  for (const s of Object.values(settingsTable) as { env: string; old?: string }[]) if (s.old && env[s.old] !== undefined) delete base[s.env];
  return loadConfig({ ...base, ...env });
}

async function openSqlite(env: Env = {}, opts: OpenOptions = {}): Promise<TestInstance> {
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-test-'));
  const cfg = testConfig({ PAPERBOY_DATA_DIR: dataDir, ...env });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent'), ...opts });
  return Object.assign(pb, {
    dataDir,
    async dispose() {
      await pb.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

async function openPostgres(env: Env = {}, opts: OpenOptions = {}): Promise<TestInstance> {
  const schema = `t_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: PG_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-test-'));
  const cfg = testConfig({ PAPERBOY_DATA_DIR: dataDir, DATABASE_URL: PG_URL, ...env });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('silent'), schema, ...opts });
  return Object.assign(pb, {
    dataDir,
    async dispose() {
      await pb.close();
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

export const databases: TestDb[] = [
  { name: 'sqlite', open: openSqlite },
  ...(PG_URL ? [{ name: 'postgres' as const, open: openPostgres }] : []),
];
