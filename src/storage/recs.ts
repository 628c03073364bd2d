// Queries of the recommender ("For you"): stored reader models, the reader's signals (saved
// papers, followed authors, "not interested", cold-start choices, the newest of them all), and
// private feed tokens. The reader's upvotes come from the votes' own query (src/services/votes.ts);
// papers, candidates and pools are in src/storage/recs-papers.ts.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { RecModelsTable } from './schema-recs.ts';
import { authorKey } from '../domain/paper.ts';

export type ModelRow = Selectable<RecModelsTable>;

export interface Profile {
  categories: string[];
  authors: string[];
  seeds: number[];
  updatedAt: string | null;
}

export const parseList = <T>(s: string | null | undefined): T[] => {
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
