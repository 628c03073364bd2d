// Daily entries: a paper placed on a day's list, by whom, when, from which source.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, DailyEntriesTable } from './schema.ts';
import { CURATED_SOURCES, type DailyEntry, type DailyEntryInput, type Paper } from '../domain/paper.ts';
import { rowToPaper } from './papers.ts';
import { nowIso } from './dialect.ts';
import { safeLink, safeLinks } from '../domain/links.ts';

/** Text for a LIKE pattern that matches itself only (used with ESCAPE '\\'). */
export const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export type EntryOutcome = 'inserted' | 'updated' | 'unchanged' | 'missing-paper';

export interface ListedPaper {
  paper: Paper;
  entry: DailyEntry;
  /** Upvotes shown: paper.upvotes (displayedUpvotes of src/domain/counts.ts). */
  upvotes: number;
  /** Comments readable here: paper.numComments (see commentCount of src/domain/counts.ts). */
  numComments: number;
}

export interface DayRange {
  from: string;
  to: string;
}

/**
 * upvotes: Hugging Face's order (upvotes, then submission time, newest first); publishedAt: submission time only;
 * trending: the cached trending score of a window (papers without one follow, by upvotes).
 */
export type ListSort = 'upvotes' | 'publishedAt' | 'trending';

/** Which cached trending window ranks a list (the community's job fills trending_scores). */
export type TrendWindow = 'day' | 'week' | 'month';

function rowToEntry(r: Selectable<DailyEntriesTable>): DailyEntry {
  return {
    id: r.id,
    paperId: r.paper_id,
    day: r.day,
    source: r.source,
    submittedAt: r.submitted_at,
    submitter: r.submitter_json ? JSON.parse(r.submitter_json) : null,
    sourceUpvotes: r.source_upvotes,
    sourceComments: r.source_comments,
    mediaUrls: r.media_json ? (JSON.parse(r.media_json) as string[]) : [],
    thumbnailUrl: r.thumbnail_url,
    comment: r.comment,
  };
}

/** The paper row carries its entry's source counts, so that every read of the paper shows them (0015). */
async function copyCounts(trx: Transaction<Database>, paperId: number, v: { source_upvotes: number; source_comments: number }): Promise<void> {
  await trx.updateTable('papers').set({ source_upvotes: v.source_upvotes, source_comments: v.source_comments }).where('id', '=', paperId).execute();
}

