import { optional, parsers, setting } from './table.ts';

export const core = {
  dataDir: setting({
    env: 'PAPERBOY_DATA_DIR',
    default: './data',
    parse: parsers.nonEmpty,
    doc: 'Folder for the SQLite database, vector index, mail outbox and other local state.',
  }),
  databaseUrl: optional({
    env: 'DATABASE_URL',
    parse: (raw: string) => {
      if (!/^(postgres(ql)?|sqlite):/.test(raw)) throw new Error(`must start with postgres:// or sqlite:, got "${raw.split(':')[0]}:"`);
      return raw;
    },
    doc: 'postgres://user:pass@host/db for PostgreSQL, or sqlite:/path/file.db. Unset: SQLite file paperboy.db in the data dir.',
    secret: true,
  }),
  host: setting({ env: 'HOST', default: '127.0.0.1', parse: parsers.nonEmpty, doc: 'Address the web server listens on.' }),
  port: setting({ env: 'PORT', default: '3000', parse: parsers.int(0, 65535), doc: 'Port the web server listens on (0 picks a free one).' }),
  baseUrl: optional({
    env: 'PAPERBOY_BASE_URL',
    parse: parsers.url,
    doc: 'Public address of this instance, for absolute links in feeds and mail. Unset: http://HOST:PORT.',
  }),
  logLevel: setting({
    env: 'PAPERBOY_LOG_LEVEL',
    old: 'LOG_LEVEL',
    default: 'info',
    parse: parsers.oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    doc: 'Log verbosity.',
  }),
  loadSample: setting({
    env: 'PAPERBOY_LOAD_SAMPLE',
    default: 'true',
    parse: parsers.bool,
    doc: 'Load the bundled sample papers on first start when the database is empty.',
  }),
  secret: optional({
    env: 'PAPERBOY_SECRET',
    parse: (raw: string) => {
      if (raw.length < 16) throw new Error('must be at least 16 characters');
      return raw;
    },
    doc: 'Key for signing tokens and cookies. Unset: a random key is generated once and kept in the data dir.',
    secret: true,
  }),
};
