// Queries of the recommender ("For you"): stored reader models, the reader's signals (upvotes,
// saved papers, followed authors, "not interested", cold-start choices), candidate papers with
// their stored embeddings, and private feed tokens.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { RecModelsTable } from './schema-recs.ts';
import { authorKey } from '../domain/paper.ts';
import { fromBytes } from '../search/embedders/types.ts';

export type ModelRow = Selectable<RecModelsTable>;

export interface Profile {
  categories: string[];
  authors: string[];
  seeds: number[];
  updatedAt: string | null;
}

/** A candidate paper with what scoring needs (no abstract HTML, no versions). */
export interface CandidateRow {
  id: number;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  day: string;
  /** Upvotes the source (HF) reported for the listing, added to local votes when shown. */
  sourceUpvotes: number;
}

const parseList = <T>(s: string | null | undefined): T[] => {
  try {
    const v = s ? (JSON.parse(s) as unknown) : [];
    return Array.isArray(v) ? (v as T[]) : [];
  } catch {
    return [];
  }
};

export class RecStore {
  constructor(private readonly db: Kysely<Database>) {}

  model(userId: number): Promise<ModelRow | undefined> {
    return this.db.selectFrom('rec_models').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  /** When the stored model was trained through, without reading its weights. */
  async modelStamp(userId: number): Promise<{ signals_at: string; trained_at: string } | undefined> {
    return this.db.selectFrom('rec_models').select(['signals_at', 'trained_at']).where('user_id', '=', userId).executeTakeFirst();
  }

  async saveModel(row: ModelRow): Promise<void> {
    const { user_id: _id, ...rest } = row;
    await this.db
      .insertInto('rec_models')
      .values(row)
      .onConflict((oc) => oc.column('user_id').doUpdateSet(rest))
      .execute();
  }

  async saveModels(rows: ModelRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 200)
      await this.db
        .insertInto('rec_models')
        .values(rows.slice(i, i + 200))
        .execute();
  }

  async countModels(): Promise<number> {
    const r = await this.db
      .selectFrom('rec_models')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** The newest signal of a reader ('' when none): upvote, saved paper, dismissal or cold-start choice. */
  async signalsAt(userId: number): Promise<string> {
    const r = await this.db
      .selectNoFrom((eb) => [
        eb
          .selectFrom('upvotes')
          .select((e) => e.fn.max('created_at').as('t'))
          .where('user_id', '=', userId)
          .as('up'),
        eb
          .selectFrom('collection_items as i')
          .innerJoin('collections as c', 'c.id', 'i.collection_id')
          .select((e) => e.fn.max('i.added_at').as('t'))
          .where('c.user_id', '=', userId)
          .as('saved'),
        eb
          .selectFrom('rec_dismissals')
          .select((e) => e.fn.max('created_at').as('t'))
          .where('user_id', '=', userId)
          .as('dis'),
        eb.selectFrom('rec_profiles').select('updated_at').where('user_id', '=', userId).as('prof'),
      ])
      .executeTakeFirst();
    const all = [r?.up, r?.saved, r?.dis, r?.prof].filter((x): x is string => typeof x === 'string');
    return all.sort().pop() ?? '';
  }

  /** The reader's newest upvotes (paper id, time), newest first. */
  upvotes(userId: number, limit = 200): Promise<{ paper_id: number; created_at: string }[]> {
    return this.db.selectFrom('upvotes').select(['paper_id', 'created_at']).where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
  }

  async saved(userId: number, limit = 200): Promise<number[]> {
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('collections as c', 'c.id', 'i.collection_id')
      .select('i.paper_id')
      .where('c.user_id', '=', userId)
      .orderBy('i.added_at', 'desc')
      .limit(limit)
      .execute();
    return [...new Set(rows.map((r) => r.paper_id))];
  }

  async dismissed(userId: number, limit = 1000): Promise<number[]> {
    const rows = await this.db
      .selectFrom('rec_dismissals')
      .select('paper_id')
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => r.paper_id);
  }

