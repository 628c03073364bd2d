// backup, restore, migrate-data: moving an instance's data safely.
import { existsSync } from 'node:fs';
import { loadConfig } from '../config/index.ts';
import { openDb, sqlitePath } from '../storage/db.ts';
import { assertSchemaCurrent, migrateToLatest, schemaState } from '../storage/migrate.ts';
import { backupSqlite, inspectBackup, papersInSqliteFile, restoreSqlite } from '../storage/sqlite-backup.ts';
import { servingPids } from '../ops/serving.ts';
import { migrateData } from '../storage/migrate-data.ts';
import { createLogger } from '../logger.ts';
import { openConfiguredDb } from '../wiring.ts';
import type { Command } from './command.ts';

const PG_DUMP_HELP = `This instance runs on PostgreSQL: back it up with the server's own tools, e.g.
  pg_dump --format=custom --file=paperboy.dump "$DATABASE_URL"
and restore into an empty database with
  pg_restore --no-owner --dbname="$DATABASE_URL" paperboy.dump
See docs/deploy.md ("Backups").`;

export const backupCommand: Command = {
  name: 'backup',
  summary: 'Write a consistent copy of the SQLite database while it runs (online backup API)',
  usage: 'backup <file>',
  async run({ positionals }) {
    const [file] = positionals;
    if (!file) {
      console.error('usage: backup <file>');
      return 2;
    }
    const cfg = loadConfig();
    const db = openConfiguredDb(cfg);
    try {
      if (db.dialect !== 'sqlite') {
        console.error(PG_DUMP_HELP);
        return 2;
      }
      await assertSchemaCurrent(db);
      const r = await backupSqlite(db.sqlite!, file);
      console.log(JSON.stringify({ backup: r.file, bytes: r.bytes, pages: r.pages, seconds: Number(r.seconds.toFixed(3)) }));
    } finally {
      await db.close();
    }
  },
};

export const restoreCommand: Command = {
  name: 'restore',
  summary: 'Replace the SQLite database with a backup (refuses while the instance runs, unless --force)',
  usage: 'restore <file> [--force]',
  options: { force: { type: 'boolean', help: 'Restore even if the instance seems to be running' } },
  async run({ values, positionals }) {
    const [file] = positionals;
    if (!file) {
      console.error('usage: restore <file> [--force]');
      return 2;
    }
    const cfg = loadConfig();
    if (cfg.databaseUrl && !cfg.databaseUrl.startsWith('sqlite:')) {
      console.error(PG_DUMP_HELP);
      return 2;
    }
    const dbFile = sqlitePath({ url: cfg.databaseUrl, dataDir: cfg.dataDir });
    let info;
    try {
      info = inspectBackup(file);
    } catch (err) {
      console.error(`Cannot restore: ${(err as Error).message}`);
      return 1;
    }
    if (info.unknown.length) {
      console.error(`Cannot restore: the backup was made by a newer Paperboy (migrations ${info.unknown.join(', ')}). Upgrade first.`);
      return 1;
    }
    const pids = servingPids(dbFile);
    if (pids.length && !values.force) {
      console.error(
        `Refusing to restore: Paperboy is running on ${dbFile} (pid ${pids.join(', ')}). Stop it first, or pass --force ` +
          '(the running processes then see the restored data at once).',
      );
      return 1;
    }
    if (existsSync(dbFile) && !values.force) {
      // 0 when it is not a Paperboy database yet (or an empty file): nothing to lose.
      const papers = papersInSqliteFile(dbFile);
      if (papers > 0) {
        console.error(`Refusing to overwrite ${dbFile}, which holds ${papers} papers. Back it up first, then pass --force.`);
        return 1;
      }
    }
    const r = await restoreSqlite(file, dbFile);
    // Bring an older backup up to this code's schema right away.
    const db = openConfiguredDb(cfg);
    try {
      const ran = await migrateToLatest(db);
      console.log(JSON.stringify({ restored: file, into: r.file, papers: info.papers, migrated: ran, seconds: Number(r.seconds.toFixed(3)) }));
    } finally {
      await db.close();
    }
  },
};

export const migrateDataCommand: Command = {
  name: 'migrate-data',
  summary: 'Copy an SQLite instance into PostgreSQL (idempotent: re-run to resume)',
  usage: 'migrate-data --from sqlite:<file> --to postgres://… [--schema name] [--batch 1000]',
  options: {
    from: { type: 'string', arg: 'sqlite:FILE', help: 'The SQLite database to copy' },
    to: { type: 'string', arg: 'postgres://…', help: 'The PostgreSQL database to copy into' },
    schema: { type: 'string', arg: 'NAME', help: 'PostgreSQL schema (default: public)' },
    batch: { type: 'string', default: '1000', arg: 'N', help: 'Rows per transaction' },
  },
  async run({ values }) {
    const from = values.from as string | undefined;
    const to = values.to as string | undefined;
    if (!from?.startsWith('sqlite:') || !to || !/^postgres(ql)?:\/\//.test(to)) {
      console.error(`usage: ${migrateDataCommand.usage}`);
      return 2;
    }
    const batch = Number(values.batch);
    if (!Number.isInteger(batch) || batch < 1) {
      console.error(`--batch must be a positive whole number, got "${String(values.batch)}"`);
      return 2;
    }
    const schema = values.schema as string | undefined;
    if (schema && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      console.error(`--schema must be a plain lower-case identifier, got "${schema}"`);
      return 2;
    }
    const file = sqlitePath({ url: from, dataDir: '.' });
    if (!existsSync(file)) {
      console.error(`${file} does not exist`);
      return 1;
    }
    const source = openDb({ url: from, dataDir: '.' });
    const target = openDb({ url: to, dataDir: '.', schema });
    const log = createLogger('info');
    try {
      const s = await schemaState(source);
      if (s.pending.length || s.unknown.length) {
        console.error(
          `The source schema is not current (pending: ${s.pending.join(', ') || 'none'}, unknown: ${s.unknown.join(', ') || 'none'}). ` +
            `Run: DATABASE_URL=${from} npm run cli -- migrate`,
        );
        return 1;
      }
      const ran = await migrateToLatest(target);
      if (ran.length) log.info({ migrations: ran }, 'target migrated');
      let lastLog = 0;
      const report = await migrateData(source.sqlite!, target.pool!, {
        batchSize: batch,
        log,
        onProgress(table, done, total) {
          if (Date.now() - lastLog > 2000) {
            lastLog = Date.now();
            log.info({ table, done, total }, 'copying');
          }
        },
      });
      console.log(JSON.stringify({ from: source.describe, to: target.describe, ...report }, null, 2));
      const short = report.tables.filter((t) => t.target < t.source);
      if (short.length) {
        console.error(`Some tables hold fewer rows than the source: ${short.map((t) => t.table).join(', ')}`);
        return 1;
      }
    } finally {
      await source.close();
      await target.close();
    }
  },
};
