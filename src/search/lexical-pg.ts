// The lexical index on PostgreSQL: weighted tsvector + GIN (websearch_to_tsquery, ts_rank), pg_trgm for title typos.
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database as Schema } from '../storage/schema.ts';
import { conjunctiveFirst, filterSql, PG_RANK_WINDOW, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { queryTerms } from './text.ts';

/** At most this many papers with every word in the title, and as many other matches, are ranked for an all-words query. */
export const PG_CONJUNCTIVE_WINDOW = 500;

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
    const lim = `$${params.length}`;
    const q = `websearch_to_tsquery('english', $1)`;
    const rank = (tsv: string) => `ts_rank('{0.1, 0.2, 0.4, 1.0}', ${tsv}, ${q}, 1)`;
    const join = where ? ' join papers p on p.id = s.paper_id' : '';
    let text: string;
    if ((all || terms.length === 1) && !where) {
      // Common words match much of the corpus ("language model": 29k of 100k papers), and ts_rank
      // reads each match's tsvector (200-340 ms for 10-30k matches). Ranked instead: a window of
      // PG_CONJUNCTIVE_WINDOW matches and, when it is full (there are more), as many papers with every
      // word in the title (they score highest: weight A). Every match is ranked when there are fewer.
      const w = Math.max(PG_CONJUNCTIVE_WINDOW, limit);
      text = `with a as materialized (select paper_id as id, ${rank('tsv')} as score from paper_search where tsv @@ ${q}),
        aw as materialized (select id, score from a limit ${w}),
        t as materialized (select id from papers where to_tsvector('english', title) @@ ${q})
        select id, score from aw
        union
        select s.paper_id, ${rank('s.tsv')} from (select id from t where (select count(*) from aw) >= ${w} limit ${w}) t
          join paper_search s on s.paper_id = t.id
        order by score desc, id limit ${lim}`;
    } else {
      // Any-word queries of common words match much of the corpus (300 ms for 40k matches at 100k
      // papers): rank at most PG_RANK_WINDOW of them. The all-words query comes first
      // (conjunctiveFirst), so this only serves queries with few full matches. With filters, the
      // window holds papers that pass them, and an all-words query gets PG_CONJUNCTIVE_WINDOW of them
      // (no title-first part): ranking every match cost 100-150 ms with a filter most papers pass.
      const w = all || terms.length === 1 ? Math.max(PG_CONJUNCTIVE_WINDOW, limit) : PG_RANK_WINDOW;
      text = `with a as materialized (select s.paper_id as id, ${rank('s.tsv')} as score from paper_search s${join} where s.tsv @@ ${q}${where})
        select id, score from (select id, score from a limit ${w}) a order by score desc, id limit ${lim}`;
    }
    // The candidate sets are materialized CTEs so that the planner plans them for every match: with
    // the LIMIT inside, it often took a sequential scan that reads (and detoasts) row after row until
    // enough match (60 ms instead of 10 for 4k matches). A CTE runs lazily, so only the rows taken
    // are read and ranked; it keeps ids and scores, not the tsvectors (5,000 of them spilled to disk).
    const r = await this.pool.query<Hit>(text, params);
    return r.rows.map((h) => ({ id: Number(h.id), score: Number(h.score) }));
  }

  async titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]> {
    const s = q.trim().toLowerCase();
    if (s.length < 4) return [];
    // Titles spelled like q are about as long: the length index narrows the trigram matches (a
    // loose % match is a third of the corpus, each one read from the table: 0.9 s at 100k papers).
    // Generous bounds, since titles carry punctuation a query leaves out.
    const min = Math.floor(s.length * 0.8) - 3;
    const max = Math.ceil(s.length * 1.25) + 3;
    const r = await sql<{ id: number; title: string }>`select id, title from papers
      where length(title) between ${min} and ${max} and lower(title) operator(public.%) ${s}
      order by public.similarity(lower(title), ${s}) desc limit ${limit}`.execute(this.db);
    return r.rows;
  }

  async hasUnknownTerm(q: string): Promise<boolean> {
    const terms = queryTerms(q);
    if (!terms.length) return false;
    // One round trip for all the words. A stop word gives an empty query, which matches nothing and
    // is no typo. The condition is written twice on purpose: it halves the planner's estimate of
    // matches, so that it looks the word up in the index instead of scanning the table until a
    // row matches (the whole table, 130 ms at 100k papers, when no row does: the typo case).
    const r = await this.pool.query<{ unknown: boolean }>(
      `select exists (select 1 from unnest($1::text[]) w cross join lateral plainto_tsquery('english', w) q
        where numnode(q) > 0 and not exists (select 1 from paper_search s where s.tsv @@ q and s.tsv @@ q)) as unknown`,
      [terms],
    );
    return !!r.rows[0]?.unknown;
  }

  async exactTitle(q: string): Promise<number[]> {
    const r = await sql<{ id: number }>`select id from papers where lower(title) = lower(${q.trim()}) limit 5`.execute(this.db);
    return r.rows.map((x) => x.id);
  }
}
