// Reads the public API and the feeds need beyond the pages': every paper by publication date
// with keyset paging, and the daily lists in Hugging Face's order with exact counts.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';
import type { DayRange, ListedPaper } from './daily.ts';

/** Position after which a page of papers starts: the last row of the previous page. */
export interface PublishedCursor {
  /** published_at of the last row ('' for papers without a date, which come last). */
  publishedAt: string;
  id: number;
}

export type CatalogSort = 'upvotes' | 'publishedAt' | 'trending';

/** Which cached trending window ranks a list (the community's job fills trending_scores). */
export type TrendWindow = 'day' | 'week' | 'month';

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

  /**
   * A period's daily list. Hugging Face orders by upvotes, then by submission time, newest
   * first; 'publishedAt' orders by submission time only; 'trending' by the cached trending score
   * of `window` (papers without one follow, by upvotes). `submitter` filters by user name.
   */
  async dailyList(
    range: DayRange,
    opts: { limit: number; offset: number; sort: CatalogSort; submitter?: string; window?: TrendWindow },
  ): Promise<ListedPaper[]> {
    let q = this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .where('d.day', '>=', range.from)
      .where('d.day', '<=', range.to)
      .selectAll('p')
      .select([
        'd.id as d_id',
        'd.day as d_day',
        'd.source as d_source',
        'd.submitted_at as d_submitted_at',
        'd.submitter_json as d_submitter_json',
        'd.source_upvotes as d_source_upvotes',
        'd.source_comments as d_source_comments',
        'd.media_json as d_media_json',
        'd.thumbnail_url as d_thumbnail_url',
        'd.comment as d_comment',
      ]);
    if (opts.submitter) q = q.where('d.submitter_json', 'like', `%"name":${JSON.stringify(opts.submitter)}%`);
    if (opts.sort === 'trending')
      q = q
        .leftJoin('trending_scores as t', (j) => j.onRef('t.paper_id', '=', 'p.id').on('t.window', '=', opts.window ?? 'week'))
        .orderBy(sql`coalesce(t.score, -1)`, 'desc');
    if (opts.sort !== 'publishedAt') q = q.orderBy(sql`p.upvotes + d.source_upvotes`, 'desc');
    const rows = await q.orderBy('d.submitted_at', 'desc').orderBy('p.id', 'desc').limit(opts.limit).offset(opts.offset).execute();
    return rows.map((r) => {
      const paper = rowToPaper(r);
      const entry = {
        id: r.d_id,
        paperId: r.id,
        day: r.d_day,
        source: r.d_source,
        submittedAt: r.d_submitted_at,
        submitter: r.d_submitter_json ? JSON.parse(r.d_submitter_json) : null,
        sourceUpvotes: r.d_source_upvotes,
        sourceComments: r.d_source_comments,
        mediaUrls: r.d_media_json ? (JSON.parse(r.d_media_json) as string[]) : [],
        thumbnailUrl: r.d_thumbnail_url,
        comment: r.d_comment,
      };
      return { paper, entry, upvotes: paper.upvotes + entry.sourceUpvotes, numComments: paper.numComments + entry.sourceComments };
    });
  }
}