export class DailyStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Places papers on days. A curated placement (HF, submission, curator) replaces an automatic arXiv one. */
  async upsertMany(entries: DailyEntryInput[]): Promise<EntryOutcome[]> {
    if (!entries.length) return [];
    return this.db.transaction().execute(async (trx) => {
      const ids = [...new Set(entries.map((e) => e.arxivId))];
      const paperIds = new Map<string, number>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await trx.selectFrom('papers').select(['id', 'arxiv_id']).where('arxiv_id', 'in', ids.slice(i, i + 500)).execute();
        for (const r of rows) paperIds.set(r.arxiv_id, r.id);
      }
      const out: EntryOutcome[] = [];
      for (const e of entries) {
        const paperId = paperIds.get(e.arxivId);
        if (paperId === undefined) {
          out.push('missing-paper');
          continue;
        }
        const values = {
          paper_id: paperId,
          day: e.day,
          source: e.source,
          submitted_at: e.submittedAt,
          submitted_by_user_id: e.submitter?.userId ?? null,
          // Only http(s) links are stored (src/domain/links.ts).
          submitter_json: e.submitter ? JSON.stringify({ ...e.submitter, avatarUrl: safeLink(e.submitter.avatarUrl) }) : null,
          source_upvotes: e.sourceUpvotes ?? 0,
          source_comments: e.sourceComments ?? 0,
          media_json: safeLinks(e.mediaUrls).length ? JSON.stringify(safeLinks(e.mediaUrls)) : null,
          thumbnail_url: safeLink(e.thumbnailUrl),
          comment: e.comment ?? null,
        };
        const old = await trx.selectFrom('daily_entries').selectAll().where('paper_id', '=', paperId).executeTakeFirst();
        if (!old) {
          await trx
            .insertInto('daily_entries')
            .values({ ...values, created_at: nowIso() })
            .execute();
          await copyCounts(trx, paperId, values);
          out.push('inserted');
          continue;
        }
        const replaces = old.source === e.source || (old.source === 'arxiv' && CURATED_SOURCES.has(e.source));
        const same = (Object.keys(values) as (keyof typeof values)[]).every((k) => (old[k] ?? null) === (values[k] ?? null));
        if (!replaces || same) {
          out.push('unchanged');
          continue;
        }
        await trx.updateTable('daily_entries').set(values).where('id', '=', old.id).execute();
        await copyCounts(trx, paperId, values);
        out.push('updated');
      }
      return out;
    });
  }

  async forPaper(paperId: number): Promise<DailyEntry | undefined> {
    const r = await this.db.selectFrom('daily_entries').selectAll().where('paper_id', '=', paperId).executeTakeFirst();
    return r ? rowToEntry(r) : undefined;
  }

  /** The daily entries of several papers, by paper id. */
  async forPapers(paperIds: number[]): Promise<Map<number, DailyEntry>> {
    const out = new Map<number, DailyEntry>();
    if (!paperIds.length) return out;
    const rows = await this.db.selectFrom('daily_entries').selectAll().where('paper_id', 'in', [...new Set(paperIds)]).execute();
    for (const r of rows) out.set(r.paper_id, rowToEntry(r));
    return out;
  }

  /** Papers listed between two days (inclusive), most upvoted first (or newest first). */
  async list(
    range: DayRange,
    opts: { limit: number; offset: number; sort?: ListSort; submitter?: string; window?: TrendWindow; curated?: boolean; category?: string },
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
        'd.submitted_by_user_id as d_submitted_by_user_id',
        'd.submitter_json as d_submitter_json',
        'd.source_upvotes as d_source_upvotes',
        'd.source_comments as d_source_comments',
        'd.media_json as d_media_json',
        'd.thumbnail_url as d_thumbnail_url',
        'd.comment as d_comment',
        'd.created_at as d_created_at',
      ]);
    // The name is matched literally: %, _ and the escape character itself are escaped.
    if (opts.submitter) q = q.where(sql<boolean>`d.submitter_json like ${`%"name":${likeLiteral(JSON.stringify(opts.submitter))}%`} escape '\\'`);
    if (opts.curated !== undefined) q = q.where('d.source', opts.curated ? 'in' : 'not in', [...CURATED_SOURCES]);
    if (opts.category) {
      const cat = opts.category;
      q = q.where((eb) => eb.exists(eb.selectFrom('paper_categories as c').select('c.paper_id').whereRef('c.paper_id', '=', 'p.id').where('c.category', '=', cat)));
    }
    if (opts.sort === 'trending')
      q = q
        .leftJoin('trending_scores as t', (j) => j.onRef('t.paper_id', '=', 'p.id').on('t.window', '=', opts.window ?? 'week'))
        .orderBy(sql`coalesce(t.score, -1)`, 'desc');
    if (opts.sort !== 'publishedAt') q = q.orderBy(sql`p.upvotes + p.source_upvotes`, 'desc');
    const rows = await q.orderBy('d.submitted_at', 'desc').orderBy('p.id', 'desc').limit(opts.limit).offset(opts.offset).execute();
    return rows.map((r) => {
      const entry = rowToEntry({
        id: r.d_id,
        paper_id: r.id,
        day: r.d_day,
        source: r.d_source,
        submitted_at: r.d_submitted_at,
        submitted_by_user_id: r.d_submitted_by_user_id,
        submitter_json: r.d_submitter_json,
        source_upvotes: r.d_source_upvotes,
        source_comments: r.d_source_comments,
        media_json: r.d_media_json,
        thumbnail_url: r.d_thumbnail_url,
        comment: r.d_comment,
        created_at: r.d_created_at,
      });
      const paper = rowToPaper(r);
      return { paper, entry, upvotes: paper.upvotes, numComments: paper.numComments };
    });
  }

  async countInRange(range: DayRange, opts: { curated?: boolean; category?: string } = {}): Promise<number> {
    let q = this.db.selectFrom('daily_entries as d').where('d.day', '>=', range.from).where('d.day', '<=', range.to);
    if (opts.curated !== undefined) q = q.where('d.source', opts.curated ? 'in' : 'not in', [...CURATED_SOURCES]);
    if (opts.category) {
      const cat = opts.category;
      q = q.where((eb) => eb.exists(eb.selectFrom('paper_categories as c').select('c.paper_id').whereRef('c.paper_id', '=', 'd.paper_id').where('c.category', '=', cat)));
    }
    const r = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The latest day with papers (curated: chosen by HF, a curator or the community; false: arXiv's listing). */
  /** How many papers the user submitted from `since` (an ISO time) on. */
  async countSubmissionsSince(userId: number, since: string): Promise<number> {
    const r = await this.db
      .selectFrom('daily_entries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source', '=', 'submission')
      .where('submitted_by_user_id', '=', userId)
      .where('submitted_at', '>=', since)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async latestDay(opts: { curated?: boolean } = {}): Promise<string | undefined> {
    let q = this.db.selectFrom('daily_entries').select((eb) => eb.fn.max('day').as('day'));
    if (opts.curated !== undefined) q = q.where('source', opts.curated ? 'in' : 'not in', [...CURATED_SOURCES]);
    const r = await q.executeTakeFirst();
    return (r?.day as string | null) ?? undefined;
  }

  /** The nearest days before and after `day` that have papers (of the kind asked for). */
  async neighbours(day: string, opts: { curated?: boolean } = {}): Promise<{ prev?: string; next?: string }> {
    const base = () => {
      const q = this.db.selectFrom('daily_entries');
      return opts.curated === undefined ? q : q.where('source', opts.curated ? 'in' : 'not in', [...CURATED_SOURCES]);
    };
    const prev = await base().select((eb) => eb.fn.max('day').as('day')).where('day', '<', day).executeTakeFirst();
    const next = await base().select((eb) => eb.fn.min('day').as('day')).where('day', '>', day).executeTakeFirst();
    return { prev: (prev?.day as string | null) ?? undefined, next: (next?.day as string | null) ?? undefined };
  }

  /** The categories of a range's papers, most frequent first (the "All new papers" filters). */
  async categoriesInRange(range: DayRange, opts: { curated?: boolean; limit?: number } = {}): Promise<{ category: string; n: number }[]> {
    let q = this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .where('d.day', '>=', range.from)
      .where('d.day', '<=', range.to)
      .where('p.primary_category', 'is not', null);
    if (opts.curated !== undefined) q = q.where('d.source', opts.curated ? 'in' : 'not in', [...CURATED_SOURCES]);
    const rows = await q
      .select(['p.primary_category as category', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('p.primary_category')
      .orderBy(sql`count(*)`, 'desc')
      .orderBy('p.primary_category')
      .limit(opts.limit ?? 12)
      .execute();
    return rows.map((r) => ({ category: r.category as string, n: Number(r.n) }));
  }
}
