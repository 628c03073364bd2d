// Reads the public API and the feeds need beyond the pages': every paper by publication date
// with keyset paging.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';

/** Position after which a page of papers starts: the last row of the previous page. */
export interface PublishedCursor {
  /** published_at of the last row ('' for papers without a date, which come last). */
  publishedAt: string;
  id: number;
}

/** The daily lists themselves are DailyStore.list's (same order for the pages, the API and the feeds). */
export type { ListSort as CatalogSort, TrendWindow } from './daily.ts';

export class CatalogStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Papers newest first by publication time, then by id; papers without a date last.
   * Keyset paging: stable while new papers arrive, and cheap at any depth.
   */
  async byPublished(after: PublishedCursor | null, limit: number): Promise<Paper[]> {
    // Two ranges of the index on (published_at, id), each read in order from the cursor: the dated
    // papers, then those without a date. Ordering by coalesce(published_at, '') instead sorted the
    // whole table for every page (14.9 s a page at 2.7M papers on SQLite).
    const rows: Selectable<Database['papers']>[] = [];
    if (!after || after.publishedAt !== '') {
      let q = this.db.selectFrom('papers').selectAll().where('published_at', '>', '');
      if (after) q = q.where((eb) => eb(eb.refTuple('published_at', 'id'), '<', eb.tuple(after.publishedAt, after.id)));
      rows.push(...(await q.orderBy('published_at', 'desc').orderBy('id', 'desc').limit(limit).execute()));
    }
    if (rows.length < limit) {
      let q = this.db
        .selectFrom('papers')
        .selectAll()
        .where((eb) => eb.or([eb('published_at', 'is', null), eb('published_at', '=', '')]));
      if (after?.publishedAt === '') q = q.where('id', '<', after.id);
      rows.push(...(await q.orderBy('id', 'desc').limit(limit - rows.length).execute()));
    }
    return rows.map(rowToPaper);
  }
}
