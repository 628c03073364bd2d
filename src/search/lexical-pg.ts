// The lexical index on PostgreSQL: weighted tsvector + GIN (websearch_to_tsquery; ts_rank per lexeme, idf-weighted), pg_trgm for title typos.
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { Database as Schema } from '../storage/schema.ts';
import { conjunctiveFirst, filterSql, PG_RANK_WINDOW, titleRows, type Filters, type Hit, type LexicalIndex, type LexicalList, type TitleRows } from './lexical.ts';
import { queryTerms } from './text.ts';

/** At most this many papers with every word in the title, and as many other matches, are ranked for an all-words query. */
export const PG_CONJUNCTIVE_WINDOW = 250;
/** withAllWords (more-like-this) takes the newest of at most this many matches. */
export const PG_ALL_WORDS_WINDOW = 1000;

/**
 * Scoring, BM25-like (ts_rank alone has no idf: SciFact train nDCG@10 0.56 against 0.71 for FTS5's
 * bm25): each lexeme of the query is ranked on its own (title A 1.0, abstract B 0.4, authors C 0.2,
 * length-normalised), saturated as r / (r + RANK_SATURATION) and weighted by its idf; the sum ranks.
 * Tuned on SciFact training queries.
 */
const RANK_WEIGHTS = '{0.1, 0.2, 0.4, 1.0}';
const RANK_SATURATION = 0.05;
/** Document frequencies come from the planner's statistics of paper_search.tsv (migration 0010), reread this often. */
const STATS_TTL_MS = 10 * 60_000;
const STEM_CACHE_MAX = 20_000;

interface TermStats {
  at: number;
  /** Papers (pg_class.reltuples); 0 before the first ANALYZE: every lexeme then weighs 1. */
  n: number;
  /** Fraction of papers with each of the most common lexemes. */
  freq: Map<string, number>;
  /** A lexeme outside the list is in fewer papers than the rarest listed one: half of it is assumed. */
  rare: number;
}

/**
 * The statements of every search run as named prepared statements: each connection parses a text
 * once, and PostgreSQL plans it once for all parameters (a generic plan) unless per-parameter plans
 * are cheaper. Planning the ranking statement cost 0.47 ms of its 2.1 at 100k papers. Their texts
 * vary only with the number of lexemes and the window, so each connection keeps a few dozen.
 */
function prepared(text: string, values: unknown[]): pg.QueryConfig {
  return { name: `pb_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`, text, values };
}

