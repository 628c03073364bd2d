// Calendar helpers for daily, weekly (ISO week) and monthly lists. All dates are UTC calendar days.

export type Day = string; // YYYY-MM-DD

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const WEEK = /^(\d{4})-W(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;

export function parseDay(s: string): Day | null {
  const m = s.match(DAY);
  if (!m) return null;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return toDay(d) === s ? s : null;
}

export function toDay(d: Date): Day {
  return d.toISOString().slice(0, 10);
}

export function addDays(day: Day, n: number): Day {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return toDay(d);
}

/** ISO weekday, Monday = 1 … Sunday = 7. */
export function isoWeekday(day: Day): number {
  const w = new Date(`${day}T00:00:00Z`).getUTCDay();
  return w === 0 ? 7 : w;
}

/** ISO week of a day, as YYYY-Www. */
export function isoWeek(day: Day): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 4 - isoWeekday(day)); // Thursday of this week decides the year
  const yearStart = Date.UTC(d.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((d.getTime() - yearStart) / 86400000 + 1) / 7);
  return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** First and last day (inclusive) of an ISO week, or null when malformed. */
export function weekRange(week: string): { from: Day; to: Day } | null {
  const m = week.match(WEEK);
  if (!m) return null;
  const year = +m[1];
  const n = +m[2];
  if (n < 1 || n > 53) return null;
  const jan4 = toDay(new Date(Date.UTC(year, 0, 4)));
  const monday = addDays(jan4, 1 - isoWeekday(jan4) + (n - 1) * 7);
  if (isoWeek(monday) !== week) return null;
  return { from: monday, to: addDays(monday, 6) };
}

export function monthRange(month: string): { from: Day; to: Day } | null {
  const m = month.match(MONTH);
  if (!m || +m[2] < 1 || +m[2] > 12) return null;
  const last = new Date(Date.UTC(+m[1], +m[2], 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, '0')}` };
}

export function addWeeks(week: string, n: number): string {
  const r = weekRange(week);
  if (!r) throw new Error(`bad week ${week}`);
  return isoWeek(addDays(r.from, 7 * n));
}

export function addMonths(month: string, n: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + n, 1));
  return d.toISOString().slice(0, 7);
}

/**
 * The arXiv listing day of a submission, from the day it was made before the 14:00 US Eastern
 * cut-off (arxiv.org/help/availability): Monday–Thursday submissions are announced that evening and
 * dated the next day; Friday's are announced on Sunday evening, dated Monday; those of the weekend
 * (and of Friday after the cut-off) on Monday evening, dated Tuesday.
 */
export function announceDay(submitted: Day): Day {
  const wd = isoWeekday(submitted);
  if (wd <= 4) return addDays(submitted, 1);
  return addDays(submitted, wd === 5 ? 3 : 9 - wd);
}

const EASTERN = new Intl.DateTimeFormat('en-CA', { timeZone: 'America/New_York', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', hourCycle: 'h23' });

/**
 * The listing day of a submission made at `at` (an ISO time): its US Eastern day, or the next one
 * from 14:00 on. A bare date (sources that give no time) counts as made before the cut-off.
 */
export function announceDayAt(at: string): Day {
  const bare = parseDay(at);
  if (bare) return announceDay(bare);
  const t = Date.parse(at);
  if (Number.isNaN(t)) throw new Error(`bad time ${JSON.stringify(at)}`);
  const parts = Object.fromEntries(EASTERN.formatToParts(new Date(t)).map((p) => [p.type, p.value]));
  const day = `${parts.year}-${parts.month}-${parts.day}`;
  return announceDay(Number(parts.hour) >= 14 ? addDays(day, 1) : day);
}
