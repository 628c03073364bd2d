// Collections: named reading lists, public or private, with a note per paper.
// get(id, viewer) is what pages, the JSON API and the feeds call: a private collection is
// visible to its owner only (others get a 404, so its existence does not leak).
import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { CollectionsTable } from '../storage/schema-community.ts';
import { rowToPaper } from '../storage/papers.ts';
import type { Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import type { PaperService } from './papers.ts';

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

export interface CollectionWithItems extends Collection {
  items: { paper: Paper; note: string | null; addedAt: string }[];
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

export class Collections {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly papers: PaperService,
    private readonly now: () => Date,
  ) {}

  private base() {
    return this.db.selectFrom('collections as c').innerJoin('users as u', 'u.id', 'c.user_id').selectAll('c').select(['u.username', 'u.display_name']);
  }

  private check(name: unknown, description: unknown) {
    const n = typeof name === 'string' ? name.trim() : '';
    if (!n || n.length > 100) throw errors.badRequest('Give the collection a name of 1 to 100 characters.');
    const d = typeof description === 'string' ? description.trim().slice(0, 1000) : '';
    return { n, d: d || null };
  }

  async create(userId: number, input: { name: unknown; description?: unknown; isPublic?: boolean }): Promise<Collection> {
    const { n, d } = this.check(input.name, input.description);
    const t = this.now().toISOString();
    const r = await this.db
      .insertInto('collections')
      .values({ user_id: userId, name: n, description: d, is_public: input.isPublic ? 1 : 0, created_at: t, updated_at: t })
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.find(r.id))!;
  }

  private async find(id: number): Promise<Collection | undefined> {
    const r = await this.base().where('c.id', '=', id).executeTakeFirst();
    return r ? toCollection(r) : undefined;
  }

  /** The collection with its papers, if the viewer may see it; otherwise a 404. */
  async get(id: number, viewerId?: number | null): Promise<CollectionWithItems> {
    const c = Number.isInteger(id) ? await this.find(id) : undefined;
    if (!c || (!c.isPublic && c.owner.id !== viewerId)) throw errors.notFound('No such collection (it may be private).');
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('papers as p', 'p.id', 'i.paper_id')
      .selectAll('p')
      .select(['i.note', 'i.added_at'])
      .where('i.collection_id', '=', id)
      .orderBy('i.added_at', 'desc')
      .execute();
    return { ...c, items: rows.map((r) => ({ paper: rowToPaper(r), note: r.note, addedAt: r.added_at })) };
  }

  private async owned(userId: number, id: number): Promise<Collection> {
    const c = await this.find(id);
    if (!c) throw errors.notFound('No such collection.');
    if (c.owner.id !== userId) throw errors.forbidden('This collection belongs to someone else.');
    return c;
  }

  async update(userId: number, id: number, input: { name: unknown; description?: unknown; isPublic?: boolean }): Promise<Collection> {
    await this.owned(userId, id);
    const { n, d } = this.check(input.name, input.description);
    await this.db
      .updateTable('collections')
      .set({ name: n, description: d, is_public: input.isPublic ? 1 : 0, updated_at: this.now().toISOString() })
      .where('id', '=', id)
      .execute();
    return (await this.find(id))!;
  }

  async remove(userId: number, id: number): Promise<void> {
    await this.owned(userId, id);
    await this.db.deleteFrom('collection_items').where('collection_id', '=', id).execute();
    await this.db.deleteFrom('collections').where('id', '=', id).execute();
  }

  /** Adds a paper (or updates its note when it is already there). */
  async addPaper(userId: number, id: number, idOrUrl: string, note?: unknown): Promise<void> {
    await this.owned(userId, id);
    const view = await this.papers.get(idOrUrl);
    const n = typeof note === 'string' && note.trim() ? note.trim().slice(0, 2000) : null;
    const t = this.now().toISOString();
    await this.db
      .insertInto('collection_items')
      .values({ collection_id: id, paper_id: view.paper.id, note: n, added_at: t })
      .onConflict((oc) => oc.columns(['collection_id', 'paper_id']).doUpdateSet({ note: n }))
      .execute();
    await this.db.updateTable('collections').set({ updated_at: t }).where('id', '=', id).execute();
  }

  async removePaper(userId: number, id: number, idOrUrl: string): Promise<void> {
    await this.owned(userId, id);
    const view = await this.papers.get(idOrUrl);
    await this.db.deleteFrom('collection_items').where('collection_id', '=', id).where('paper_id', '=', view.paper.id).execute();
    await this.db.updateTable('collections').set({ updated_at: this.now().toISOString() }).where('id', '=', id).execute();
  }

  /** A user's collections (private ones only for the owner). */
  async forUser(userId: number, includePrivate: boolean): Promise<Collection[]> {
    let q = this.base()
      .select((eb) => eb.selectFrom('collection_items as i').whereRef('i.collection_id', '=', 'c.id').select(eb.fn.countAll<number>().as('n')).as('n'))
      .where('c.user_id', '=', userId);
    if (!includePrivate) q = q.where('c.is_public', '=', 1);
    const rows = await q.orderBy('c.updated_at', 'desc').execute();
    return rows.map((r) => ({ ...toCollection(r), count: Number(r.n ?? 0) }));
  }

  /** Which of the user's collections hold this paper. */
  async containing(userId: number, paperId: number): Promise<Set<number>> {
    const rows = await this.db
      .selectFrom('collection_items as i')
      .innerJoin('collections as c', 'c.id', 'i.collection_id')
      .select('c.id')
      .where('c.user_id', '=', userId)
      .where('i.paper_id', '=', paperId)
      .execute();
    return new Set(rows.map((r) => r.id));
  }

  /** Public collections with at least one paper, most recently changed first. */
  async publicList(limit = 50, offset = 0): Promise<Collection[]> {
    const rows = await this.base()
      .select((eb) => eb.selectFrom('collection_items as i').whereRef('i.collection_id', '=', 'c.id').select(eb.fn.countAll<number>().as('n')).as('n'))
      .where('c.is_public', '=', 1)
      .where((eb) => eb.exists(eb.selectFrom('collection_items as i').select('i.paper_id').whereRef('i.collection_id', '=', 'c.id')))
      .orderBy('c.updated_at', 'desc')
      .orderBy('c.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map((r) => ({ ...toCollection(r), count: Number(r.n ?? 0) }));
  }

  /** The user's private "Reading list", made on first use: where one-click saves go. */
  async readingList(userId: number): Promise<Collection> {
    const mine = await this.forUser(userId, true);
    const found = mine.find((c) => c.name === READING_LIST) ?? (mine.length === 1 ? mine[0] : undefined);
    return found ?? this.create(userId, { name: READING_LIST, description: 'Papers saved to read later.', isPublic: false });
  }
}

export const READING_LIST = 'Reading list';
