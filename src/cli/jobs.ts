// jobs list|retry|cancel: look at and steer the job queue of the configured database.
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import type { Command } from './commands.ts';

const STATUSES = ['queued', 'running', 'done', 'dead', 'cancelled'];

export const jobsCommand: Command = {
  name: 'jobs',
  summary: 'List the job queue, retry a dead job, cancel a queued one',
  usage: 'jobs list [--status queued|running|done|dead|cancelled] [--limit N] [--json] | jobs retry <id> | jobs cancel <id>',
  options: { status: { type: 'string' }, limit: { type: 'string', default: '50' }, json: { type: 'boolean' } },
  async run({ values, positionals }) {
    const [action = 'list', idText] = positionals;
    if (!['list', 'retry', 'cancel'].includes(action)) {
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
    if (action !== 'list' && (!idText || !Number.isInteger(id) || id < 1)) {
      console.error(`jobs ${action} needs a job id, e.g. "jobs ${action} 42"`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { log: createLogger('warn') });
    try {
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
          console.log(`${String(r.id).padStart(6)}  ${r.name.padEnd(w)}  ${r.status.padEnd(9)}  ${`${r.attempts}/${r.max_attempts}`.padEnd(5)}  ${when.padEnd(26)}  ${err}`);
        }
        return 0;
      }
      const row = (await pb.db.kysely.selectFrom('jobs').select(['id', 'status']).where('id', '=', id).executeTakeFirst()) ?? undefined;
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
