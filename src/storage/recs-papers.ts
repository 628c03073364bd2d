// Queries of the recommender over papers: candidates and their texts (for features), stored
// embeddings, papers by followed authors or chosen categories (cold start), random papers (the
// negatives a reader passed over), and the parts of the worker's precomputed candidate pools.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { authorKey } from '../domain/paper.ts';
import { fromBytes } from '../search/embedders/types.ts';
import { parseList } from './recs.ts';

/** A paper with what features and reasons need (no abstract HTML, no versions). */
export interface CandidateRow {
  id: number;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  day: string;
}

/** Largest part of a stored pool (bytes): one read of a part holds a web process's loop briefly. */
export const POOL_PART_BYTES = 1 << 20;

export class RecPaperStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The newest papers by any of these authors. */
  async papersByAuthors(names: string[], limit: number): Promise<number[]> {
    const keys = [...new Set(names.map(authorKey))].filter(Boolean);
    if (!keys.length) return [];
    const rows = await this.db
      .selectFrom('authors as a')
      .innerJoin('paper_authors as pa', 'pa.author_id', 'a.id')
      .innerJoin('papers as p', 'p.id', 'pa.paper_id')
      .select('p.id')
      .where('a.name_key', 'in', keys)
      .orderBy('p.published_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute();
    return [...new Set(rows.map((r) => r.id))];
  }

  /** The most upvoted recent papers of these categories (cold start from categories). */
  async papersInCategories(categories: string[], limit: number): Promise<number[]> {
    if (!categories.length) return [];
    const rows = await this.db
      .selectFrom('paper_categories as c')
      .innerJoin('papers as p', 'p.id', 'c.paper_id')
      .select('p.id')
      .where('c.category', 'in', categories)
      .orderBy('p.published_at', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit * 5)
      .execute();
    return [...new Set(rows.map((r) => r.id))].slice(0, limit);
  }

  /** About `n` random paper ids (negatives the reader passed over), none of `exclude`. */
  async randomPapers(n: number, exclude: Set<number>, seed = Date.now()): Promise<number[]> {
    const r = await this.db
      .selectFrom('papers')
      .select((eb) => [eb.fn.min('id').as('lo'), eb.fn.max('id').as('hi')])
      .executeTakeFirst();
    const lo = Number(r?.lo ?? 0);
    const hi = Number(r?.hi ?? 0);
    if (!hi) return [];
    let s = seed >>> 0 || 1;
    const want = new Set<number>();
    for (let t = 0; t < n * 2 && want.size < n * 2; t++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      want.add(lo + ((s >>> 0) % (hi - lo + 1)));
    }
    const out: number[] = [];
    const ids = [...want];
    for (let i = 0; i < ids.length && out.length < n; i += 500) {
      const rows = await this.db
        .selectFrom('papers')
        .select('id')
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const row of rows) if (!exclude.has(row.id) && out.length < n) out.push(row.id);
    }
    return out;
  }

  /** Title, abstract, authors and categories of papers (for features). */
  async texts(ids: number[]): Promise<Map<number, CandidateRow>> {
    const out = new Map<number, CandidateRow>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('papers')
        .select(['id', 'title', 'abstract', 'authors_json', 'categories_json', 'published_at'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows)
        out.set(r.id, {
          id: r.id,
          title: r.title,
          abstract: r.abstract,
          authors: parseList<string>(r.authors_json),
          categories: parseList<string>(r.categories_json),
          day: (r.published_at ?? '').slice(0, 10),
        });
    }
    return out;
  }

  /** Titles of papers (a recommendation's reason names one). */
  async titles(ids: number[]): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('papers')
        .select(['id', 'title'])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.id, r.title);
    }
    return out;
  }

  /** The papers listed between two days (the daily list's days), newest day first. */
  async listed(from: string, to: string, limit: number): Promise<CandidateRow[]> {
    const rows = await this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .select(['p.id', 'p.title', 'p.abstract', 'p.authors_json', 'p.categories_json', 'd.day'])
      .where('d.day', '>=', from)
      .where('d.day', '<=', to)
      .orderBy('d.day', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      abstract: r.abstract,
      authors: parseList<string>(r.authors_json),
      categories: parseList<string>(r.categories_json),
      day: r.day,
    }));
  }

  /** Stored embeddings of papers from one embedder. */
  async vectors(ids: number[], embedder: string): Promise<Map<number, Float32Array>> {
    const out = new Map<number, Float32Array>();
    if (!embedder) return out;
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('paper_vectors')
        .select(['paper_id', 'vector'])
        .where('embedder', '=', embedder)
        .where('paper_id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.paper_id, fromBytes(r.vector as Uint8Array));
    }
    return out;
  }

  /** What a window's listing is made of (papers, highest id): a pool is rebuilt when this changes. */
  async listedStamp(from: string, to: string): Promise<string> {
    const r = await this.db
      .selectFrom('daily_entries')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.max('paper_id').as('hi')])
      .where('day', '>=', from)
      .where('day', '<=', to)
      .executeTakeFirst();
    return `${Number(r?.n ?? 0)}.${Number(r?.hi ?? 0)}`;
  }

  /** Stores an encoded pool under its name, in parts. */
  async savePool(pool: string, data: Buffer): Promise<number> {
    let part = 0;
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('rec_pool_parts').where('pool', '=', pool).execute();
      for (let o = 0; o < data.length || part === 0; o += POOL_PART_BYTES, part++)
        await trx
          .insertInto('rec_pool_parts')
          .values({ pool, part, data: data.subarray(o, o + POOL_PART_BYTES) })
          .execute();
    });
    return part;
  }

  /** One part of a stored pool (undefined when that pool is gone). */
  async poolPart(pool: string, part: number): Promise<Uint8Array | undefined> {
    const r = await this.db.selectFrom('rec_pool_parts').select('data').where('pool', '=', pool).where('part', '=', part).executeTakeFirst();
    return r?.data as Uint8Array | undefined;
  }

  /** Deletes the stored pools of a window except the one named. */
  async prunePools(window: string, keep: string): Promise<void> {
    await this.db.deleteFrom('rec_pool_parts').where('pool', 'like', `${window}:%`).where('pool', '!=', keep).execute();
  }
}
