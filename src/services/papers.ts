// Reading papers and the daily lists: what the pages, the API and the feeds show.
import { errors } from '../domain/errors.ts';
import { addDays, monthRange, parseDay, weekRange, isoWeek, type Day } from '../domain/dates.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import type { DailyEntry, Paper } from '../domain/paper.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore, DayRange, ListedPaper, ListSort } from '../storage/daily.ts';

export type Period = { kind: 'day'; day: Day } | { kind: 'week'; week: string } | { kind: 'month'; month: string };

/** Which papers of a period a list shows: those chosen for it (HF's picks, curators', the community's) or arXiv's whole listing. */
export type ListView = 'chosen' | 'all';

/** The daily store's filter for a view. */
const curatedOf = (view: ListView | undefined): boolean | undefined => (view === undefined ? undefined : view === 'chosen');

export interface PeriodList {
  period: Period;
  range: DayRange;
  items: ListedPaper[];
  total: number;
}

export interface PaperView {
  paper: Paper;
  entry?: DailyEntry;
  upvotes: number;
  numComments: number;
}

export function periodRange(p: Period): DayRange {
  if (p.kind === 'day') return { from: p.day, to: p.day };
  const r = p.kind === 'week' ? weekRange(p.week) : monthRange(p.month);
  if (!r) throw errors.badRequest(`Invalid ${p.kind}.`);
  return r;
}

/** Parses the period parameters of a list request (date | week | month); throws 400 on malformed ones. */
export function parsePeriod(q: { date?: string; week?: string; month?: string }): Period | undefined {
  const given = [q.date, q.week, q.month].filter((v) => v !== undefined && v !== '');
  if (given.length > 1) throw errors.badRequest('Give only one of date, week and month.');
  if (q.date) {
    const day = parseDay(q.date);
    if (!day) throw errors.badRequest(`Invalid date "${q.date}": expected YYYY-MM-DD.`);
    return { kind: 'day', day };
  }
  if (q.week) {
    if (!weekRange(q.week)) throw errors.badRequest(`Invalid week "${q.week}": expected YYYY-Www, e.g. 2024-W43.`);
    return { kind: 'week', week: q.week };
  }
  if (q.month) {
    if (!monthRange(q.month)) throw errors.badRequest(`Invalid month "${q.month}": expected YYYY-MM.`);
    return { kind: 'month', month: q.month };
  }
  return undefined;
}

export class PaperService {
  constructor(
    readonly papers: PaperStore,
    readonly daily: DailyStore,
    private readonly now: () => Date,
  ) {}

  /** The latest day that has papers, of a view when given (today's date when the database is empty). */
  async latestDay(view?: ListView): Promise<Day> {
    return (await this.daily.latestDay({ curated: curatedOf(view) })) ?? this.now().toISOString().slice(0, 10);
  }

  /** The home page's day: the latest day with chosen papers, else the latest day of arXiv's listing. */
  async homeDay(): Promise<{ day: Day; view: ListView }> {
    const chosen = await this.daily.latestDay({ curated: true });
    if (chosen) return { day: chosen, view: 'chosen' };
    return { day: await this.latestDay(), view: 'all' };
  }

  async list(
    period: Period,
    opts: { limit: number; offset: number; sort?: ListSort; submitter?: string; view?: ListView; category?: string },
  ): Promise<PeriodList> {
    const range = periodRange(period);
    const curated = curatedOf(opts.view);
    const [items, total] = await Promise.all([
      this.daily.list(range, { ...opts, curated }),
      this.daily.countInRange(range, { curated, category: opts.category }),
    ]);
    return { period, range, items, total };
  }

  async neighbours(day: Day, view?: ListView) {
    return this.daily.neighbours(day, { curated: curatedOf(view) });
  }

  async categories(period: Period, view?: ListView) {
    return this.daily.categoriesInRange(periodRange(period), { curated: curatedOf(view) });
  }

  /** A paper by id (any version suffix or arXiv URL accepted). */
  async get(idOrUrl: string): Promise<PaperView> {
    const parsed = parseArxivId(idOrUrl);
    if (!parsed) throw errors.notFound(`"${idOrUrl}" is not an arXiv id.`);
    const paper = await this.papers.byArxivId(parsed.id);
    if (!paper) throw errors.notFound(`Paper ${parsed.id} is not on this instance.`);
    const entry = await this.daily.forPaper(paper.id);
    return {
      paper,
      entry,
      upvotes: paper.upvotes,
      numComments: paper.numComments,
    };
  }

  async byAuthor(name: string, limit = 50, offset = 0): Promise<{ name: string; papers: Paper[] }> {
    const canonical = await this.papers.authorName(name);
    if (!canonical) throw errors.notFound(`No papers by "${name}".`);
    return { name: canonical, papers: await this.papers.byAuthor(name, limit, offset) };
  }

  async byCategory(category: string, limit = 50, offset = 0): Promise<Paper[]> {
    return this.papers.byCategory(category, limit, offset);
  }
}

export { addDays, isoWeek };
