// The lexical index on PostgreSQL: weighted tsvector + GIN (websearch_to_tsquery, ts_rank), pg_trgm for title typos.
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database as Schema } from '../storage/schema.ts';
import { conjunctiveFirst, filterSql, PG_RANK_WINDOW, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { queryTerms } from './text.ts';

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
