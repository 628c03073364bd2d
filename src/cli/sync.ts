// `sync`: pulls from the network sources now (the worker does the same on its schedules).
//   sync arxiv --categories cs.CL,cs.LG            today's RSS listing of those categories
//   sync arxiv --categories cs.CL --from DATE      OAI-PMH harvest (resumable) of changes since DATE
//   sync arxiv --ids 2410.17243,2410.18889         Atom API lookups
//   sync arxiv --query 'cat:cs.CL AND all:rag'     Atom API search
//   sync hf-daily --date D | --week W | --month M  Hugging Face daily papers
import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { createLogger } from '../logger.ts';
import { parseDay, toDay, weekRange, monthRange } from '../domain/dates.ts';
import { ingestSources, oaiSetFor } from '../ingest/sources.ts';
import type { HfPeriod } from '../ingest/hf-client.ts';
import type { MetadataPrefix } from '../ingest/oai.ts';
import type { Command } from './command.ts';

const USAGE =
  'sync arxiv --categories cs.CL,cs.LG [--from DATE [--until DATE] [--prefix arXivRaw|arXiv] [--restart] [--daily]] | ' +
  'sync arxiv --ids ID,… | sync arxiv --query Q [--max N] | sync hf-daily [--date D|--week YYYY-Www|--month YYYY-MM]  [--json]';

interface Line {
  what: string;
  [k: string]: unknown;
}

function counts(s: { read: number; inserted: number; updated: number; skipped: number; errors: number }): string {
  return `read ${s.read}, inserted ${s.inserted}, updated ${s.updated}, skipped ${s.skipped}, errors ${s.errors}`;
}

export const syncCommand: Command = {
  name: 'sync',
  summary: 'Pull papers from arXiv (RSS, OAI-PMH, API) or Hugging Face daily papers now',
  usage: USAGE,
  options: {
    categories: { type: 'string', arg: 'CAT,…', help: 'arxiv: categories (RSS listing, or OAI-PMH with --from)' },
    from: { type: 'string', arg: 'DATE', help: 'arxiv: harvest changes since DATE through OAI-PMH (resumable)' },
    until: { type: 'string', arg: 'DATE', help: 'arxiv: harvest up to DATE' },
    prefix: { type: 'string', default: 'arXivRaw', arg: 'arXivRaw|arXiv', help: 'arxiv: OAI-PMH metadata format' },
    restart: { type: 'boolean', help: 'arxiv: forget the saved resumption point' },
    daily: { type: 'boolean', help: 'arxiv: also list the harvested papers on their announcement day' },
    ids: { type: 'string', arg: 'ID,…', help: 'arxiv: look these papers up through the Atom API' },
    query: { type: 'string', arg: 'Q', help: "arxiv: an Atom API search (e.g. 'cat:cs.CL AND all:rag')" },
    max: { type: 'string', default: '100', arg: 'N', help: 'arxiv --query: at most N results' },
    date: { type: 'string', arg: 'YYYY-MM-DD', help: 'hf-daily: one day' },
    week: { type: 'string', arg: 'YYYY-Www', help: 'hf-daily: one ISO week' },
    month: { type: 'string', arg: 'YYYY-MM', help: 'hf-daily: one month' },
    json: { type: 'boolean', help: 'Print the result as JSON' },
  },
  async run({ values, positionals }) {
    const source = positionals[0];
    const bad = (msg: string) => {
      console.error(`${msg}\nusage: ${USAGE}`);
      return 2;
    };
    if (source !== 'arxiv' && source !== 'hf-daily') return bad('sync what? arxiv or hf-daily');
    for (const k of ['from', 'until', 'date'] as const) if (values[k] && !parseDay(String(values[k]))) return bad(`--${k} must be a date YYYY-MM-DD`);
    if (values.week && !weekRange(String(values.week))) return bad('--week must be YYYY-Www');
    if (values.month && !monthRange(String(values.month))) return bad('--month must be YYYY-MM');
    const prefix = String(values.prefix);
    if (prefix !== 'arXiv' && prefix !== 'arXivRaw') return bad('--prefix must be arXiv or arXivRaw');

    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { migrate: true, log: createLogger(values.json ? 'warn' : cfg.logLevel === 'info' ? 'warn' : cfg.logLevel) });
    const src = ingestSources(pb);
    const out: Line[] = [];
    const say = (l: Line, text: string) => {
      out.push(l);
      if (!values.json) console.log(text);
    };
    try {
      if (source === 'hf-daily') {
        const period: HfPeriod = values.week
          ? { week: String(values.week) }
          : values.month
            ? { month: String(values.month) }
            : { date: String(values.date ?? toDay(new Date())) };
        const r = await src.syncHfDaily(period);
        say(
          { what: 'hf-daily', ...r },
          `hf-daily ${Object.values(period)[0]}: ${r.pages} page(s), ${r.items} items; ${counts(r.summary)}; daily entries: ${r.summary.entries.inserted} new, ${r.summary.entries.updated} updated`,
        );
      } else if (values.ids) {
        const ids = String(values.ids).split(',').map((s) => s.trim()).filter(Boolean);
        const s = await src.importIds(ids);
        say({ what: 'arxiv-atom', ...s }, `arXiv API id_list (${ids.length} ids): ${counts(s)}`);
      } else if (values.query) {
        const s = await src.importSearch(String(values.query), Number(values.max) || 100);
        say({ what: 'arxiv-atom', ...s }, `arXiv API search ${JSON.stringify(values.query)}: ${counts(s)}`);
      } else {
        const cats = String(values.categories ?? cfg.syncCategories.join(','))
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        if (!cats.length) return bad('--categories is empty');
        if (values.from) {
          for (const set of [...new Set(cats.map(oaiSetFor))]) {
            const r = await src.harvestOai(
              { metadataPrefix: prefix as MetadataPrefix, set, from: String(values.from), until: values.until ? String(values.until) : undefined },
              {
                restart: !!values.restart,
                daily: !!values.daily,
                onPage: (p) => {
                  if (!values.json && process.stderr.isTTY) process.stderr.write(`\r${set}: page ${p.pages}, ${p.position} records   `);
                },
              },
            );
            if (!values.json && process.stderr.isTTY) process.stderr.write('\n');
            say({ what: 'arxiv-oai', set, ...r }, `OAI-PMH ${set} from ${values.from}${r.resumed ? ' (resumed)' : ''}: ${r.pages} page(s), ${counts(r)}`);
          }
        } else {
          const r = await src.syncRss(cats);
          say(
            { what: 'arxiv-rss', ...r },
            r.notModified
              ? `RSS ${cats.join('+')}: not modified since the last sync`
              : `RSS ${cats.join('+')} (${r.day}): ${Object.entries(r.types)
                  .map(([k, v]) => `${v} ${k}`)
                  .join(', ')}; ${counts(r.summary!)}; daily entries: ${r.summary!.entries.inserted} new, ${r.summary!.entries.updated} updated`,
          );
        }
      }
      if (values.json) console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
      return 0;
    } catch (err) {
      console.error(`sync ${source} failed: ${(err as Error).message}`);
      if (values.json) console.log(JSON.stringify({ error: (err as Error).message, done: out }, null, 2));
      return 1;
    } finally {
      await pb.close();
    }
  },
};
