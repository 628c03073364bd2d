// Runs any source's items into the database in batches, counting what happened.
import { InvalidRecord, normalisePaper, type DailyEntryInput, type PaperInput } from '../domain/paper.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import { emptyCounts, type IngestLogStore } from '../storage/ingest-log.ts';
import type { ImportRunOptions, ImportSummary, IngestItem, PaperSink } from '../ingest/types.ts';

export type { ImportSummary, ImportRunOptions } from '../ingest/types.ts';

const FIRST_BATCH = 500;
const MAX_BATCH = 5000;

export class Importer implements PaperSink {
  constructor(
    private readonly papers: PaperStore,
    private readonly daily: DailyStore,
    private readonly log: IngestLogStore,
  ) {}

  async run(source: string, target: string, items: AsyncIterable<IngestItem> | Iterable<IngestItem>, opts: ImportRunOptions = {}): Promise<ImportSummary> {
    const started = Date.now();
    const logId = await this.log.start(source, target);
    const counts = emptyCounts();
    const entriesCount = { inserted: 0, updated: 0, unchanged: 0 };
    const errorSamples: string[] = [];
    let batchSize = opts.batchSize ?? FIRST_BATCH;
    let batch: { paper: PaperInput; entry?: DailyEntryInput }[] = [];

    const noteError = (msg: string) => {
      counts.errors++;
      if (errorSamples.length < 20) errorSamples.push(msg);
    };

    const flush = async () => {
      if (!batch.length) return;
      const outcomes = await this.papers.upsertMany(batch.map((b) => b.paper));
      const entries = batch.map((b) => b.entry).filter((e): e is DailyEntryInput => !!e);
      const entryOutcomes = await this.daily.upsertMany(entries);
      const entryByPaper = new Map(entries.map((e, i) => [e.arxivId, entryOutcomes[i]]));
      batch.forEach((b, i) => {
        const p = outcomes[i];
        const e = entryByPaper.get(b.paper.arxivId);
        if (e === 'inserted' || e === 'updated' || e === 'unchanged') entriesCount[e]++;
        if (p === 'inserted') counts.inserted++;
        else if (p === 'updated' || e === 'inserted' || e === 'updated') counts.updated++;
        else counts.skipped++;
      });
      batch = [];
      if (!opts.batchSize) batchSize = Math.min(batchSize * 2, MAX_BATCH);
      await opts.afterBatch?.();
      opts.onProgress?.(counts);
    };

    try {
      for await (const item of items) {
        counts.read++;
        if (item.kind === 'error') {
          noteError(item.message);
          continue;
        }
        try {
          batch.push({ paper: normalisePaper(item.paper), entry: item.entry });
        } catch (err) {
          if (err instanceof InvalidRecord) noteError(err.message);
          else throw err;
          continue;
        }
        if (batch.length >= batchSize) await flush();
      }
      await flush();
    } catch (err) {
      await this.papers.importDone();
      await this.log.finish(logId, 'failed', counts, { error: (err as Error).message, errorSamples });
      throw err;
    }
    await this.papers.importDone();
    const summary: ImportSummary = { source, target, ...counts, entries: entriesCount, errorSamples, seconds: (Date.now() - started) / 1000 };
    await this.log.finish(logId, 'done', counts, { entries: entriesCount, errorSamples });
    return summary;
  }
}
