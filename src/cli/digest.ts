// `digest build|send|preview`: the e-mail digest by hand (the worker runs the same on its schedule).
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import { toDay } from '../domain/dates.ts';
import type { Command } from './command.ts';

const USAGE = `digest build --edition daily|weekly [--date YYYY-MM-DD] [--dry-run]
       digest send [--limit N]
       digest preview <email> [--html FILE]`;

export const digestCommand: Command = {
  name: 'digest',
  summary: 'Build, send or preview the e-mail digests',
  usage: USAGE,
  options: {
    edition: { type: 'string', arg: 'daily|weekly', help: 'build: which edition' },
    date: { type: 'string', arg: 'YYYY-MM-DD', help: 'build: the day (daily) or a day of the week (weekly); default today' },
    'dry-run': { type: 'boolean', help: 'build: count the deliveries without storing them' },
    limit: { type: 'string', arg: 'N', help: 'send: at most N messages' },
    html: { type: 'string', arg: 'FILE', help: 'preview: also write the HTML part to FILE' },
  },
  async run({ values, positionals }) {
    const [sub, ...rest] = positionals;
    if (!['build', 'send', 'preview'].includes(sub ?? '')) {
      console.error(`usage: ${USAGE}`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { migrate: true, log: createLogger(cfg.logLevel === 'info' ? 'warn' : cfg.logLevel) });
    try {
      if (sub === 'build') {
        const edition = String(values.edition ?? '');
        if (edition !== 'daily' && edition !== 'weekly') {
          console.error('--edition must be daily or weekly');
          return 2;
        }
        const date = values.date ? String(values.date) : toDay(new Date());
        const r = await pb.digest.build(edition, date, { dryRun: !!values['dry-run'] });
        if (r.skipped) console.log(`No ${edition} edition for ${date}: ${r.skipped}.`);
        else
          console.log(
            `${r.dryRun ? 'Dry run: would build' : 'Built'} ${edition} edition ${r.edition}: ${r.subscribers} subscribers, ${r.candidates} candidate papers ` +
              `(top ${r.top}, trending ${r.trending}); ${r.deliveries} ${r.dryRun ? 'deliveries' : 'new deliveries'}, ${r.empty} with nothing new, ` +
              `${r.existing} already built, ${r.papersAssigned} papers assigned, in ${r.seconds}s.`,
          );
        console.log(JSON.stringify(r));
        return 0;
      }
      if (sub === 'send') {
        const limit = values.limit === undefined ? undefined : Number(values.limit);
        if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
          console.error('--limit must be a positive whole number');
          return 2;
        }
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
        const r = await pb.digest.send({ limit, signal: ac.signal });
        console.log(
          `Sent ${r.sent}, recovered ${r.recovered} (already sent before a crash), retrying ${r.retried}, failed ${r.failed}, skipped ${r.skipped} in ${r.seconds}s.`,
        );
        console.log(JSON.stringify(r));
        return r.failed > 0 ? 1 : 0;
      }
      const email = rest[0];
      if (!email) {
        console.error('usage: digest preview <email> [--html FILE]');
        return 2;
      }
      const m = await pb.digest.preview(email);
      if (values.html) {
        writeFileSync(String(values.html), m.html);
        console.error(`HTML part written to ${String(values.html)}`);
      }
      console.log(`Subject: ${m.subject}`);
      for (const [k, v] of Object.entries(m.headers)) console.log(`${k}: ${v}`);
      console.log(`\n${m.text}`);
      return 0;
    } finally {
      await pb.close();
    }
  },
};
