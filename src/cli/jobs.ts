// jobs list|retry|cancel: look at and steer the job queue of the configured database.
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import type { Command } from './command.ts';
import { PROBE_JOB } from '../jobs/tasks/ops.ts';
import { syncHealth } from '../jobs/sync-health.ts';
import { LANES, laneOf } from '../jobs/lanes.ts';

const STATUSES = ['queued', 'running', 'done', 'dead', 'cancelled'];

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List the job queue, show sync health per source, retry a dead job, cancel a queued one, probe the workers',
  usage:
    'jobs list [--status queued|running|done|dead|cancelled] [--limit N] [--json] | jobs status [--json] | jobs retry <id> | jobs cancel <id> | jobs probe [--wait seconds]',
  options: {
    status: { type: 'string', arg: 'STATUS', help: 'list: only jobs in this status' },
    limit: { type: 'string', default: '50', arg: 'N', help: 'list: at most N jobs' },
    json: { type: 'boolean', help: 'list: the counts and jobs as JSON' },
    wait: { type: 'string', default: '30', arg: 'SECONDS', help: 'probe: how long to wait for a worker to run the probe job' },
  },
  async run({ values, positionals }) {
    const [action = 'list', idText] = positionals;
    if (!['list', 'status', 'retry', 'cancel', 'probe'].includes(action)) {
      console.error(`Unknown action "${action}". usage: ${jobsCommand.usage}`);
      return 2;
    }
    const status = values.status as string | undefined;
    if (status && !STATUSES.includes(status)) {
      console.error(`--status must be one of ${STATUSES.join(', ')}, got "${status}"`);
      return 2;
    }
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1) {
      console.error(`--limit must be a positive whole number, got "${String(values.limit)}"`);
      return 2;
    }
    const id = Number(idText);
    if ((action === 'retry' || action === 'cancel') && (!idText || !Number.isInteger(id) || id < 1)) {
      console.error(`jobs ${action} needs a job id, e.g. "jobs ${action} 42"`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { log: createLogger('warn') });
    const stats = pb.stores.instanceStats;
    try {
      if (action === 'probe') {
        // Proves end to end that some worker process takes jobs from this database and finishes them.
        const waitMs = Math.max(1, Number(values.wait) || 30) * 1000;
        const t0 = Date.now();
        const probeId = (await pb.jobs.enqueue(PROBE_JOB, { ms: 0 }, { priority: 100, maxAttempts: 1 }))!;
        for (;;) {
          const r = (await stats.job(probeId))!;
          if (r.status === 'done') {
            console.log(JSON.stringify({ probe: probeId, status: 'done', worker: r.lockedBy, seconds: (Date.now() - t0) / 1000 }));
            return 0;
          }
          if (Date.now() - t0 > waitMs) {
            await pb.jobs.cancel(probeId);
            console.error(`No worker finished probe job ${probeId} within ${waitMs / 1000} s (status ${r.status}). Is a worker running on this database?`);
            return 1;
          }
          await new Promise((res) => setTimeout(res, 200));
        }
      }
      if (action === 'status') {
        // Per paper source: last success, last error, next attempt; then the queue per lane.
        const [sources, byName] = await Promise.all([syncHealth(pb), pb.jobs.countsByName()]);
        const lanes = Object.fromEntries(LANES.map((l) => [l, {} as Record<string, number>]));
        for (const [name, counts] of Object.entries(byName))
          for (const [st, n] of Object.entries(counts))
            if (st === 'queued' || st === 'running' || st === 'dead') lanes[laneOf(name)][st] = (lanes[laneOf(name)][st] ?? 0) + n;
        if (values.json) {
          console.log(JSON.stringify({ syncs: cfg.syncEnabled, sources, lanes }, null, 2));
          return 0;
        }
        console.log(`Syncs are ${cfg.syncEnabled ? 'on' : 'off (PAPERBOY_SYNC=false)'}.`);
        const w = Math.max(...sources.map((x) => x.source.length));
        console.log(`${'source'.padEnd(w)}  ${'last success'.padEnd(20)}  ${'next attempt'.padEnd(20)}  last error`);
        const t = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : 'never').padEnd(20);
        for (const x of sources) {
          const err = x.lastError
            ? `${t(x.lastErrorAt).trim()}: ${x.lastError.slice(0, 100)}${x.failures ? ` (${x.failures} failure${x.failures === 1 ? '' : 's'} since ${t(x.failingSince).trim()})` : ''}`
            : '-';
          console.log(`${x.source.padEnd(w)}  ${t(x.lastSuccessAt)}  ${t(x.nextAttemptAt)}  ${err}${x.down ? '  DOWN for a day or more' : ''}`);
        }
        console.log(
          `lanes: ${LANES.map(
            (l) =>
              `${l} ${
                Object.entries(lanes[l])
                  .map(([k, n]) => `${k} ${n}`)
                  .join(', ') || 'idle'
              }`,
          ).join(' · ')}`,
        );
        return 0;
      }
      if (action === 'list') {
        const rows = await pb.jobs.list({ status, limit });
        if (values.json) {
          const out = rows.map((r) => ({ ...r, payload: JSON.parse(r.payload_json) as unknown, payload_json: undefined }));
          console.log(JSON.stringify({ counts: await pb.jobs.counts(), jobs: out }, null, 2));
          return 0;
        }
        const counts = await pb.jobs.counts();
        console.log(STATUSES.map((s) => `${s}: ${counts[s] ?? 0}`).join('  '));
        if (!rows.length) {
          console.log(status ? `No ${status} jobs.` : 'No jobs.');
          return 0;
        }
        const w = Math.max(4, ...rows.map((r) => r.name.length));
        console.log(`${'id'.padStart(6)}  ${'name'.padEnd(w)}  ${'status'.padEnd(9)}  tries  run at / finished           error`);
        for (const r of rows) {
          const when = r.finished_at ?? r.run_at;
          const err = r.last_error ? r.last_error.split('\n')[0].slice(0, 60) : '';
          console.log(
            `${String(r.id).padStart(6)}  ${r.name.padEnd(w)}  ${r.status.padEnd(9)}  ${`${r.attempts}/${r.max_attempts}`.padEnd(5)}  ${when.padEnd(26)}  ${err}`,
          );
        }
        return 0;
      }
      const row = await stats.job(id);
      if (!row) {
        console.error(`There is no job ${id}.`);
        return 1;
      }
      if (action === 'retry') {
        if (!(await pb.jobs.retry(id))) {
          console.error(`Job ${id} is ${row.status}; only dead, cancelled or done jobs can be retried.`);
          return 1;
        }
        console.log(`Job ${id} is queued again.`);
        return 0;
      }
      if (!(await pb.jobs.cancel(id))) {
        console.error(`Job ${id} is ${row.status}; only queued jobs can be cancelled (a running job finishes or fails on its own).`);
        return 1;
      }
      console.log(`Job ${id} is cancelled.`);
      return 0;
    } finally {
      await pb.close();
    }
  },
};
