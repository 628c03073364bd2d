// What every source parser yields: papers, daily placements, or a skipped malformed record.
import type { DailyEntryInput, PaperInput } from '../domain/paper.ts';
import type { IngestCounts } from '../storage/ingest-log.ts';

export type IngestItem = { kind: 'paper'; paper: PaperInput; entry?: DailyEntryInput } | { kind: 'error'; message: string; position?: string };

export interface ImportOptions {
  /** Place papers with an announcement date on that day's arXiv listing. */
  daily?: boolean;
}

/** Progress of the underlying input, for progress bars. */
export interface ByteProgress {
  bytesRead: number;
  bytesTotal?: number;
}

/** What one import run did (the importer's answer to a source). */
export interface ImportSummary extends IngestCounts {
  source: string;
  target: string;
  /** Daily entries placed by this run. */
  entries: { inserted: number; updated: number; unchanged: number };
  /** The first few error messages. */
  errorSamples: string[];
  seconds: number;
}

export interface ImportRunOptions {
  /**
   * Papers per transaction. Unset: 500 at first, doubling up to 5,000 while the input lasts, so a small
   * import commits quickly and a big one in few, large transactions.
   */
  batchSize?: number;
  onProgress?: (counts: IngestCounts) => void;
  /** Called after each batch is committed (harvesters save their cursor here). */
  afterBatch?: () => Promise<void>;
}

/** Where a source's items go: the importer (src/services/importer.ts) in every process. */
export interface PaperSink {
  run(source: string, target: string, items: AsyncIterable<IngestItem> | Iterable<IngestItem>, opts?: ImportRunOptions): Promise<ImportSummary>;
}
