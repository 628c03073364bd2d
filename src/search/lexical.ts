// The lexical index port and its two adapters: SQLite FTS5 (bm25 with column weights) and
// PostgreSQL (weighted tsvector + GIN, pg_trgm for titles), in lexical-sqlite.ts and lexical-pg.ts.
// Both are kept in sync by triggers.

export interface Filters {
  /** Inclusive ISO dates (YYYY-MM-DD) on published_at. */
  from?: string;
  to?: string;
  category?: string;
  hasCode?: boolean;
}

export interface Hit {
  id: number;
  /** Higher is better; scale depends on the adapter. */
  score: number;
}

/** A ranked lexical list, and the score to assume for a paper that is not in it. */
export interface LexicalList {
  hits: Hit[];
  /** 0 when every matching paper is listed; else the lowest listed score (the list was cut). */
  floor: number;
  /** The papers have every word of the query (so no word is unknown to the index). */
  allWords?: boolean;
}

/**
 * Short queries are answered conjunctively first: every word must match. Scoring only those papers
 * is ten times cheaper than scoring every paper that has any of the words (a common word such as
 * "learning" is in a third of arXiv), and the vector list brings back what the words miss. When
 * fewer than CONJUNCTIVE_MIN papers have all the words, the disjunctive query runs.
 */
export const CONJUNCTIVE_MAX_TERMS = 5;
export const CONJUNCTIVE_MIN = 10;
/** At most this many any-word matches are ranked on PostgreSQL (see PostgresLexical.run). */
export const PG_RANK_WINDOW = 5000;

export interface LexicalIndex {
  /**
   * Ids of papers with every word of `q`, newest first, not ranked (score 0): the cheap list of
   * more-like-this, whose words are a paper's most distinctive ones. Ranking them cost most of a
   * paper page (bm25() and ts_rank count each word's papers, however few have them all). PostgreSQL
   * takes the newest of its first PG_ALL_WORDS_WINDOW matches.
   */
  withAllWords(q: string, limit: number): Promise<Hit[]>;
  /** The ranked list for a user query: conjunctive first when the query is short, see CONJUNCTIVE_MAX_TERMS. */
  rank(q: string, limit: number, filters?: Filters): Promise<LexicalList>;
  /** Papers whose title is spelled like `q` (typo tolerant), best first. */
  titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]>;
  /**
   * Papers whose lower-cased title equals `q` lower-cased (`exact`), and the titles of papers `ids`
   * (the best lexical hits, checked for a near-title match): one statement for both.
   */
  titles(q: string, ids: number[]): Promise<TitleRows>;
  /** Whether some word of `q` matches no paper at all (likely a typo): only then is the costly trigram lookup worth it. */
  hasUnknownTerm(q: string): Promise<boolean>;
  /**
   * The score rank() gives each of these papers (0 without any word of `q`), where scoring a few
   * papers is cheap. PostgreSQL ranks each paper's own tsvector; SQLite has no such method (FTS5's
   * bm25() would read each word's whole posting list), and fusion then estimates the score.
   */
  scoreIds?(q: string, ids: number[]): Promise<Map<number, number>>;
}

export interface TitleRows {
  /** At most EXACT_TITLE_MAX ids. */
  exact: number[];
  titles: { id: number; title: string }[];
}
export const EXACT_TITLE_MAX = 5;

/** Splits the rows of a titles() statement (whose `exact` column is 0/1 or a boolean). */
export function titleRows(rows: { id: number | string; title: string; exact: unknown }[], ids: number[]): TitleRows {
  const wanted = new Set(ids);
  const out: TitleRows = { exact: [], titles: [] };
  for (const r of rows) {
    const id = Number(r.id);
    if (r.exact && out.exact.length < EXACT_TITLE_MAX) out.exact.push(id);
    if (wanted.has(id)) out.titles.push({ id, title: r.title });
  }
  return out;
}

/** bm25 column weights: title above abstract above authors (tuned on SciFact training queries). */
export const COLUMN_WEIGHTS = { title: 2.5, abstract: 1, authors: 0.5 };

/** The list of `run(match)`: all the words first for a short query, any of them otherwise. */
export async function conjunctiveFirst(terms: string[], limit: number, run: (all: boolean) => Promise<Hit[]>): Promise<LexicalList> {
  if (terms.length > 1 && terms.length <= CONJUNCTIVE_MAX_TERMS) {
    const all = await run(true);
    if (all.length >= Math.min(limit, CONJUNCTIVE_MIN)) return { hits: all, floor: all.length < limit ? 0 : all[all.length - 1].score, allWords: true };
  }
  const any = terms.length ? await run(false) : [];
  return { hits: any, floor: any.length < limit ? 0 : any[any.length - 1].score };
}

export function hasFilters(f?: Filters): boolean {
  return !!f && !!(f.from || f.to || f.category || f.hasCode);
}

export function filterSql(f: Filters | undefined, alias: string, ph: (v: unknown) => string): string {
  if (!hasFilters(f)) return '';
  const parts: string[] = [];
  if (f!.from) parts.push(`${alias}.published_at >= ${ph(f!.from)}`);
  // "to" is a day: include all of it.
  if (f!.to) parts.push(`${alias}.published_at < ${ph(`${f!.to}T99`)}`);
  if (f!.hasCode) parts.push(`${alias}.code_url is not null and ${alias}.code_url <> ''`);
  if (f!.category) parts.push(`exists (select 1 from paper_categories c where c.paper_id = ${alias}.id and c.category = ${ph(f!.category)})`);
  return ' and ' + parts.join(' and ');
}
