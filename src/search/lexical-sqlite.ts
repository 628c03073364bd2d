// The lexical index on SQLite: FTS5 with bm25 and column weights, a trigram index for title typos.
import type Database from 'better-sqlite3';
import { COLUMN_WEIGHTS, conjunctiveFirst, filterSql, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { fts5Query, queryTerms, trigrams } from './text.ts';

/** At most this many matches of a query are ranked (the newest), as PG_RANK_WINDOW on PostgreSQL. */
export const SQLITE_RANK_WINDOW = 5000;

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
    const where = filterSql(filters, 'p', ph);
    const from = where ? 'papers_fts join papers p on p.id = papers_fts.rowid' : 'papers_fts';
    // Common words match much of the corpus (a third of 1M papers for "learning"), and bm25() reads
    // each match's positions: rank at most SQLITE_RANK_WINDOW matches, the newest (highest ids).
    // FTS5 walks them backwards from the last id and stops there; a lower bound on the id instead
    // (rowid >= ?) costs as much as the whole doclist. bm25() still counts each word's papers once
    // per query for its idf (about 20 ns a paper).
    const text = `select id, score from (select papers_fts.rowid as id, -${rank} as score from ${from} where papers_fts match ?${where}
      order by papers_fts.rowid desc limit ${SQLITE_RANK_WINDOW}) order by score desc, id limit ?`;
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
    // The title index answers (papers whose title starts with the query as a phrase), then the
    // titles are compared: no B-tree on lower(title), whose random-order writes slowed bulk imports.
    const title = q.trim();
    if (!/[\p{L}\p{N}]/u.test(title)) return [];
    const rows = this.stmt(
      `select p.id as id from papers_fts join papers p on p.id = papers_fts.rowid
        where papers_fts match ? and lower(p.title) = lower(?) limit 5`,
    ).all(`title : ^ "${title.replace(/"/g, '""')}"`, title) as { id: number }[];
    return rows.map((r) => r.id);
  }
}
