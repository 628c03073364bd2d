// The lexical index port and its two adapters: SQLite FTS5 (bm25 with column weights) and
// PostgreSQL (weighted tsvector + GIN, pg_trgm for titles). Both are kept in sync by triggers.
import { sql, type Kysely } from 'kysely';
import type Database from 'better-sqlite3';
import type pg from 'pg';
import type { Db } from '../storage/db.ts';
import type { Database as Schema } from '../storage/schema.ts';
import { fts5Query, queryTerms, trigrams } from './text.ts';

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
  /** Papers with every word of `q`, best first. */
  conjunctive(q: string, limit: number): Promise<Hit[]>;
  /** The ranked list for a user query: conjunctive first when the query is short, see CONJUNCTIVE_MAX_TERMS. */
  rank(q: string, limit: number, filters?: Filters): Promise<LexicalList>;
  /** Papers whose title is spelled like `q` (typo tolerant), best first. */
  titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]>;
  /** Papers whose lower-cased title equals `q` lower-cased. */
  exactTitle(q: string): Promise<number[]>;
  /** Whether some word of `q` matches no paper at all (likely a typo): only then is the costly trigram lookup worth it. */
  hasUnknownTerm(q: string): Promise<boolean>;
}

/** bm25 column weights: title above abstract above authors (tuned on SciFact training queries). */
export const COLUMN_WEIGHTS = { title: 2.5, abstract: 1, authors: 0.5 };

/** The list of `run(match)`: all the words first for a short query, any of them otherwise. */
async function conjunctiveFirst(terms: string[], limit: number, run: (all: boolean) => Promise<Hit[]>): Promise<LexicalList> {
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

function filterSql(f: Filters | undefined, alias: string, ph: (v: unknown) => string): string {
  if (!hasFilters(f)) return '';
  const parts: string[] = [];
  if (f!.from) parts.push(`${alias}.published_at >= ${ph(f!.from)}`);
  // "to" is a day: include all of it.
  if (f!.to) parts.push(`${alias}.published_at < ${ph(`${f!.to}T99`)}`);
  if (f!.hasCode) parts.push(`${alias}.code_url is not null and ${alias}.code_url <> ''`);
  if (f!.category) parts.push(`exists (select 1 from paper_categories c where c.paper_id = ${alias}.id and c.category = ${ph(f!.category)})`);
  return ' and ' + parts.join(' and ');
}

export class SqliteLexical implements LexicalIndex {
  private readonly cache = new Map<string, Database.Statement>();
  constructor(private readonly sqlite: Database.Database) {}

  private stmt(text: string): Database.Statement {
    let s = this.cache.get(text);
    if (!s) {
      s = this.sqlite.prepare(text);
      this.cache.set(text, s);
    }
    return s;
  }

  async conjunctive(q: string, limit: number): Promise<Hit[]> {
    return this.run(queryTerms(q), true, limit);
  }

  async rank(q: string, limit: number, filters?: Filters): Promise<LexicalList> {
    const terms = queryTerms(q);
    return conjunctiveFirst(terms, limit, (all) => this.run(terms, all, limit, filters));
  }

  private async run(terms: string[], all: boolean, limit: number, filters?: Filters): Promise<Hit[]> {
    if (!terms.length) return [];
    const w = COLUMN_WEIGHTS;
    const rank = `bm25(papers_fts, ${w.title}, ${w.abstract}, ${w.authors})`;
    const params: unknown[] = [fts5Query(terms, all ? 'AND' : 'OR')];
    const ph = (v: unknown) => (params.push(v), '?');
    const text = hasFilters(filters)
      ? `select p.id as id, -${rank} as score from papers_fts join papers p on p.id = papers_fts.rowid
         where papers_fts match ?${filterSql(filters, 'p', ph)} order by ${rank} limit ?`
      : `select rowid as id, -${rank} as score from papers_fts where papers_fts match ? order by ${rank} limit ?`;
    params.push(limit);
    return this.stmt(text).all(...params) as Hit[];
  }

  async titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]> {
    const tri = trigrams(q);
    if (tri.length < 2) return [];
    return this.stmt(
      `select p.id as id, p.title as title from papers p join
        (select rowid from papers_title_tri where papers_title_tri match ? order by rank limit ?) t on t.rowid = p.id`,
    ).all(fts5Query(tri), limit) as { id: number; title: string }[];
  }

  async hasUnknownTerm(q: string): Promise<boolean> {
    const one = this.stmt('select 1 from papers_fts where papers_fts match ? limit 1');
    return queryTerms(q).some((t) => one.get(fts5Query([t])) === undefined);
  }

  async exactTitle(q: string): Promise<number[]> {
    return (this.stmt('select id from papers where lower(title) = lower(?) limit 5').all(q.trim()) as { id: number }[]).map((r) => r.id);
  }
}

