// Trending's rows: the signals a window counts, the star snapshots, and the cached ranking in
// trending_scores (the formula is src/domain/trending.ts; the job src/services/trending.ts).
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';

/** What happened to papers in a window, per paper. */
export interface WindowSignals {
  votes: { paper_id: number; n: number }[];
  /** Visible comments only. */
  comments: { paper_id: number; n: number }[];
  /** Listings in the window with the counts their source reported. */
  listed: { paper_id: number; source_upvotes: number; source_comments: number }[];
  /** The lowest star count snapshotted since the window's first day, and the current count. */
  stars: { paper_id: number; first: unknown; now: unknown }[];
}

export interface TrendingScoreRow {
  paperId: number;
  rank: number;
  score: number;
  upvotes: number;
  comments: number;
  starsGained: number | null;
  ageHours: number;
}

export interface CachedTrending extends TrendingScoreRow {
  paper: Paper;
  computedAt: string;
}

export class TrendingStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Records today's GitHub stars of every paper that has them (one row per paper and day). */
  async snapshotStars(day: string): Promise<void> {
    await this.db
      .insertInto('star_snapshots')
      .columns(['paper_id', 'day', 'stars'])
      .expression((eb) =>
        eb
          .selectFrom('papers')
          .select(['id', sql<string>`${day}`.as('day'), 'github_stars'])
          .where('github_stars', 'is not', null),
      )
      .onConflict((oc) => oc.columns(['paper_id', 'day']).doUpdateSet({ stars: (eb) => eb.ref('excluded.stars') }))
      .execute();
  }

  /** Votes, comments and listings between `since` and `until` (ISO times); stars since `sinceDay`. */
  async signals(since: string, until: string, sinceDay: string): Promise<WindowSignals> {
    const votes = await this.db
      .selectFrom('upvotes')
      .select(['paper_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('created_at', '>=', since)
      .where('created_at', '<=', until)
      .groupBy('paper_id')
      .execute();
    const comments = await this.db
      .selectFrom('comments')
      .select(['paper_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('created_at', '>=', since)
      .where('created_at', '<=', until)
      .where('deleted_at', 'is', null)
      .where('hidden_at', 'is', null)
      .groupBy('paper_id')
      .execute();
    const listed = await this.db
      .selectFrom('daily_entries')
      .select(['paper_id', 'source_upvotes', 'source_comments'])
      .where('submitted_at', '>=', since)
      .where('submitted_at', '<=', until)
      .execute();
    const stars = await this.db
      .selectFrom('star_snapshots as s')
      .innerJoin('papers as p', 'p.id', 's.paper_id')
      .select(['s.paper_id', (eb) => eb.fn.min('s.stars').as('first'), (eb) => eb.fn.max('p.github_stars').as('now')])
      .where('s.day', '>=', sinceDay)
      .groupBy('s.paper_id')
      .execute();
    return { votes, comments, listed, stars };
  }

  /** When each paper was listed (else published, else added), the clock its age runs from. */
  async ageOrigins(ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('papers as p')
        .leftJoin('daily_entries as d', 'd.paper_id', 'p.id')
        .select(['p.id', 'p.published_at', 'p.created_at', 'd.submitted_at'])
        .where('p.id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.id, r.submitted_at ?? r.published_at ?? r.created_at);
    }
    return out;
  }

  /** Replaces a window's cached ranking in one transaction. */
  async replace(window: string, ranked: TrendingScoreRow[], computedAt: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('trending_scores').where('window', '=', window).execute();
      for (let i = 0; i < ranked.length; i += 200) {
        await trx
          .insertInto('trending_scores')
          .values(
            ranked.slice(i, i + 200).map((x) => ({
              window,
              paper_id: x.paperId,
              rank: x.rank,
              score: x.score,
              upvotes: x.upvotes,
              comments: x.comments,
              stars_gained: x.starsGained,
              age_hours: x.ageHours,
              computed_at: computedAt,
            })),
          )
          .execute();
      }
    });
  }

  /** A window's cached ranking, by rank. */
  async list(window: string, limit: number, offset: number): Promise<CachedTrending[]> {
    const rows = await this.db
      .selectFrom('trending_scores as t')
      .innerJoin('papers as p', 'p.id', 't.paper_id')
      .selectAll('p')
      .select(['t.rank', 't.score', 't.upvotes as t_upvotes', 't.comments as t_comments', 't.stars_gained', 't.age_hours', 't.computed_at'])
      .where('t.window', '=', window)
      .orderBy('t.rank')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({
      paper: rowToPaper(r),
      paperId: r.id,
      rank: r.rank,
      score: Number(r.score),
      upvotes: r.t_upvotes,
      comments: r.t_comments,
      starsGained: r.stars_gained,
      ageHours: Number(r.age_hours),
      computedAt: r.computed_at,
    }));
  }

  async computedAt(window: string): Promise<string | null> {
    const r = await this.db
      .selectFrom('trending_scores')
      .select((eb) => eb.fn.max('computed_at').as('t'))
      .where('window', '=', window)
      .executeTakeFirst();
    return (r?.t as string | null) ?? null;
  }
}
