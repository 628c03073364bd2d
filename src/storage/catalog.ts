// Reads the public API and the feeds need beyond the pages': every paper by publication date
// with keyset paging.
import { sql, type Kysely } from 'kysely';
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
    const pub = sql<string>`coalesce(published_at, '')`;
    let q = this.db.selectFrom('papers').selectAll();
    if (after) q = q.where((eb) => eb.or([eb(pub, '<', after.publishedAt), eb.and([eb(pub, '=', after.publishedAt), eb('id', '<', after.id)])]));
    const rows = await q.orderBy(pub, 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(rowToPaper);
  }
}
