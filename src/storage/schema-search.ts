// Row types of the search area's tables. src/storage/schema.ts merges them into Database.
import type { Generated } from 'kysely';

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

/** A trained default static embedder (Model2Vec layout), shared by every process through the database. */
export interface EmbedderModelsTable {
  id: Generated<number>;
  name: string;
  /** sha256 of the weights file, first 12 hex digits: the version in the embedder id. */
  version: string;
  /** The embedder id its vectors carry, e.g. "static:paperboy@1a2b3c4d5e6f". */
  embedder: string;
  dims: number;
  /** Papers in the corpus when it was trained (the worker retrains when the corpus has grown). */
  docs: number;
  tokenizer_json: string;
  config_json: string;
  weights_bytes: number;
  weights_sha256: string;
  chunks: number;
  created_at: string;
}

/** The weights file (model.safetensors) of a model, in pieces. */
export interface EmbedderModelChunksTable {
  model_id: number;
  seq: number;
  data: Buffer | Uint8Array;
}

export interface SearchTables {
  paper_vectors: PaperVectorsTable;
  search_deletions: SearchDeletionsTable;
  embedder_models: EmbedderModelsTable;
  embedder_model_chunks: EmbedderModelChunksTable;
}
