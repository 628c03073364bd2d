import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig, settingsTable } from '../src/config/index.ts';
import { ROOT } from './support/paths.ts';

const run = promisify(execFile);

test('defaults match the documented ones', () => {
  const c = loadConfig({});
  assert.equal(c.port, 3000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.databaseUrl, undefined);
  assert.ok(c.dataDir.endsWith('/data'));
  assert.equal(c.publicUrl, 'http://127.0.0.1:3000');
});

test('every bad setting is named at once', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', PAPERBOY_BASE_URL: 'not a url' }),
    (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.equal(err.problems.length, 3);
      assert.match(err.message, /PORT/);
      assert.match(err.message, /LOG_LEVEL/);
      assert.match(err.message, /PAPERBOY_BASE_URL/);
      return true;
    },
  );
});

test('secrets are masked when printed', () => {
  const rows = describeConfig(loadConfig({ DATABASE_URL: 'postgres://paperboy:hunter2@db.example/pb', PAPERBOY_SECRET: 'x'.repeat(32) }));
  const text = JSON.stringify(rows);
  assert.doesNotMatch(text, /hunter2/);
  assert.doesNotMatch(text, /xxxxxxxxxxxxxxxx/);
  assert.match(text, /db\.example/);
});

test('the CLI refuses to start with a bad setting and names it', async () => {
  await assert.rejects(
    run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'config'], { env: { ...process.env, PORT: '99999' }, cwd: ROOT }),
    (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /PORT: must be between 0 and 65535/);
      return true;
    },
  );
  const ok = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'config', '--json'], {
    env: { ...process.env, DATABASE_URL: 'postgres://u:topsecret@localhost/x' },
    cwd: ROOT,
  });
  assert.doesNotMatch(ok.stdout, /topsecret/);
  assert.equal(JSON.parse(ok.stdout).PORT, process.env.PORT ?? '3000');
});

test('settings are named PAPERBOY_* (plus DATABASE_URL, SMTP_URL, PORT, HOST); old names still work, with a warning', () => {
  const keep = new Set(['DATABASE_URL', 'SMTP_URL', 'PORT', 'HOST']);
  for (const s of Object.values(settingsTable) as { env: string; old?: string }[]) {
    assert.ok(s.env.startsWith('PAPERBOY_') || keep.has(s.env), `${s.env} is not PAPERBOY_*`);
    assert.ok(s.old === undefined || !s.old.startsWith('PAPERBOY_'), `${s.env}: old name ${s.old}`);
  }
  const warnings: string[] = [];
  const warn = (m: string) => warnings.push(m);
  const c = loadConfig({ DIGEST_HOUR: '9', PAPERBOY_SEARCH_EMBEDDER: 'none', LOG_LEVEL: 'warn', PAPERBOY_LOG_LEVEL: 'error' }, { warn });
  assert.equal(c.digestHour, 9);
  assert.equal(c.searchEmbedder, 'none');
  assert.equal(c.logLevel, 'error', 'the new name wins over the old one');
  assert.equal(warnings.length, 2);
  assert.match(warnings.join('\n'), /DIGEST_HOUR is now called PAPERBOY_DIGEST_HOUR/);
  assert.match(warnings.join('\n'), /LOG_LEVEL is ignored: PAPERBOY_LOG_LEVEL is set too/);
  assert.throws(() => loadConfig({ DIGEST_HOUR: '25' }, { warn }), /DIGEST_HOUR \(now PAPERBOY_DIGEST_HOUR\): must be between 0 and 23/);
  assert.deepEqual(loadConfig({}, { warn: () => assert.fail('no warning without old names') }).digestHour, 7);
});

test('config --json lists only PAPERBOY_* names and the four common ones; an old name warns on stderr', async () => {
  const env: Record<string, string | undefined> = { ...process.env, DIGEST_RATE: '7' };
  for (const k of Object.keys(env)) if (k.startsWith('PAPERBOY_')) delete env[k];
  const ok = await run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), 'config', '--json'], { env, cwd: ROOT });
  const names = Object.keys(JSON.parse(ok.stdout));
  assert.deepEqual(
    names.filter((n) => !n.startsWith('PAPERBOY_')),
    ['DATABASE_URL', 'HOST', 'PORT', 'SMTP_URL'].filter((n) => names.includes(n)).sort((a, b) => names.indexOf(a) - names.indexOf(b)),
  );
  assert.ok(names.includes('PAPERBOY_DIGEST_RATE') && !names.includes('DIGEST_RATE'));
  assert.equal(JSON.parse(ok.stdout).PAPERBOY_DIGEST_RATE, '7');
  assert.match(ok.stderr, /DIGEST_RATE is now called PAPERBOY_DIGEST_RATE/);
});

test('every CLI command answers --help with its usage and options; the top level lists the commands', async () => {
  const { commands } = await import('../src/cli/commands.ts');
  const cli = (args: string[]) => run(process.execPath, ['--import', 'tsx', join(ROOT, 'src', 'main.ts'), ...args], { cwd: ROOT });
  const top = await cli(['--help']);
  for (const c of commands) assert.match(top.stdout, new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
  const { helpText } = await import('../src/cli/command.ts');
  for (const c of commands) {
    const text = helpText(c);
    assert.match(text, new RegExp(`^Usage: npm run cli -- ${c.name}\\b`), c.name);
    for (const o of Object.keys(c.options ?? {})) assert.match(text, new RegExp(`--${o}\\b`), `${c.name} --${o}`);
  }
  // Through the real entry point, without opening a database: --help wins over a missing argument.
  const one = await cli(['digest', '--help']);
  assert.match(one.stdout, /^Usage: npm run cli -- digest build/);
  assert.match(one.stdout, /--edition daily\|weekly +build: which edition/);
  const bad = await cli(['jobs', '--nope']).catch((e: { code: number; stderr: string }) => e);
  assert.equal((bad as { code: number }).code, 2);
  assert.match((bad as { stderr: string }).stderr, /Unknown option '--nope'[\s\S]*Usage: npm run cli -- jobs list/);
});
