// Row types of the recommendation ("For you") tables. src/storage/schema.ts merges them into Database.
import type { Generated } from 'kysely';

export interface RecModelsTable {
  user_id: number;
  /** The encoded ReaderModel (src/recs/model.ts): dense embedding weights + the largest lexical weights. */
  model: Buffer | Uint8Array;
  embedder: string;
  positives: number;
  negatives: number;
  /** JSON [{id, kind}] of the positives (upvote | saved | author | seed | category). */
  sources_json: string;
  /** The newest signal the model was trained with. */
  signals_at: string;
  trained_at: string;
}

export interface RecDismissalsTable {
  user_id: number;
  paper_id: number;
  created_at: string;
}

export interface RecProfilesTable {
  user_id: number;
  categories_json: string;
  authors_json: string;
  /** JSON array of paper ids picked on the first-visit screen. */
  seeds_json: string;
  updated_at: string;
}

export interface RecFeedTokensTable {
  id: Generated<number>;
  user_id: number;
  /** sha256 hex of the token; the token itself is shown once. */
  token_hash: string;
  created_at: string;
  revoked_at: string | null;
}

/** One part (≤ 1 MB) of an encoded candidate pool (src/recs/pool.ts); `pool` is "<window>:<version>". */
export interface RecPoolPartsTable {
  pool: string;
  part: number;
  data: Buffer | Uint8Array;
}

export interface RecsTables {
  rec_pool_parts: RecPoolPartsTable;
  rec_models: RecModelsTable;
  rec_dismissals: RecDismissalsTable;
  rec_profiles: RecProfilesTable;
  rec_feed_tokens: RecFeedTokensTable;
}
