// Settings of the ops area (database pool, metrics, backups). src/config/index.ts merges every area into one table.
import { optional, parsers, setting } from './table.ts';

export const ops = {
  databaseSchema: optional({
    env: 'PAPERBOY_DATABASE_SCHEMA',
    old: 'DATABASE_SCHEMA',
    parse: (raw: string) => {
      if (!/^[a-z_][a-z0-9_]{0,62}$/.test(raw)) throw new Error(`must be a plain lower-case identifier, got "${raw}"`);
      return raw;
    },
    doc: 'PostgreSQL only: the schema Paperboy uses (search_path). Unset: the server default (public).',
  }),
  databasePoolSize: setting({
    env: 'PAPERBOY_DATABASE_POOL_SIZE',
    old: 'DATABASE_POOL_SIZE',
    default: '10',
    parse: parsers.int(1, 500),
    doc: 'PostgreSQL only: connections per process. Keep web processes × pool size below max_connections.',
  }),
  databaseStatementTimeoutMs: setting({
    env: 'PAPERBOY_DATABASE_STATEMENT_TIMEOUT_MS',
    old: 'DATABASE_STATEMENT_TIMEOUT_MS',
    default: '15000',
    parse: parsers.int(100, 3_600_000),
    doc: 'PostgreSQL only: statements running longer are cancelled, so a stuck query cannot hold a request forever.',
  }),
  metricsToken: optional({
    env: 'PAPERBOY_METRICS_TOKEN',
    parse: parsers.nonEmpty,
    doc: 'When set, /metrics requires "Authorization: Bearer <token>". Unset: /metrics is open (restrict it at the proxy).',
    secret: true,
  }),
  metricsPort: optional({
    env: 'PAPERBOY_METRICS_PORT',
    parse: parsers.int(0, 65535),
    doc: 'Worker-only processes: serve /metrics on this port (on HOST). Web processes expose /metrics on their own port.',
  }),
  jobLeaseSeconds: setting({
    env: 'PAPERBOY_JOB_LEASE_SECONDS',
    default: '60',
    parse: parsers.int(2, 86_400),
    doc: 'A worker holds a job for this long, renewed every third of it; a worker that dies loses its jobs to others after at most this long.',
  }),
  schedulerTickSeconds: setting({
    env: 'PAPERBOY_SCHEDULER_TICK_SECONDS',
    default: '5',
    parse: parsers.int(1, 3600),
    doc: 'How often each worker checks the schedules (one cheap insert per schedule; slots make runs fire once across workers).',
  }),
  shutdownTimeoutMs: setting({
    env: 'PAPERBOY_SHUTDOWN_TIMEOUT_MS',
    default: '30000',
    parse: parsers.int(1000, 3_600_000),
    doc: 'On SIGTERM, how long to wait for in-flight requests and the job in hand before exiting anyway.',
  }),
};
