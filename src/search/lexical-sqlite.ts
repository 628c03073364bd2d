// The lexical index on SQLite: FTS5 with bm25 and column weights, a trigram index for title typos.
import type Database from 'better-sqlite3';
import { COLUMN_WEIGHTS, conjunctiveFirst, filterSql, hasFilters, titleRows, type Filters, type Hit, type LexicalIndex, type LexicalList, type TitleRows } from './lexical.ts';
import { fts5Query, queryTerms, trigrams } from './text.ts';

/** At most this many matches of a query are ranked (the newest), as PG_RANK_WINDOW on PostgreSQL. */
export const SQLITE_RANK_WINDOW = 5000;
/** How long a word's estimated share of the papers is reused (see SqliteLexical.share). */
const SHARE_TTL_MS = 10 * 60_000;

export class SqliteLexical implements LexicalIndex {
  private readonly cache = new Map<string, Database.Statement>();
  private readonly shares = new Map<string, { share: number; at: number }>();
  private newest = { id: 0, at: 0 };
  /**
   * @param bm25 the ranking function: pb_bm25 remembers the document counts of common words (see
   * native/pb_fts5.c), bm25 counts them in every statement.
   */
  constructor(
    private readonly sqlite: Database.Database,
    private readonly bm25: 'pb_bm25' | 'bm25' = 'bm25',
  ) {}

  private stmt(text: string): Database.Statement {
    let s = this.cache.get(text);
    if (!s) {
      s = this.sqlite.prepare(text);
      this.cache.set(text, s);
    }
    return s;
  }

  async withAllWords(q: string, limit: number): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length) return [];
    return this.stmt('select rowid as id, 0 as score from papers_fts where papers_fts match ? order by rowid desc limit ?').all(fts5Query(terms, 'AND'), limit) as Hit[];
  }

  async rank(q: string, limit: number, filters?: Filters): Promise<LexicalList> {
    const terms = queryTerms(q);
    return conjunctiveFirst(terms, limit, (all) => this.run(terms, all, limit, filters));
  }

  /**
   * The share of the papers that have `term`, estimated from how far back its SQLITE_RANK_WINDOW-th
   * newest match lies (ids are given in order; walking back is cheap); 0 when fewer papers have it.
   */
  private share(term: string): number {
    const now = Date.now();
    const c = this.shares.get(term);
    if (c && now - c.at < SHARE_TTL_MS) return c.share;
    if (now - this.newest.at > SHARE_TTL_MS) this.newest = { id: (this.stmt('select max(rowid) as id from papers_fts').get() as { id: number | null }).id ?? 0, at: now };
    const edge = this.stmt(`select rowid from papers_fts where papers_fts match ? order by rowid desc limit 1 offset ${SQLITE_RANK_WINDOW - 1}`)
      .pluck()
      .get(fts5Query([term])) as number | undefined;
    const share = edge === undefined ? 0 : Math.min(1, SQLITE_RANK_WINDOW / Math.max(1, this.newest.id - edge + 1));
    if (this.shares.size >= 50_000) this.shares.clear();
    this.shares.set(term, { share, at: now });
    return share;
  }

  private async run(terms: string[], all: boolean, limit: number, filters?: Filters): Promise<Hit[]> {
    if (!terms.length) return [];
    const w = COLUMN_WEIGHTS;
    const rank = `${this.bm25}(papers_fts, ${w.title}, ${w.abstract}, ${w.authors})`;
    if (this.bm25 === 'bm25' && all && terms.length > 1 && !hasFilters(filters)) {
      // A word in more than half of the papers has an idf of 0 in bm25() (FTS5 floors it at 1e-6),
      // yet bm25() counts its papers for it: 16 ms for "models" at 1M papers. With all the words,
      // the window is chosen by every word and ranked by the others (the same order). pb_bm25
      // remembers such counts.
      const scored = terms.filter((t) => this.share(t) <= 0.5);
      if (scored.length && scored.length < terms.length) return this.rankByFewer(terms, scored, rank, limit);
    }
    const params: unknown[] = [fts5Query(terms, all ? 'AND' : 'OR')];
    const ph = (v: unknown) => (params.push(v), '?');
    const where = filterSql(filters, 'p', ph);
    const from = where ? 'papers_fts join papers p on p.id = papers_fts.rowid' : 'papers_fts';
    // Common words match much of the corpus (a third of 1M papers for "learning"), and bm25() reads
    // each match's positions: rank at most SQLITE_RANK_WINDOW matches, the newest (highest ids).
    // FTS5 walks them backwards from the last id and stops there; a lower bound on the id instead
    // (rowid >= ?) costs as much as the whole doclist. bm25() still counts each word's papers once
    // per query for its idf (about 20-50 ns a paper); pb_bm25 once per connection.
    const text = `select id, score from (select papers_fts.rowid as id, -${rank} as score from ${from} where papers_fts match ?${where}
      order by papers_fts.rowid desc limit ${SQLITE_RANK_WINDOW}) order by score desc, id limit ?`;
    params.push(limit);
    return this.stmt(text).all(...params) as Hit[];
  }

  /** The window of papers with all of `terms`, ranked by bm25() over `scored` only (see run). */
  private rankByFewer(terms: string[], scored: string[], rank: string, limit: number): Hit[] {
    const ids = this.stmt(`select rowid from papers_fts where papers_fts match ? order by rowid desc limit ${SQLITE_RANK_WINDOW}`)
      .pluck()
      .all(fts5Query(terms, 'AND')) as number[];
    if (!ids.length) return [];
    const inWindow = new Set(ids);
    const edge = ids[ids.length - 1];
    const out: Hit[] = [];
    // Walking back through the papers with the scored words, down to the window's oldest paper.
    for (const h of this.stmt(`select rowid as id, -${rank} as score from papers_fts where papers_fts match ? order by rowid desc`).iterate(
      fts5Query(scored, 'AND'),
    ) as IterableIterator<Hit>) {
      if (h.id < edge) break;
      if (inWindow.has(h.id)) out.push(h);
    }
    return out.sort((a, b) => b.score - a.score || a.id - b.id).slice(0, limit);
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

  async titles(q: string, ids: number[]): Promise<TitleRows> {
    // The B-tree on lower(title) (migration 0003) and the rowids, as one OR of two index lookups. An
    // FTS5 phrase query at the title's start was tried instead of that index, to spare bulk imports
    // its random-order writes (8% of an import's CPU): it cost 14-55 ms at a million papers for titles
    // of common words, a third of the slowest searches.
    const rows = this.stmt(
      `select id, title, lower(title) = lower(@q) as exact from papers where lower(title) = lower(@q) or id in (select value from json_each(@ids))`,
    ).all({ q: q.trim(), ids: JSON.stringify(ids) }) as { id: number; title: string; exact: number }[];
    return titleRows(rows, ids);
  }
}
