import { loadConfig } from '../config/index.ts';
import { openPaperboy } from '../wiring.ts';
import { detectFormat, formatByName, formats } from '../ingest/formats.ts';
import type { ByteProgress } from '../ingest/types.ts';
import { ProgressBar } from './progress.ts';
import type { Command } from './command.ts';
import { createLogger } from '../logger.ts';
import type { ImportSummary } from '../services/importer.ts';

export const importCommand: Command = {
  name: 'import',
  summary: 'Import papers from files (format detected, or --format)',
  usage: `import <file…> [--format auto|${formats.map((f) => f.name).join('|')}] [--daily] [--json]`,
  options: {
    format: { type: 'string', default: 'auto', arg: 'NAME', help: 'Input format; auto detects it from the file' },
    json: { type: 'boolean', help: 'One JSON summary per file' },
    daily: { type: 'boolean', help: 'Also list the papers on their daily page (HF daily dumps)' },
  },
  async run({ values, positionals }) {
    if (!positionals.length) {
      console.error(`usage: ${this.usage}`);
      return 2;
    }
    const cfg = loadConfig();
    const pb = await openPaperboy(cfg, { migrate: true, log: createLogger(values.json ? 'warn' : cfg.logLevel === 'info' ? 'warn' : cfg.logLevel) });
    const summaries: (ImportSummary & { format: string })[] = [];
    let failed = false;
    try {
      for (const file of positionals) {
        const fmt = values.format === 'auto' ? await detectFormat(file) : formatByName(String(values.format));
        if (!fmt) {
          console.error(`${file}: ${values.format === 'auto' ? 'format not recognised; pass --format' : `unknown format ${values.format}`} (known: ${formats.map((f) => f.name).join(', ')})`);
          failed = true;
          continue;
        }
        const bytes: ByteProgress = { bytesRead: 0 };
        const bar = new ProgressBar(`${file} (${fmt.name})`, bytes);
        const summary = await pb.importer.run(fmt.name, file, fmt.parse(file, { daily: !!values.daily }, bytes), { onProgress: (c) => bar.update(c) });
        bar.done();
        summaries.push({ ...summary, format: fmt.name });
        if (!values.json) {
          console.log(
            `${file} [${fmt.name}]: read ${summary.read}, inserted ${summary.inserted}, updated ${summary.updated}, skipped ${summary.skipped}, errors ${summary.errors}` +
              (summary.entries.inserted + summary.entries.updated ? `; daily entries: ${summary.entries.inserted} new, ${summary.entries.updated} updated` : '') +
              ` (${summary.seconds.toFixed(1)} s)`,
          );
          for (const e of summary.errorSamples.slice(0, 5)) console.log(`  error: ${e}`);
        }
      }
      if (values.json) console.log(JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2));
    } finally {
      await pb.close();
    }
    return failed ? 1 : 0;
  },
};
