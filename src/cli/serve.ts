// serve: the web server, the worker, or both in one process (the default on one machine).
import { loadConfig } from '../config/index.ts';
import { openPaperboy, type Paperboy } from '../wiring.ts';
import { buildApp } from '../http/app.ts';
import type { Worker } from '../jobs/worker.ts';
import { startWorkerRole } from '../jobs/run.ts';
import { startWorkerThread } from '../jobs/worker-thread.ts';
import type { Command } from './command.ts';
import { startMetricsServer } from '../ops/collect.ts';
import { markServing } from '../ops/serving.ts';
import { sqlitePath } from '../storage/db.ts';

export type Role = 'web' | 'worker' | 'all';

export interface Running {
  pb: Paperboy;
  url?: string;
  worker?: Worker;
  /** Role `all` with the worker in a thread: that worker's id. */
  workerId?: string;
  /** Tells the jobs in hand to abort (the shutdown deadline passed). */
  abortNow(): void;
  /** Graceful: stops taking work, finishes in-flight requests and the job in hand, gives back leases. */
  stop(): Promise<void>;
}

export interface RoleOptions {
  /** Role `all`: run the worker in a worker thread (PAPERBOY_WORKER_THREAD), not on the web's event loop. */
  workerThread?: boolean;
  /** PostgreSQL schema of the instance (tests), for the worker thread's own connection. */
  schema?: string;
}

/** Starts the roles on an open instance; used by the CLI and by tests that need a real server. */
export async function startRoles(pb: Paperboy, role: Role, opts: RoleOptions = {}): Promise<Running> {
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  let worker: Worker | undefined;
  let workerId: string | undefined;
  let abortNow = () => {};
  if (role === 'all' && opts.workerThread) {
    const t = await startWorkerThread(pb.config, pb.log, opts.schema);
    workerId = t.workerId();
    abortNow = () => t.abortNow();
    pb.log.info({ worker: workerId }, 'worker thread started');
    stops.push(() => t.stop());
  } else if (role === 'worker' || role === 'all') {
    const w = startWorkerRole(pb);
    worker = w.worker;
    workerId = worker.id;
    abortNow = () => w.worker.abortNow();
    stops.push(() => w.stop());
    if (role === 'worker' && pb.config.metricsPort !== undefined) {
      const server = await startMetricsServer(pb, pb.config.metricsPort);
      stops.push(() => new Promise<void>((r) => server.close(() => r())));
    }
  }
  if (role === 'web' || role === 'all') {
    // The embedding model and the vector index load, build and answer in a thread of their own.
    pb.search.serveVectorsFromThread();
    const { app } = await buildApp(pb);
    await app.listen({ host: pb.config.host, port: pb.config.port });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr ? addr.port : pb.config.port;
    url = `http://${pb.config.host.includes(':') ? `[${pb.config.host}]` : pb.config.host}:${port}`;
    // Closing waits for in-flight requests to finish.
    stops.unshift(() => app.close());
  }
  return {
    pb,
    url,
    worker,
    workerId,
    abortNow: () => abortNow(),
    async stop() {
      for (const s of stops) await s();
    },
  };
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Run the web server and/or the worker (--role web|worker|all)',
  usage: 'serve [--role web|worker|all]',
  options: { role: { type: 'string', default: 'all', arg: 'web|worker|all', help: 'web answers HTTP, worker runs the jobs, all does both' } },
  async run({ values }) {
    const role = String(values.role) as Role;
    if (!['web', 'worker', 'all'].includes(role)) {
      console.error(`--role must be web, worker or all, got "${role}"`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { migrate: true, sample: cfg.loadSample });
    const running = await startRoles(pb, role, { workerThread: cfg.workerThread });
    // Lets `restore` see that this SQLite database is in use.
    const unmark = pb.db.dialect === 'sqlite' ? markServing(sqlitePath({ url: cfg.databaseUrl, dataDir: cfg.dataDir })) : () => {};
    if (running.url) pb.log.info(`Paperboy is serving ${pb.db.describe} at ${running.url}`);
    if (running.url && process.stdout.isTTY) console.log(`\n  Paperboy is running at ${running.url}\n`);
    await new Promise<void>((resolve) => {
      let stopping = false;
      const stop = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        pb.log.info({ signal }, 'shutting down');
        // Past the deadline: tell the job in hand to abort, give back its lease, and leave.
        const force = setTimeout(() => {
          pb.log.error({ timeoutMs: pb.config.shutdownTimeoutMs }, 'shutdown deadline passed: aborting');
          running.abortNow();
          void pb.jobs
            .release(running.workerId ?? '')
            .catch(() => 0)
            .finally(() => process.exit(1));
        }, pb.config.shutdownTimeoutMs);
        force.unref();
        await running.stop();
        await pb.close();
        unmark();
        pb.log.info('stopped');
        resolve();
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
    });
  },
};
