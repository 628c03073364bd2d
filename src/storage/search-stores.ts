// The search engine's stores over one database: trained models, stored vectors, and the corpus read
// for training and indexing. Built here so that the search service and the web process's vector
// thread (which opens its own connection) take stores, not the query builder.
import type { Db } from './db.ts';
import { EmbedderModelStore } from './search-models.ts';
import { VectorStore } from './vectors.ts';
import { SearchCorpusStore } from './search-corpus.ts';

export function createSearchStores(db: Db) {
  return { models: new EmbedderModelStore(db.kysely), vectors: new VectorStore(db), corpus: new SearchCorpusStore(db.kysely) };
}

export type SearchStores = ReturnType<typeof createSearchStores>;
