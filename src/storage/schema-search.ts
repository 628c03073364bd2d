// Row types of the search area's tables. src/storage/schema.ts merges them into Database.

/** One stored embedding per paper, tagged with the embedder that made it. */
export interface PaperVectorsTable {
  paper_id: number;
  /** Embedder id and version, e.g. "static:paperboy-3f2a…" — a change re-embeds. */
  embedder: string;
  dims: number;
  /** Little-endian float32 values. */
  vector: Buffer | Uint8Array;
  /** papers.modified_at when the vector was made, to spot stale vectors. */
  source_modified_at: string;
  updated_at: string;
}

/** Deleted papers, so every vector index replica can drop them (filled by a trigger). */
export interface SearchDeletionsTable {
  paper_id: number;
  deleted_at: string;
}

export interface SearchTables {
  paper_vectors: PaperVectorsTable;
  search_deletions: SearchDeletionsTable;
}