/** A lexeme as a tsquery literal ('...' with quotes and backslashes escaped). */
const tsLiteral = (lexeme: string) => `'${lexeme.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

export class PostgresLexical implements LexicalIndex {
  constructor(
    private readonly db: Kysely<Schema>,
    private readonly pool: pg.Pool,
  ) {}

  private stats?: Promise<TermStats>;
  private readonly stems = new Map<string, string[]>();

  private termStats(): Promise<TermStats> {
    const cur = this.stats;
    if (cur) {
      // Reread in the background once stale; the old figures serve meanwhile.
      void cur.then((s) => {
        if (Date.now() - s.at > STATS_TTL_MS && this.stats === cur) this.stats = this.loadStats().catch(() => ({ ...s, at: Date.now() }));
      });
      return cur;
    }
    const p = this.loadStats().catch((): TermStats => ({ at: Date.now(), n: 0, freq: new Map(), rare: 0 }));
    this.stats = p;
    return p;
  }

  private async loadStats(): Promise<TermStats> {
    // most_common_elem_freqs holds the lexemes' frequencies, then the lowest and highest and the null fraction.
    const r = await this.pool.query<{ n: number; lexemes: string[] | null; freqs: number[] | null }>(
      `select greatest(c.reltuples, 0)::float8 as n, s.most_common_elems::text::text[] as lexemes, s.most_common_elem_freqs::float8[] as freqs
        from pg_class c left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'paper_search' and s.attname = 'tsv'
        where c.oid = 'paper_search'::regclass`,
    );
    const row = r.rows[0];
    const freq = new Map<string, number>();
    const lexemes = row?.lexemes ?? [];
    const freqs = row?.freqs ?? [];
    for (let i = 0; i < lexemes.length; i++) freq.set(lexemes[i], Number(freqs[i]));
    const n = lexemes.length ? Number(row?.n ?? 0) : 0;
    return { at: Date.now(), n, freq, rare: lexemes.length ? Number(freqs[lexemes.length]) / 2 : 0 };
  }

  /** The query's lexemes ('english' stems, as websearch_to_tsquery makes them), cached per word. */
  private async lexemes(terms: string[]): Promise<string[]> {
    const missing = terms.filter((t) => !this.stems.has(t));
    if (missing.length) {
      const r = await this.pool.query<{ t: string; l: string[] }>(
        `select t, array(select lexeme from unnest(to_tsvector('english', t))) as l from unnest($1::text[]) t`,
        [missing],
      );
      if (this.stems.size + missing.length > STEM_CACHE_MAX) this.stems.clear();
      for (const row of r.rows) this.stems.set(row.t, row.l);
    }
    return [...new Set(terms.flatMap((t) => this.stems.get(t) ?? []))];
  }

  /** Each lexeme's idf (BM25's, from the statistics' frequencies). */
  private async weights(lexemes: string[]): Promise<number[]> {
    const s = await this.termStats();
    if (!s.n) return lexemes.map(() => 1);
    return lexemes.map((l) => {
      // reltuples is an estimate: a lexeme in every paper keeps a small positive weight.
      const df = Math.min((s.freq.get(l) ?? s.rare) * s.n, s.n);
      return Math.log((s.n - df + 0.5) / (df + 0.5) + 1);
    });
  }

  async withAllWords(q: string, limit: number): Promise<Hit[]> {
    const terms = queryTerms(q);
    if (!terms.length) return [];
    // The newest of at most PG_ALL_WORDS_WINDOW matches: each match is a heap visit (the id is not in
    // the GIN index), so common words would cost one per paper that has them.
    const r = await this.pool.query<{ id: string }>(
      `select id from (select paper_id as id from paper_search where tsv @@ websearch_to_tsquery('english', $1) limit ${PG_ALL_WORDS_WINDOW}) m
        order by id desc limit $2`,
      [terms.join(' '), limit],
    );
    return r.rows.map((h) => ({ id: Number(h.id), score: 0 }));
  }

  async rank(q: string, limit: number, filters?: Filters): Promise<LexicalList> {
    const terms = queryTerms(q);
    return conjunctiveFirst(terms, limit, (all) => this.run(terms, all, limit, filters));
  }

  /**
   * The score of a paper's tsvector, as SQL: lexeme by lexeme (see RANK_SATURATION), written out
   * without a subquery per row, w × r / (r + s) as w × (1 - s / (r + s)), so that ts_rank runs once
   * per lexeme. Its lexemes and weights go in as parameters through `ph`.
   */
  private async scorer(terms: string[], ph: (v: unknown) => string): Promise<(tsv: string) => string> {
    const lexemes = await this.lexemes(terms);
    const weights = await this.weights(lexemes);
    const lx = lexemes.map((l, i) => ({ q: `${ph(tsLiteral(l))}::tsquery`, w: `${ph(weights[i])}::float8` }));
    return (tsv) =>
      lx.length
        ? lx.map((l) => `${l.w} * (1 - ${RANK_SATURATION} / (ts_rank('${RANK_WEIGHTS}', ${tsv}, ${l.q}, 1) + ${RANK_SATURATION}))`).join(' + ')
        : '0';
  }

  async scoreIds(q: string, ids: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const terms = queryTerms(q);
    if (!terms.length || !ids.length) return out;
    const params: unknown[] = [ids];
    const rank = await this.scorer(terms, (v) => (params.push(v), `$${params.length}`));
    const r = await this.pool.query<Hit>(prepared(`select paper_id as id, ${rank('tsv')} as score from paper_search where paper_id = any($1::bigint[])`, params));
    for (const h of r.rows) out.set(Number(h.id), Number(h.score));
    return out;
  }

  private async run(terms: string[], all: boolean, limit: number, filters?: Filters): Promise<Hit[]> {
    if (!terms.length) return [];
    // websearch_to_tsquery never fails on user syntax; "or" between the words gives BM25-like recall,
    // plain spaces require every word.
    const params: unknown[] = [terms.join(all ? ' ' : ' or ')];
    const ph = (v: unknown) => (params.push(v), `$${params.length}`);
    const rank = await this.scorer(terms, ph);
    const where = filterSql(filters, 'p', ph);
    params.push(limit);
    const lim = `$${params.length}`;
    const q = `websearch_to_tsquery('english', $1)`;
    const join = where ? ' join papers p on p.id = s.paper_id' : '';
    let text: string;
    if ((all || terms.length === 1) && !where) {
      // Common words match much of the corpus ("language model": 29k of 100k papers), and ts_rank
      // reads each match's tsvector (200-340 ms for 10-30k matches). Ranked instead: the papers with
      // every word in the title (weight A: they score highest), at most PG_CONJUNCTIVE_WINDOW of
      // them; when there are fewer, a window of as many other matches too. Every match is ranked
      // when there are fewer than that. With a full title window the other matches are never read:
      // GIN has no ordered scan, so even their window cost a bitmap of every match (1-4 ms).
      const w = Math.max(PG_CONJUNCTIVE_WINDOW, limit);
      text = `with t as materialized (select id from papers where to_tsvector('english', title) @@ ${q} limit ${w}),
        a as materialized (select paper_id as id, ${rank('tsv')} as score from paper_search where tsv @@ ${q}),
        aw as materialized (select id, score from a where (select count(*) from t) < ${w} limit ${w})
        select id, score from aw
        union
        select s.paper_id, ${rank('s.tsv')} from t join paper_search s on s.paper_id = t.id
          where (select count(*) from t) >= ${w} or (select count(*) from aw) >= ${w}
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
    const r = await this.pool.query<Hit>(prepared(text, params));
    return r.rows.map((h) => ({ id: Number(h.id), score: Number(h.score) }));
  }

  async titleCandidates(q: string, limit: number): Promise<{ id: number; title: string }[]> {
    const s = q.trim().toLowerCase();
    if (s.length < 4) return [];
    // Titles that contain something spelled like q (word similarity: q against the best-matching
    // stretch of the title), so that a title typed in part or with typos in several words is found;
    // whole-string similarity needs about as long a title, and misses a title typed in part. The
    // threshold (0.45; default 0.6) lets three typos in four words through ("breking the memroy
    // barier" scores 0.53 against its title); it is set for this statement's transaction only.
    // Only asked when a word of the query is unknown to the index (a typo).
    return this.db.transaction().execute(async (trx) => {
      await sql`select set_config('pg_trgm.word_similarity_threshold', '0.45', true)`.execute(trx);
      const r = await sql<{ id: number; title: string }>`select id, title from papers
        where ${s} operator(public.<%) lower(title)
        order by public.word_similarity(${s}, lower(title)) desc, id limit ${limit}`.execute(trx);
      return r.rows.map((x) => ({ id: Number(x.id), title: x.title }));
    });
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

  async titles(q: string, ids: number[]): Promise<TitleRows> {
    // A BitmapOr of the lower(title) B-tree and the primary key.
    const r = await this.pool.query<{ id: string; title: string; exact: boolean }>(
      prepared(`select id, title, lower(title) = lower($1) as exact from papers where lower(title) = lower($1) or id = any($2::bigint[])`, [q.trim(), ids]),
    );
    return titleRows(r.rows, ids);
  }
}
