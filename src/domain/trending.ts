// Trending: the hot score of a paper over a window, and how its place is told to readers.
//
//   score = ( w_u·ln(1 + upvotes) + w_c·ln(1 + comments) + w_s·ln(1 + stars_gained) ) / (age_hours + 2)^gravity
//
// upvotes and comments count only those made inside the window (plus the counts a source such as
// Hugging Face reported, when the paper was listed inside the window); stars_gained is the GitHub
// star growth inside the window, when known; age_hours runs from the paper's listing (or
// publication) to now. The logarithm rewards the first votes most, so one flood cannot dominate;
// the age term lets new papers through.
//
// When the windows hold too few signals (a fresh or quiet instance), the trending page falls back
// to the most upvoted papers of the newest curated lists, and says so (FALLBACK_BELOW).

export type TrendWindow = 'day' | 'week' | 'month';

export const WINDOWS: Record<TrendWindow, { hours: number; label: string; since: string; tab: string }> = {
  day: { hours: 24, label: 'the last day', since: 'since yesterday', tab: 'Today' },
  week: { hours: 24 * 7, label: 'the last week', since: 'in the last 7 days', tab: 'This week' },
  month: { hours: 24 * 30, label: 'the last month', since: 'in the last 30 days', tab: 'This month' },
};

/** A window's ranking with fewer papers than this is topped up from the newest lists. */
export const FALLBACK_BELOW = 10;

export interface TrendingWeights {
  upvotes: number;
  comments: number;
  stars: number;
  gravity: number;
}

export interface TrendSignals {
  upvotes: number;
  comments: number;
  starsGained: number | null;
  ageHours: number;
}

export function trendingScore(w: TrendingWeights, s: TrendSignals): number {
  const signal =
    w.upvotes * Math.log1p(Math.max(0, s.upvotes)) + w.comments * Math.log1p(Math.max(0, s.comments)) + w.stars * Math.log1p(Math.max(0, s.starsGained ?? 0));
  return signal / Math.pow(Math.max(0, s.ageHours) + 2, w.gravity);
}

export function trendingFormula(w: TrendingWeights): string {
  return `score = (${w.upvotes}·ln(1 + upvotes) + ${w.comments}·ln(1 + comments) + ${w.stars}·ln(1 + stars gained)) / (age in hours + 2)^${w.gravity}`;
}

const count = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

function age(hours: number): string {
  if (hours < 1) return 'within the hour';
  if (hours < 36) return `${Math.round(hours)} hour${Math.round(hours) === 1 ? '' : 's'} ago`;
  const days = Math.round(hours / 24);
  if (days < 60) return `${days} days ago`;
  return `${Math.round(days / 30)} months ago`;
}

/** The paper's place in words: "12 upvotes and 3 comments since yesterday, listed 5 hours ago". */
export function trendingReason(s: TrendSignals, window: TrendWindow): string {
  const parts: string[] = [];
  if (s.upvotes) parts.push(count(s.upvotes, 'upvote'));
  if (s.comments) parts.push(count(s.comments, 'comment'));
  if (s.starsGained) parts.push(`${s.starsGained} new GitHub star${s.starsGained === 1 ? '' : 's'}`);
  const what = parts.length ? parts.join(parts.length === 2 ? ' and ' : ', ').replace(/, ([^,]*)$/, ' and $1') : 'No votes yet';
  return `${what} ${WINDOWS[window].since}, listed ${age(s.ageHours)}`;
}

const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });

/** The place of a paper that came from the fallback (the newest lists), in words: "64 upvotes on the list of 25 Oct 2024". */
export function fallbackReason(upvotes: number, day: string | null): string {
  const d = day ? new Date(`${day}T00:00:00Z`) : null;
  return `${count(upvotes, 'upvote')}${d && !Number.isNaN(d.getTime()) ? ` on the list of ${DAY.format(d)}` : ''}`;
}
