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

export interface LexicalIndex {
  /** Best matches for any of the query's terms, best first. */
  search(q: string, limit: number, filters?: Filters): Promise<Hit[]>;
  /** Scores of the given papers for the query (those that match at all). */
  scoresFor(q: string, ids: number[]): Promise<Hit[]>;
  /** Papers whose title is spelled like `q` (typo tolerant), best first. */
  titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]>;
  /** Papers whose lower-cased title equals `q` lower-cased. */
  exactTitle(q: string): Promise<number[]>;
  /** Whether some word of `q` matches no paper at all (likely a typo): only then is the costly trigram lookup worth it. */
  hasUnknownTerm(q: string): Promise<boolean>;
}

/** bm25 column weights: title above abstract above authors (tuned on SciFact training queries). */
export const COLUMN_WEIGHTS = { title: 2.5, abstract: 1, authors: 0.5 };

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

  async search(q: string, limit: number, filters?: Filters): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length) return [];
    const w = COLUMN_WEIGHTS;
    const rank = `bm25(papers_fts, ${w.title}, ${w.abstract}, ${w.authors})`;
    const params: unknown[] = [fts5Query(terms)];
    const ph = (v: unknown) => (params.push(v), '?');
    const text = hasFilters(filters)
      ? `select p.id as id, -${rank} as score from papers_fts join papers p on p.id = papers_fts.rowid
         where papers_fts match ?${filterSql(filters, 'p', ph)} order by ${rank} limit ?`
      : `select rowid as id, -${rank} as score from papers_fts where papers_fts match ? order by ${rank} limit ?`;
    params.push(limit);
    return this.stmt(text).all(...params) as Hit[];
  }

  async scoresFor(q: string, ids: number[]): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length || !ids.length) return [];
    const w = COLUMN_WEIGHTS;
    return this.sqlite
      .prepare(
        `select rowid as id, -bm25(papers_fts, ${w.title}, ${w.abstract}, ${w.authors}) as score from papers_fts
         where papers_fts match ? and rowid in (${ids.map(() => '?').join(',')})`,
      )
      .all(fts5Query(terms), ...ids) as Hit[];
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

  async search(q: string, limit: number, filters?: Filters): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length) return [];
    // websearch_to_tsquery never fails on user syntax; "or" between the words gives BM25-like recall.
    const params: unknown[] = [terms.join(' or ')];
    const ph = (v: unknown) => (params.push(v), `$${params.length}`);
    const where = filterSql(filters, 'p', ph);
    params.push(limit);
    const text = `select s.paper_id as id, ts_rank('{0.1, 0.2, 0.4, 1.0}', s.tsv, q, 1) as score
      from paper_search s cross join websearch_to_tsquery('english', $1) q
      ${where ? 'join papers p on p.id = s.paper_id' : ''}
      where s.tsv @@ q${where} order by score desc, s.paper_id limit $${params.length}`;
    const r = await this.pool.query<Hit>(text, params);
    return r.rows.map((h) => ({ id: Number(h.id), score: Number(h.score) }));
  }

  async scoresFor(q: string, ids: number[]): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length || !ids.length) return [];
    const r = await this.pool.query<Hit>(
      `select s.paper_id as id, ts_rank('{0.1, 0.2, 0.4, 1.0}', s.tsv, q, 1) as score
       from paper_search s cross join websearch_to_tsquery('english', $1) q where s.paper_id = any($2) and s.tsv @@ q`,
      [terms.join(' or '), ids],
    );
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
      const r = await this.pool.query(`select 1 from paper_search where tsv @@ plainto_tsquery('english', $1) limit 1`, [t]);
      // A stop word gives an empty query that matches nothing: it is not a typo.
      if (!r.rowCount) {
        const empty = await this.pool.query(`select numnode(plainto_tsquery('english', $1)) = 0 as empty`, [t]);
        if (!empty.rows[0]?.empty) return true;
      }
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
