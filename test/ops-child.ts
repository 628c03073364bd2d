// Test support for the ops tests: runs the real CLI (`src/main.ts`) as a child process against a
// test instance's database, and watches its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { TestInstance } from './support/db.ts';
import { PG_URL } from './support/db.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';
import { parseJsonl } from '../src/ingest/jsonl.ts';
import { parseHfDailyFile } from '../src/ingest/hf-daily.ts';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The environment that points a child process at the same database as `pb`. */
export async function instanceEnv(pb: TestInstance): Promise<Record<string, string>> {
  // No scheduled network syncs: a test's worker must only run the jobs the test enqueues. No
  // micro-cache (as in testConfig): tests write through one process and read through another at once.
  const env: Record<string, string> = {
    PAPERBOY_DATA_DIR: pb.dataDir,
    PAPERBOY_LOAD_SAMPLE: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    PAPERBOY_SYNC: 'false',
    PAPERBOY_PAGE_CACHE_SECONDS: '0',
  };
  if (pb.db.dialect === 'postgres') {
    const r = await sql<{ s: string }>`select current_schema() as s`.execute(pb.db.kysely);
    env.DATABASE_URL = PG_URL!;
    env.PAPERBOY_DATABASE_SCHEMA = r.rows[0].s;
  }
  return env;
}

export interface Child {
  proc: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the first output line matching `re` (rejects if the process exits first). */
  waitFor(re: RegExp): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnCli(args: string[], env: Record<string, string>): Child {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(DATABASE_|PAPERBOY_|PORT$|HOST$|LOG_LEVEL$|SMTP_)/.test(k)),
  );
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'src/main.ts'), ...args], {
    cwd: ROOT,
    // A test that still passes the old LOG_LEVEL overrides the default (the new name would win over it).
    env: { ...clean, ...(env.LOG_LEVEL === undefined ? { PAPERBOY_LOG_LEVEL: 'info' } : {}), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const waiters: { re: RegExp; resolve: (l: string) => void; reject: (e: Error) => void }[] = [];
  const check = () => {
    const lines = out.split('\n');
    for (const w of [...waiters]) {
      const hit = lines.find((l) => w.re.test(l));
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  proc.stdout!.on('data', (d) => ((out += d), check()));
  proc.stderr!.on('data', (d) => ((out += d), check()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => {
      // Let the last chunks of output arrive before rejecting waiters.
      setImmediate(() => {
        check();
        for (const w of waiters.splice(0)) w.reject(new Error(`process exited (${code ?? signal}) before ${w.re}:\n${out.slice(-3000)}`));
        resolve({ code, signal });
      });
    }),
  );
  return {
    proc,
    output: () => out,
    waitFor: (re) =>
      new Promise((resolve, reject) => {
        waiters.push({ re, resolve, reject });
        check();
      }),
    exited,
  };
}

/** Runs a CLI command to completion. */
export async function runCli(args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const c = spawnCli(args, env);
  const { code } = await c.exited;
  return { code, out: c.output() };
}

/** Starts `serve` and resolves once it listens (or once the worker runs, for --role worker). */
export async function startServe(role: 'web' | 'worker' | 'all', env: Record<string, string>): Promise<Child & { url?: string }> {
  const c = spawnCli(['serve', '--role', role], env);
  if (role === 'worker') {
    await c.waitFor(/"msg":"worker started"/);
    return c;
  }
  const line = await c.waitFor(/Paperboy is serving/);
  const url = /at (http:\/\/\S+?)"/.exec(line)?.[1];
  return Object.assign(c, { url });
}

/** Loads part of the bundled sample: the first `arxiv` arXiv records (as daily entries) and the HF daily list. */
export async function loadSomeSample(pb: TestInstance, arxiv = 300): Promise<void> {
  async function* first<T>(it: AsyncIterable<T>, n: number): AsyncIterable<T> {
    if (n <= 0) return;
    let i = 0;
    for await (const x of it) {
      yield x;
      if (++i >= n) return;
    }
  }
  await pb.importer.run('sample', SAMPLE_FILES.arxiv, first(parseJsonl(SAMPLE_FILES.arxiv, { daily: true }, undefined, 'sample'), arxiv), {
    batchSize: 500,
  });
  await pb.importer.run('hf', SAMPLE_FILES.hf, await parseHfDailyFile(SAMPLE_FILES.hf));
}
