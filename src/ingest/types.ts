// What every source parser yields: papers, daily placements, or a skipped malformed record.
import type { DailyEntryInput, PaperInput } from '../domain/paper.ts';

export type IngestItem =
  | { kind: 'paper'; paper: PaperInput; entry?: DailyEntryInput }
  | { kind: 'error'; message: string; position?: string };

export interface ImportOptions {
  /** Place papers with an announcement date on that day's arXiv listing. */
  daily?: boolean;
}

/** Progress of the underlying input, for progress bars. */
export interface ByteProgress {
  bytesRead: number;
  bytesTotal?: number;
}