  /** Papers the reader must never be recommended again: upvoted or dismissed. */
  async excluded(userId: number): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('upvotes')
      .select('paper_id')
      .where('user_id', '=', userId)
      .unionAll(this.db.selectFrom('rec_dismissals').select('paper_id').where('user_id', '=', userId))
      .execute();
    return new Set(rows.map((r) => r.paper_id));
  }

  async dismiss(userId: number, paperId: number, at: string): Promise<boolean> {
    const r = await this.db
      .insertInto('rec_dismissals')
      .values({ user_id: userId, paper_id: paperId, created_at: at })
      .onConflict((oc) => oc.columns(['user_id', 'paper_id']).doNothing())
      .returning('paper_id')
      .executeTakeFirst();
    return !!r;
  }

  async undismiss(userId: number, paperId: number): Promise<boolean> {
    const r = await this.db.deleteFrom('rec_dismissals').where('user_id', '=', userId).where('paper_id', '=', paperId).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async profile(userId: number): Promise<Profile> {
    const r = await this.db.selectFrom('rec_profiles').selectAll().where('user_id', '=', userId).executeTakeFirst();
    return {
      categories: parseList<string>(r?.categories_json),
      authors: parseList<string>(r?.authors_json),
      seeds: parseList<number>(r?.seeds_json).filter((n) => Number.isInteger(n)),
      updatedAt: r?.updated_at ?? null,
    };
  }

  async saveProfile(userId: number, p: Omit<Profile, 'updatedAt'>, at: string): Promise<void> {
    const values = {
      categories_json: JSON.stringify(p.categories),
      authors_json: JSON.stringify(p.authors),
      seeds_json: JSON.stringify(p.seeds),
      updated_at: at,
    };
    await this.db
      .insertInto('rec_profiles')
      .values({ user_id: userId, ...values })
      .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
      .execute();
  }

  /** Authors the reader follows: chosen on the "For you" screen, or in a confirmed digest subscription. */
  async followedAuthors(userId: number): Promise<string[]> {
    const prof = await this.profile(userId);
    const subs = await this.db
      .selectFrom('digest_subscribers')
      .select('authors_json')
      .where('user_id', '=', userId)
      .where('status', '=', 'confirmed')
      .execute();
    const names = [...prof.authors, ...subs.flatMap((s) => parseList<string>(s.authors_json))];
    return [...new Map(names.map((n) => [authorKey(n), n])).values()].slice(0, 100);
  }

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
          sourceUpvotes: 0,
        });
    }
    return out;
  }

  /** The papers listed between two days (the daily list's days), newest day first. */
  async listed(from: string, to: string, limit: number): Promise<CandidateRow[]> {
    const rows = await this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .select(['p.id', 'p.title', 'p.abstract', 'p.authors_json', 'p.categories_json', 'd.day', 'd.source_upvotes'])
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
      sourceUpvotes: Number(r.source_upvotes),
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

  /** The readers who have any signal, for a bulk retrain (e.g. after the embedder changed). */
  async readersWithSignals(limit = 100_000): Promise<number[]> {
    const rows = await this.db
      .selectFrom('upvotes')
      .select('user_id')
      .union(this.db.selectFrom('rec_profiles').select('user_id'))
      .union(this.db.selectFrom('collections').select('user_id'))
      .limit(limit)
      .execute();
    return rows.map((r) => r.user_id);
  }

  async createFeedToken(userId: number, tokenHash: string, at: string): Promise<void> {
    await this.db.insertInto('rec_feed_tokens').values({ user_id: userId, token_hash: tokenHash, created_at: at, revoked_at: null }).execute();
  }

  async revokeFeedTokens(userId: number, at: string): Promise<number> {
    const r = await this.db
      .updateTable('rec_feed_tokens')
      .set({ revoked_at: at })
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async hasFeedToken(userId: number): Promise<boolean> {
    const r = await this.db.selectFrom('rec_feed_tokens').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return !!r;
  }

  async userByFeedToken(tokenHash: string): Promise<number | undefined> {
    const r = await this.db
      .selectFrom('rec_feed_tokens')
      .select('user_id')
      .where('token_hash', '=', tokenHash)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r?.user_id;
  }
}
