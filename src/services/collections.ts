// Collections: named reading lists, public or private, with a note per paper.
// get(id, viewer) is what pages, the JSON API and the feeds call: a private collection is
// visible to its owner only (others get a 404, so its existence does not leak).
import type { Collection, CollectionItem, CollectionStore } from '../storage/collections.ts';
import { errors } from '../domain/errors.ts';
import type { PaperService } from './papers.ts';

export type { Collection } from '../storage/collections.ts';

export interface CollectionWithItems extends Collection {
  items: CollectionItem[];
}

export class Collections {
  constructor(
    private readonly store: CollectionStore,
    private readonly papers: PaperService,
    private readonly now: () => Date,
  ) {}

  private check(name: unknown, description: unknown) {
    const n = typeof name === 'string' ? name.trim() : '';
    if (!n || n.length > 100) throw errors.badRequest('Give the collection a name of 1 to 100 characters.');
    const d = typeof description === 'string' ? description.trim().slice(0, 1000) : '';
    return { n, d: d || null };
  }

  async create(userId: number, input: { name: unknown; description?: unknown; isPublic?: boolean }): Promise<Collection> {
    const { n, d } = this.check(input.name, input.description);
    const t = this.now().toISOString();
    const id = await this.store.insert({ userId, name: n, description: d, isPublic: !!input.isPublic, at: t });
    return (await this.find(id))!;
  }

  private find(id: number): Promise<Collection | undefined> {
    return this.store.find(id);
  }

  /** The collection with its papers, if the viewer may see it; otherwise a 404. */
  async get(id: number, viewerId?: number | null): Promise<CollectionWithItems> {
    const c = Number.isInteger(id) ? await this.find(id) : undefined;
    if (!c || (!c.isPublic && c.owner.id !== viewerId)) throw errors.notFound('No such collection (it may be private).');
    return { ...c, items: await this.store.items(id) };
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
    await this.store.update(id, { name: n, description: d, isPublic: !!input.isPublic, at: this.now().toISOString() });
    return (await this.find(id))!;
  }

  async remove(userId: number, id: number): Promise<void> {
    await this.owned(userId, id);
    await this.store.delete(id);
  }

  /** Adds a paper (or updates its note when it is already there). */
  async addPaper(userId: number, id: number, idOrUrl: string, note?: unknown): Promise<void> {
    await this.owned(userId, id);
    const view = await this.papers.get(idOrUrl);
    const n = typeof note === 'string' && note.trim() ? note.trim().slice(0, 2000) : null;
    const t = this.now().toISOString();
    await this.store.putItem(id, view.paper.id, n, t);
  }

  async removePaper(userId: number, id: number, idOrUrl: string): Promise<void> {
    await this.owned(userId, id);
    const view = await this.papers.get(idOrUrl);
    await this.store.deleteItem(id, view.paper.id, this.now().toISOString());
  }

  /** A user's collections (private ones only for the owner). */
  async forUser(userId: number, includePrivate: boolean): Promise<Collection[]> {
    return this.store.ofUser(userId, includePrivate);
  }

  /** Which of the user's collections hold this paper. */
  async containing(userId: number, paperId: number): Promise<Set<number>> {
    return new Set(await this.store.containing(userId, paperId));
  }

  /** Public collections with at least one paper, most recently changed first. */
  async publicList(limit = 50, offset = 0): Promise<Collection[]> {
    return this.store.publicNonEmpty(limit, offset);
  }

  /** The user's private "Reading list", made on first use: where one-click saves go. */
  async readingList(userId: number): Promise<Collection> {
    const mine = await this.forUser(userId, true);
    const found = mine.find((c) => c.name === READING_LIST) ?? (mine.length === 1 ? mine[0] : undefined);
    return found ?? this.create(userId, { name: READING_LIST, description: 'Papers saved to read later.', isPublic: false });
  }
}

export const READING_LIST = 'Reading list';