export class PostgresLexical implements LexicalIndex {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly pool: pg.Pool,
  ) {}

  async conjunctive(q: string, limit: number): Promise<Hit[]> {
    return this.run(queryTerms(q), true, limit);
  }

  async rank(q: string, limit: number, filters?: Filters): Promise<LexicalList> {
    const terms = queryTerms(q);
    return conjunctiveFirst(terms, limit, (all) => this.run(terms, all, limit, filters));
  }

  private async run(terms: string[], all: boolean, limit: number, filters?: Filters): Promise<Hit[]> {
    if (!terms.length) return [];
    // websearch_to_tsquery never fails on user syntax; "or" between the words gives BM25-like recall,
    // plain spaces require every word.
    const params: unknown[] = [terms.join(all ? ' ' : ' or ')];
    const ph = (v: unknown) => (params.push(v), `$${params.length}`);
    const where = filterSql(filters, 'p', ph);
    params.push(limit);
    // Any-word queries of common words match much of the corpus, and ts_rank reads each match's
    // tsvector (300 ms for 40k matches at 100k papers): rank at most PG_RANK_WINDOW of them. The
    // all-words query comes first (conjunctiveFirst), so this only serves queries with few full matches.
    const from = all || where ? 'paper_search s' : `(select paper_id, tsv from paper_search where tsv @@ websearch_to_tsquery('english', $1) limit ${PG_RANK_WINDOW}) s`;
    const text = `select s.paper_id as id, ts_rank('{0.1, 0.2, 0.4, 1.0}', s.tsv, q, 1) as score
      from ${from} cross join websearch_to_tsquery('english', $1) q
      ${where ? 'join papers p on p.id = s.paper_id' : ''}
      where s.tsv @@ q${where} order by score desc, s.paper_id limit $${params.length}`;
    const r = await this.pool.query<Hit>(text, params);
    return r.rows.map((h) => ({ id: Number(h.id), score: Number(h.score) }));
  }

  async titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]> {
    const s = q.trim().toLowerCase();
    if (s.length < 4) return [];
    const r = await sql<{ id: number; title: string }>`select id, title from papers
      where lower(title) operator(public.%) ${s}
      order by public.similarity(lower(title), ${s}) desc limit ${limit}`.execute(this.db);
    return r.rows;
  }

  async hasUnknownTerm(q: string): Promise<boolean> {
    for (const t of queryTerms(q)) {
      // A stop word gives an empty query, which would scan every row and match nothing: not a typo.
      const empty = await this.pool.query(`select numnode(plainto_tsquery('english', $1)) = 0 as empty`, [t]);
      if (empty.rows[0]?.empty) continue;
      const r = await this.pool.query(`select 1 from paper_search where tsv @@ plainto_tsquery('english', $1) limit 1`, [t]);
      if (!r.rowCount) return true;
    }
    return false;
  }




  async exactTitle(q: string): Promise<number[]> {
    const r = await sql<{ id: number }>`select id from papers where lower(title) = lower(${q.trim()}) limit 5`.execute(this.db);
    return r.rows.map((x) => x.id);
  }
}

export function createLexical(db: Db): LexicalIndex {
  return db.dialect === 'sqlite' ? new SqliteLexical(db.sqlite!) : new PostgresLexical(db.kysely, db.pool!);
}
