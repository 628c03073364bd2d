// Row types of the ingest area's tables. src/storage/schema.ts merges them into Database.

/** One resumable harvest (OAI-PMH ListRecords): where it stands, so a killed run resumes. */
export interface HarvestStateTable {
  /** Identifies the harvest: source and parameters, e.g. "oai:arXivRaw:cs:2024-01-01:". */
  key: string;
  source: string;
  /** JSON of the request parameters (metadataPrefix, set, from, until). */
  params_json: string;
  /** The resumption token of the next page; null before the first page and when done. */
  token: string | null;
  /** Records received so far. */
  position: number;
  /** Pages committed so far. */
  pages: number;
  /** JSON IngestCounts summed over the committed pages. */
  counts_json: string;
  /** running | done | failed */
  status: string;
  error: string | null;
  started_at: string;
  updated_at: string;
}

/** Validators of the last response per URL, for conditional requests (ETag / Last-Modified). */
export interface HttpCacheTable {
  url: string;
  etag: string | null;
  last_modified: string | null;
  updated_at: string;
}

export interface IngestTables {
  harvest_state: HarvestStateTable;
  http_cache: HttpCacheTable;
}
