// The papers' text as search reads it outside the lexical index: pages of the whole corpus by id
// (training the embedder) and the text of a few papers (fusion's word-share estimate).
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';

export interface PaperText {
  id: number;
  title: string;
  abstract: string;
}

export class SearchCorpusStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Up to `limit` papers after id `afterId`, by id. */
  async page(afterId: number, limit: number): Promise<PaperText[]> {
    return this.db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', '>', afterId).orderBy('id').limit(limit).execute();
  }

  /** The title and abstract of these papers (in no order). */
  async texts(ids: number[]): Promise<PaperText[]> {
    if (!ids.length) return [];
    return this.db.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', 'in', ids).execute();
  }
}
