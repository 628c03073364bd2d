// serve: the web server, the worker, or both in one process (the default on one machine).
import { loadConfig } from '../config/index.ts';
import { openPaperboy, type Paperboy } from '../wiring.ts';
import { buildApp } from '../http/app.ts';
import { Worker } from '../jobs/worker.ts';
import { Scheduler } from '../jobs/scheduler.ts';
import { registerSchedules, registerTasks } from '../jobs/tasks/index.ts';
import type { Command } from './command.ts';
import { instrumentMail, startMetricsServer } from '../ops/collect.ts';
import { markServing } from '../ops/backup.ts';
import { sqlitePath } from '../storage/db.ts';

export type Role = 'web' | 'worker' | 'all';

export interface Running {
  pb: Paperboy;
  url?: string;
  worker?: Worker;
  /** Graceful: stops taking work, finishes in-flight requests and the job in hand, gives back leases. */
  stop(): Promise<void>;
}

/** Starts the roles on an open instance; used by the CLI and by tests that need a real server. */
async function startRoles(pb: Paperboy, role: Role): Promise<Running> {
  const stops: (() => Promise<void>)[] = [];
  let url: string | undefined;
  let worker: Worker | undefined;
  instrumentMail(pb);
  if (role === 'worker' || role === 'all') {
    worker = new Worker(pb.jobs, pb.log.child({ role: 'worker' }), { leaseMs: pb.config.jobLeaseSeconds * 1000 });
    registerTasks(worker, pb);
    const scheduler = new Scheduler(pb.jobs, pb.log.child({ role: 'scheduler' }));
    registerSchedules(scheduler, pb);
    worker.start();
    scheduler.start(pb.config.schedulerTickSeconds * 1000);
    pb.log.info({ worker: worker.id }, 'worker started');
    const w = worker;
    stops.push(async () => {
      scheduler.stop();
      await w.stop();
    });
    if (role === 'worker' && pb.config.metricsPort !== undefined) {
      const server = await startMetricsServer(pb, pb.config.metricsPort);
      stops.push(() => new Promise<void>((r) => server.close(() => r())));
    }
  }
  if (role === 'web' || role === 'all') {
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
    const running = await startRoles(pb, role);
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
          running.worker?.abortNow();
          void pb.jobs
            .release(running.worker?.id ?? '')
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
