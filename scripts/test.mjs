#!/usr/bin/env node
// Runs one level of the test suite (or all), each file once:
//   unit    pure logic: no database, no server, no child process (fast; run them while you work)
//   medium  the database matrix (test/support/db.ts): SQLite files, and PostgreSQL when DATABASE_URL_TEST is set
//   e2e     end to end: headless Chromium, or real child processes (the CLI, web and worker processes)
// A file's level follows from what it imports; a `// test-level: unit|medium|e2e` line near the top
// overrides it. Every test/*.test.ts belongs to exactly one level, so `all` runs the whole suite.
//   node scripts/test.mjs unit|medium|e2e|all [--list] [extra node --test flags]
import { readdirSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const LEVELS = ['unit', 'medium', 'e2e'];

export function levelOf(text) {
  const forced = /^\/\/ test-level: (unit|medium|e2e)\b/m.exec(text.slice(0, 2000));
  if (forced) return forced[1];
  if (/support\/browser\.ts|playwright-core/.test(text)) return 'e2e';
  // Real child processes: the CLI, web and worker processes (test/ops-child.ts), or any spawn.
  if (/from 'node:child_process'|\b(spawnCli|startServe|runCli)\(/.test(text)) return 'e2e';
  if (/support\/db\.ts/.test(text)) return 'medium';
  return 'unit';
}

const [level = 'all', ...rest] = process.argv.slice(2);
if (level !== 'all' && !LEVELS.includes(level)) {
  console.error(`usage: node scripts/test.mjs ${LEVELS.join('|')}|all [--list]`);
  process.exit(2);
}
const dir = 'test';
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => join(dir, f));
const chosen = files.filter((f) => level === 'all' || levelOf(readFileSync(f, 'utf8')) === level);
if (rest.includes('--list')) {
  for (const f of chosen) console.log(`${levelOf(readFileSync(f, 'utf8')).padEnd(6)} ${f}`);
  process.exit(0);
}
if (!chosen.length) {
  console.log(`no ${level} tests`);
  process.exit(0);
}
// Two files at a time: each test has its own database (a SQLite file, a PostgreSQL schema), data dir
// and ports, and much of a test is waiting (PostgreSQL, child processes, Chromium). On the 2-core CI
// machine medium took 358 s instead of 777 s and e2e 458 s instead of 744 s (CI ran 1,998 s with
// one at a time, over its 30 minutes). PAPERBOY_TEST_CONCURRENCY=1 runs them one by one.
const concurrency = Number(process.env.PAPERBOY_TEST_CONCURRENCY) || 2;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, ...rest, ...chosen], { stdio: 'inherit' });
process.exit(r.status ?? 1);
