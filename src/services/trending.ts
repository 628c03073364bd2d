// Trending: a hot score per paper over a window (day, week, month), computed by a job and
// cached in trending_scores. The formula and its wording are the domain's (src/domain/trending.ts).
import type { TrendingScoreRow, TrendingStore } from '../storage/trending.ts';
import type { Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import { addDays } from '../domain/dates.ts';
import {
  FALLBACK_BELOW,
  WINDOWS,
  fallbackReason,
  trendingFormula,
  trendingReason,
  trendingScore,
  type TrendWindow,
  type TrendingWeights,
} from '../domain/trending.ts';
import type { DailyStore } from '../storage/daily.ts';

export { WINDOWS, type TrendWindow, type TrendingWeights };

export function parseWindow(w: unknown): TrendWindow {
  if (w === undefined || w === '') return 'week';
  if (w === 'day' || w === 'week' || w === 'month') return w;
  throw errors.badRequest(`window must be day, week or month, got "${String(w).slice(0, 20)}".`);
}

export interface TrendingItem extends Omit<TrendingScoreRow, 'paperId'> {
  paper: Paper;
  computedAt: string;
  /** Displayed upvotes (paper.upvotes: local plus source). */
  totalUpvotes: number;
  /** Why this paper is here, in words ("12 upvotes and 3 comments since yesterday, listed 5 hours ago"). */
  why: string;
  /** The numbers behind it (for a title attribute). */
  detail: string;
}

/** A window's list as the trending page shows it: the ranking, or the newest lists when it is too short. */
export interface TrendingList {
  items: TrendingItem[];
  /** Set when (some of) the items come from the newest lists instead of the window's ranking. */
  fallback: null | { from: string; to: string; ranked: number };
}

export class Trending {
  constructor(
    private readonly store: TrendingStore,
    readonly weights: TrendingWeights,
    private readonly now: () => Date,
    private readonly daily?: DailyStore,
  ) {}

  formula(): string {
    return trendingFormula(this.weights);
  }

  score(upvotes: number, comments: number, stars: number, ageHours: number): number {
    return trendingScore(this.weights, { upvotes, comments, starsGained: stars, ageHours });
  }

  why(it: { upvotes: number; comments: number; starsGained: number | null; ageHours: number; score: number }, window: TrendWindow): string {
    return trendingReason(it, window);
  }

  /** Recomputes every window and replaces the cache; returns how many papers each window ranks. */
  async compute(limit = 500): Promise<Record<TrendWindow, number>> {
    const now = this.now();
    const nowIso = now.toISOString();
    await this.store.snapshotStars(nowIso.slice(0, 10));
    const out = {} as Record<TrendWindow, number>;
    for (const window of Object.keys(WINDOWS) as TrendWindow[]) {
      const since = new Date(now.getTime() - WINDOWS[window].hours * 3_600_000).toISOString();
      const sinceDay = since.slice(0, 10);
      const { votes, comments, listed, stars } = await this.store.signals(since, nowIso, sinceDay);
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
      for (const [id, from] of await this.store.ageOrigins(ids)) ages.set(id, Math.max(0, (now.getTime() - Date.parse(from)) / 3_600_000));
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
      await this.store.replace(
        window,
        ranked.map((x, i) => ({ paperId: x.id, rank: i + 1, score: x.score, upvotes: x.u, comments: x.c, starsGained: x.s, ageHours: x.age })),
        nowIso,
      );
      out[window] = ranked.length;
    }
    return out;
  }

  /** The cached ranking of a window. */
  async list(window: TrendWindow, limit = 50, offset = 0): Promise<TrendingItem[]> {
    const rows = await this.store.list(window, limit, offset);
    return rows.map((r) => {
      const it = {
        paper: r.paper,
        rank: r.rank,
        score: r.score,
        upvotes: r.upvotes,
        comments: r.comments,
        starsGained: r.starsGained,
        ageHours: r.ageHours,
        computedAt: r.computedAt,
        totalUpvotes: r.paper.upvotes,
        why: '',
        detail: '',
      };
      it.why = this.why(it, window);
      it.detail = `Trending score ${it.score.toPrecision(3)}: ${it.upvotes} upvotes, ${it.comments} comments, ${Math.round(it.ageHours)} h since listed`;
      return it;
    });
  }

  /**
   * The window's ranking; when it holds fewer than FALLBACK_BELOW papers (a fresh or quiet
   * instance), topped up with the most upvoted papers of the newest curated lists (the last 7 days
   * that have one), or of the newest lists of any kind when nothing was ever curated.
   */
  async listOrFallback(window: TrendWindow, limit = 50): Promise<TrendingList> {
    const ranked = await this.list(window, limit);
    if (ranked.length >= Math.min(FALLBACK_BELOW, limit) || !this.daily) return { items: ranked, fallback: null };
    const last = (await this.daily.latestDay({ curated: true })) ?? (await this.daily.latestDay());
    if (!last) return { items: ranked, fallback: null };
    const from = addDays(last, -6);
    const curated = !!(await this.daily.latestDay({ curated: true }));
    const listed = await this.daily.list({ from, to: last }, { limit: limit + ranked.length, offset: 0, sort: 'upvotes', curated });
    const seen = new Set(ranked.map((r) => r.paper.id));
    const computedAt = ranked[0]?.computedAt ?? this.now().toISOString();
    const extra = listed
      .filter((l) => !seen.has(l.paper.id))
      .slice(0, limit - ranked.length)
      .map((l, i) => ({
        paper: l.paper,
        rank: ranked.length + i + 1,
        score: 0,
        upvotes: l.paper.upvotes,
        comments: l.paper.numComments + l.paper.sourceComments,
        starsGained: null,
        ageHours: 0,
        computedAt,
        totalUpvotes: l.paper.upvotes,
        why: fallbackReason(l.paper.upvotes, l.entry.day),
        detail: `${l.paper.upvotes} upvotes; from the newest lists, ${from} to ${last}`,
      }));
    return { items: [...ranked, ...extra], fallback: { from, to: last, ranked: ranked.length } };
  }

  async computedAt(window: TrendWindow): Promise<string | null> {
    return this.store.computedAt(window);
  }
}
