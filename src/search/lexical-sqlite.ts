// The lexical index on SQLite: FTS5 with bm25 and column weights, a trigram index for title typos.
import type Database from 'better-sqlite3';
import { COLUMN_WEIGHTS, conjunctiveFirst, filterSql, hasFilters, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { fts5Query, queryTerms, trigrams } from './text.ts';

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
