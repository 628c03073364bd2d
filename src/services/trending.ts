// Trending: a hot score per paper over a window (day, week, month), computed by a job and
// cached in trending_scores.
//
//   score = ( w_u·ln(1 + upvotes) + w_c·ln(1 + comments) + w_s·ln(1 + stars_gained) ) / (age_hours + 2)^gravity
//
// upvotes and comments count only those made inside the window (plus the counts a source such
// as Hugging Face reported, when the paper was listed inside the window); stars_gained is the
// GitHub star growth between the oldest daily snapshot inside the window and now, when known;
// age_hours runs from the paper's listing (or publication) to now. The logarithm rewards the
// first votes most, so one flood cannot dominate; the age term lets new papers through.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { rowToPaper } from '../storage/papers.ts';
import type { Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';

export type TrendWindow = 'day' | 'week' | 'month';
export const WINDOWS: Record<TrendWindow, { hours: number; label: string }> = {
  day: { hours: 24, label: 'the last day' },
  week: { hours: 24 * 7, label: 'the last week' },
  month: { hours: 24 * 30, label: 'the last month' },
};

export function parseWindow(w: unknown): TrendWindow {
  if (w === undefined || w === '') return 'week';
  if (w === 'day' || w === 'week' || w === 'month') return w;
  throw errors.badRequest(`window must be day, week or month, got "${String(w).slice(0, 20)}".`);
}

export interface TrendingWeights {
  upvotes: number;
  comments: number;
  stars: number;
  gravity: number;
}

export interface TrendingItem {
  paper: Paper;
  rank: number;
  score: number;
  upvotes: number;
  comments: number;
  starsGained: number | null;
  ageHours: number;
  computedAt: string;
  /** Displayed total upvotes (local plus source). */
  totalUpvotes: number;
  /** One sentence: why this paper is here, with the numbers of the formula. */
  why: string;
}

const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

export class Trending {
  constructor(
    private readonly db: Kysely<Database>,
    readonly weights: TrendingWeights,
    private readonly now: () => Date,
  ) {}

  formula(): string {
    const w = this.weights;
    return `score = (${w.upvotes}·ln(1 + upvotes) + ${w.comments}·ln(1 + comments) + ${w.stars}·ln(1 + stars gained)) / (age in hours + 2)^${w.gravity}`;
  }

  score(upvotes: number, comments: number, stars: number, ageHours: number): number {
    const w = this.weights;
    const signal = w.upvotes * Math.log1p(upvotes) + w.comments * Math.log1p(comments) + w.stars * Math.log1p(Math.max(0, stars));
    return signal / Math.pow(Math.max(0, ageHours) + 2, w.gravity);
  }

  why(it: { upvotes: number; comments: number; starsGained: number | null; ageHours: number; score: number }, window: TrendWindow): string {
    const parts = [plural(it.upvotes, 'upvote'), plural(it.comments, 'comment')];
    if (it.starsGained) parts.push(`${it.starsGained} GitHub stars gained`);
    const age = it.ageHours < 48 ? `${Math.round(it.ageHours)} h` : `${Math.round(it.ageHours / 24)} days`;
    return `${parts.join(', ')} in ${WINDOWS[window].label}; listed ${age} ago; score ${it.score.toPrecision(3)}`;
  }

  /** Snapshots today's GitHub stars so later runs can tell how many were gained. */
  private async snapshotStars(day: string): Promise<void> {
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

  /** Recomputes every window and replaces the cache; returns how many papers each window ranks. */
  async compute(limit = 500): Promise<Record<TrendWindow, number>> {
    const now = this.now();
    const nowIso = now.toISOString();
    await this.snapshotStars(nowIso.slice(0, 10));
    const out = {} as Record<TrendWindow, number>;
    for (const window of Object.keys(WINDOWS) as TrendWindow[]) {
      const since = new Date(now.getTime() - WINDOWS[window].hours * 3_600_000).toISOString();
      const sinceDay = since.slice(0, 10);
      const votes = await this.db
        .selectFrom('upvotes')
        .select(['paper_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('created_at', '>=', since)
        .where('created_at', '<=', nowIso)
        .groupBy('paper_id')
        .execute();
      const comments = await this.db
        .selectFrom('comments')
        .select(['paper_id', (eb) => eb.fn.countAll<number>().as('n')])
        .where('created_at', '>=', since)
        .where('created_at', '<=', nowIso)
        .where('deleted_at', 'is', null)
        .where('hidden_at', 'is', null)
        .groupBy('paper_id')
        .execute();
      const listed = await this.db
        .selectFrom('daily_entries')
        .select(['paper_id', 'source_upvotes', 'source_comments'])
        .where('submitted_at', '>=', since)
        .where('submitted_at', '<=', nowIso)
        .execute();
      const stars = await this.db
        .selectFrom('star_snapshots as s')
        .innerJoin('papers as p', 'p.id', 's.paper_id')
        .select(['s.paper_id', (eb) => eb.fn.min('s.stars').as('first'), (eb) => eb.fn.max('p.github_stars').as('now')])
        .where('s.day', '>=', sinceDay)
        .groupBy('s.paper_id')
        .execute();
      const sig = new Map<number, { u: number; c: number; s: number | null }>();
      const get = (id: number) => sig.get(id) ?? (sig.set(id, { u: 0, c: 0, s: null }), sig.get(id)!);
      for (const v of votes) get(v.paper_id).u += Number(v.n);
      for (const c of comments) get(c.paper_id).c += Number(c.n);
      for (const e of listed) {
        get(e.paper_id).u += e.source_upvotes;
        get(e.paper_id).c += e.source_comments;
      }
      for (const s of stars) {
        const gained = Number(s.now ?? 0) - Number(s.first ?? 0);
        if (gained > 0) get(s.paper_id).s = gained;
      }
      const ids = [...sig.keys()];
      const ages = new Map<number, number>();
      for (let i = 0; i < ids.length; i += 500) {
        const rows = await this.db
          .selectFrom('papers as p')
          .leftJoin('daily_entries as d', 'd.paper_id', 'p.id')
          .select(['p.id', 'p.published_at', 'p.created_at', 'd.submitted_at'])
          .where('p.id', 'in', ids.slice(i, i + 500))
          .execute();
        for (const r of rows) {
          const from = r.submitted_at ?? r.published_at ?? r.created_at;
          ages.set(r.id, Math.max(0, (now.getTime() - Date.parse(from)) / 3_600_000));
        }
      }
      const ranked = ids
        .filter((id) => ages.has(id))
        .map((id) => {
          const s = sig.get(id)!;
          const age = ages.get(id)!;
          return { id, ...s, age, score: this.score(s.u, s.c, s.s ?? 0, age) };
        })
        .filter((x) => x.score > 0)
        .sort((a, b) => b.score - a.score || b.u - a.u || a.id - b.id)
        .slice(0, limit);
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('trending_scores').where('window', '=', window).execute();
        for (let i = 0; i < ranked.length; i += 200) {
          await trx
            .insertInto('trending_scores')
            .values(
              ranked.slice(i, i + 200).map((x, j) => ({
                window,
                paper_id: x.id,
                rank: i + j + 1,
                score: x.score,
                upvotes: x.u,
                comments: x.c,
                stars_gained: x.s,
                age_hours: x.age,
                computed_at: nowIso,
              })),
            )
            .execute();
        }
      });
      out[window] = ranked.length;
    }
    return out;
  }

  /** The cached ranking of a window. */
  async list(window: TrendWindow, limit = 50, offset = 0): Promise<TrendingItem[]> {
    const rows = await this.db
      .selectFrom('trending_scores as t')
      .innerJoin('papers as p', 'p.id', 't.paper_id')
      .leftJoin('daily_entries as d', 'd.paper_id', 'p.id')
      .selectAll('p')
      .select([
        't.rank',
        't.score',
        't.upvotes as t_upvotes',
        't.comments as t_comments',
        't.stars_gained',
        't.age_hours',
        't.computed_at',
        'd.source_upvotes',
      ])
      .where('t.window', '=', window)
      .orderBy('t.rank')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => {
      const it = {
        paper: rowToPaper(r),
        rank: r.rank,
        score: Number(r.score),
        upvotes: r.t_upvotes,
        comments: r.t_comments,
        starsGained: r.stars_gained,
        ageHours: Number(r.age_hours),
        computedAt: r.computed_at,
        totalUpvotes: r.upvotes + (r.source_upvotes ?? 0),
        why: '',
      };
      it.why = this.why(it, window);
      return it;
    });
  }

  async computedAt(window: TrendWindow): Promise<string | null> {
    const r = await this.db.selectFrom('trending_scores').select((eb) => eb.fn.max('computed_at').as('t')).where('window', '=', window).executeTakeFirst();
    return (r?.t as string | null) ?? null;
  }
}
