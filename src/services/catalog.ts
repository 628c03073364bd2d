// The public read model of the JSON API and the feeds: daily lists in Hugging Face's order,
// every paper cursor-paged by publication date, an author's or a category's papers.
import { errors } from '../domain/errors.ts';
import { addDays, type Day } from '../domain/dates.ts';
import type { Paper } from '../domain/paper.ts';
import type { CatalogStore, CatalogSort, PublishedCursor } from '../storage/catalog.ts';
import type { ListedPaper } from '../storage/daily.ts';
import { periodRange, type PaperService, type Period } from './papers.ts';

export interface Page<T> {
  items: T[];
  /** Whether another page follows. */
  more: boolean;
}

/** Opaque cursor for /api/papers: base64url of [publishedAt, id] of the last paper of a page. */
function encodeCursor(p: Pick<Paper, 'publishedAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([p.publishedAt ?? '', p.id])).toString('base64url');
}

function decodeCursor(raw: string): PublishedCursor {
  const bad = () => errors.badRequest('Malformed cursor: pass the value from the previous page\'s Link header unchanged.');
  if (!/^[A-Za-z0-9_-]{1,200}$/.test(raw)) throw bad();
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'string' || v[0].length > 40 || !Number.isSafeInteger(v[1]) || v[1] < 0) throw bad();
  return { publishedAt: v[0], id: v[1] };
}

export class CatalogService {

  constructor(
    readonly store: CatalogStore,
    readonly papers: PaperService,
  ) {}

  /** One page of a period's daily list (the latest day when no period is given). */
  async daily(
    period: Period | undefined,
    opts: { sort: CatalogSort; page: number; limit: number; submitter?: string },
  ): Promise<Page<ListedPaper> & { period: Period }> {
    const p = period ?? { kind: 'day' as const, day: await this.papers.latestDay() };
    // A submitter's papers with no period given: every day they submitted on (as Hugging Face answers).
    const range = !period && opts.submitter ? { from: '0000-01-01', to: '9999-12-31' } : periodRange(p);
    const offset = opts.page * opts.limit;
    // One row more than asked tells whether a next page exists, whatever the filters.
    const rows = await this.papers.daily.list(range, {
      limit: opts.limit + 1,
      offset,
      sort: opts.sort,
      submitter: opts.submitter,
      // A day's list is ranked by the day's trending window, a week's by the week's, …
      window: p.kind,
    });
    return { period: p, items: rows.slice(0, opts.limit), more: rows.length > opts.limit };
  }

  /**
   * HF's `sort=trending`: the papers listed in the last 7 days up to the latest listed day, by the
   * week's trending score, whatever date, week or month was asked for (as Hugging Face does).
   */
  async trendingRecent(opts: { page: number; limit: number; submitter?: string }): Promise<Page<ListedPaper>> {
    const last: Day = await this.papers.latestDay();
    const rows = await this.papers.daily.list(
      { from: addDays(last, -6), to: last },
      { limit: opts.limit + 1, offset: opts.page * opts.limit, sort: 'trending', submitter: opts.submitter, window: 'week' },
    );
    return { items: rows.slice(0, opts.limit), more: rows.length > opts.limit };
  }

  /** The trending feed's fallback while no trending ranking is computed: the last 7 listed days, most upvoted first. */
  async recentTop(limit: number): Promise<ListedPaper[]> {
    const last: Day = await this.papers.latestDay();
    return this.papers.daily.list({ from: addDays(last, -6), to: last }, { limit, offset: 0, sort: 'upvotes' });
  }

  /** Every paper, newest publication first, keyset-paged. */
  async allPapers(cursor: string | undefined, limit: number): Promise<Page<Paper> & { next?: string }> {
    const after = cursor ? decodeCursor(cursor) : null;
    const rows = await this.store.byPublished(after, limit + 1);
    const items = rows.slice(0, limit);
    const more = rows.length > limit;
    return { items, more, next: more ? encodeCursor(items[items.length - 1]) : undefined };
  }

  async authorPapers(name: string, page: number, limit: number): Promise<Page<Paper> & { name: string }> {
    const r = await this.papers.byAuthor(name, limit + 1, page * limit);
    return { name: r.name, items: r.papers.slice(0, limit), more: r.papers.length > limit };
  }

  async categoryPapers(category: string, limit: number): Promise<Paper[]> {
    if (!/^[a-z-]+(\.[A-Za-z-]+)?$/.test(category)) throw errors.badRequest(`"${category}" is not an arXiv category.`);
    const papers = await this.papers.byCategory(category, limit);
    if (!papers.length) throw errors.notFound(`No papers in ${category}.`);
    return papers;
  }
}
