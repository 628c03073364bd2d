// Row types of the ops area's tables. src/storage/schema.ts merges them into Database.
export interface OpsTables {
  source_health: SourceHealthTable;
}

/** One row per paper source the worker syncs (arxiv-rss, hf, arxiv-oai): its last outcomes. */
export interface SourceHealthTable {
  source: string;
  last_success_at: string | null;
  last_error_at: string | null;
  last_error: string | null;
  /** When the failures since the last success began (null while healthy). */
  failing_since: string | null;
  /** Failed attempts since the last success. */
  failures: number;
  updated_at: string;
}
