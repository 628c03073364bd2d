import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { ConfigError, describeConfig, loadConfig } from '../src/config/index.ts';
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
