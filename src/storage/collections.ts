// Collections' rows: named reading lists and their items (rules in src/services/collections.ts).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { CollectionsTable } from './schema-community.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';

export interface Collection {
  id: number;
  name: string;
  description: string | null;
  isPublic: boolean;
  owner: { id: number; username: string | null; displayName: string | null };
  createdAt: string;
  updatedAt: string;
  count?: number;
}

export interface CollectionItem {
  paper: Paper;
  note: string | null;
  addedAt: string;
}

type Row = Selectable<CollectionsTable> & { username: string | null; display_name: string | null };

const toCollection = (r: Row): Collection => ({
  id: r.id,
  name: r.name,
  description: r.description,
  isPublic: r.is_public === 1,
  owner: { id: r.user_id, username: r.username, displayName: r.display_name },
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export class CollectionStore {
  constructor(private readonly db: Kysely<Database>) {}

  private base() {
    return this.db.selectFrom('collections as c').innerJoin('users as u', 'u.id', 'c.user_id').selectAll('c').select(['u.username', 'u.display_name']);
  }

  private withCount() {
    return this.base().select((eb) =>
      eb.selectFrom('collection_items as i').whereRef('i.collection_id', '=', 'c.id').select(eb.fn.countAll<number>().as('n')).as('n'),
    );
  }

  async insert(c: { userId: number; name: string; description: string | null; isPublic: boolean; at: string }): Promise<number> {
    const r = await this.db
      .insertInto('collections')
      .values({ user_id: c.userId, name: c.name, description: c.description, is_public: c.isPublic ? 1 : 0, created_at: c.at, updated_at: c.at })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  async find(id: number): Promise<Collection | undefined> {
    const r = await this.base().where('c.id', '=', id).executeTakeFirst();
    return r ? toCollection(r) : undefined;
  }

  /** The collection's papers, newest addition first. */
  async items(id: number): Promise<CollectionItem[]> {
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('papers as p', 'p.id', 'i.paper_id')
      .selectAll('p')
      .select(['i.note', 'i.added_at'])
      .where('i.collection_id', '=', id)
      .orderBy('i.added_at', 'desc')
      .execute();
    return rows.map((r) => ({ paper: rowToPaper(r), note: r.note, addedAt: r.added_at }));
  }

  async update(id: number, c: { name: string; description: string | null; isPublic: boolean; at: string }): Promise<void> {
    await this.db
      .updateTable('collections')
      .set({ name: c.name, description: c.description, is_public: c.isPublic ? 1 : 0, updated_at: c.at })
      .where('id', '=', id)
      .execute();
  }

  async delete(id: number): Promise<void> {
    await this.db.deleteFrom('collection_items').where('collection_id', '=', id).execute();
    await this.db.deleteFrom('collections').where('id', '=', id).execute();
  }

  /** Adds the paper, or replaces its note when it is there already; the collection counts as changed. */
  async putItem(id: number, paperId: number, note: string | null, at: string): Promise<void> {
    await this.db
      .insertInto('collection_items')
      .values({ collection_id: id, paper_id: paperId, note, added_at: at })
      .onConflict((oc) => oc.columns(['collection_id', 'paper_id']).doUpdateSet({ note }))
      .execute();
    await this.db.updateTable('collections').set({ updated_at: at }).where('id', '=', id).execute();
  }

  async deleteItem(id: number, paperId: number, at: string): Promise<void> {
    await this.db.deleteFrom('collection_items').where('collection_id', '=', id).where('paper_id', '=', paperId).execute();
    await this.db.updateTable('collections').set({ updated_at: at }).where('id', '=', id).execute();
  }

  /** A user's collections with their sizes, most recently changed first. */
  async ofUser(userId: number, includePrivate: boolean): Promise<Collection[]> {
    let q = this.withCount().where('c.user_id', '=', userId);
    if (!includePrivate) q = q.where('c.is_public', '=', 1);
    const rows = await q.orderBy('c.updated_at', 'desc').execute();
    return rows.map((r) => ({ ...toCollection(r), count: Number(r.n ?? 0) }));
  }

  /** Ids of the user's collections holding this paper. */
  async containing(userId: number, paperId: number): Promise<number[]> {
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('collections as c', 'c.id', 'i.collection_id')
      .select('c.id')
      .where('c.user_id', '=', userId)
      .where('i.paper_id', '=', paperId)
      .execute();
    return rows.map((r) => r.id);
  }

  /** Public collections with at least one paper, most recently changed first. */
  async publicNonEmpty(limit: number, offset: number): Promise<Collection[]> {
    const rows = await this.withCount()
      .where('c.is_public', '=', 1)
      .where((eb) => eb.exists(eb.selectFrom('collection_items as i').select('i.paper_id').whereRef('i.collection_id', '=', 'c.id')))
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({ ...toCollection(r), count: Number(r.n ?? 0) }));
  }
}
