// Author claims: a user says "I am this author of this paper"; a curator approves or rejects.
// Approved claims list the papers on the user's profile.
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { rowToPaper } from '../storage/papers.ts';
import { authorKey, type Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import type { PaperService } from './papers.ts';
import { isCurator, type Viewer } from './accounts.ts';
import type { AuditLog } from './audit.ts';

export interface Claim {
  id: number;
  userId: number;
  username: string | null;
  arxivId: string;
  title: string;
  authorName: string;
  status: 'pending' | 'approved' | 'rejected';
  createdAt: string;
}

export class Claims {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly papers: PaperService,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  async claim(viewer: Viewer, idOrUrl: string, authorName: unknown): Promise<Claim> {
    const view = await this.papers.get(idOrUrl);
    const key = authorKey(String(authorName ?? ''));
    const name = view.paper.authors.find((a) => authorKey(a) === key);
    if (!key || !name) throw errors.badRequest(`"${String(authorName ?? '').slice(0, 100)}" is not an author of ${view.paper.arxivId}.`);
    const taken = await this.db
      .selectFrom('author_claims')
      .select(['user_id', 'status'])
      .where('paper_id', '=', view.paper.id)
      .where('author_name', '=', name)
      .where('status', '!=', 'rejected')
      .executeTakeFirst();
    if (taken) throw errors.conflict(taken.user_id === viewer.id ? 'You have already claimed this authorship.' : `${name} on this paper is already claimed by another user.`);
    const r = await this.db
      .insertInto('author_claims')
      .values({ user_id: viewer.id, paper_id: view.paper.id, author_name: name, status: 'pending', created_at: this.now().toISOString() })
      .onConflict((oc) => oc.columns(['paper_id', 'author_name', 'user_id']).doUpdateSet({ status: 'pending', decided_at: null, decided_by: null }))
      .returning('id')
      .executeTakeFirstOrThrow();
    return (await this.byId(r.id))!;
  }

  async decide(viewer: Viewer, id: number, approve: boolean): Promise<Claim> {
    if (!isCurator(viewer)) throw errors.forbidden('Only curators can decide author claims.');
    const c = await this.byId(id);
    if (!c) throw errors.notFound('No such claim.');
    if (c.status !== 'pending') throw errors.conflict(`This claim was already ${c.status}.`);
    const status = approve ? 'approved' : 'rejected';
    await this.db
      .updateTable('author_claims')
      .set({ status, decided_at: this.now().toISOString(), decided_by: viewer.id })
      .where('id', '=', id)
      .execute();
    await this.audit.record(viewer.id, `claim.${approve ? 'approve' : 'reject'}`, 'author_claim', id, { arxivId: c.arxivId, author: c.authorName, user: c.username });
    return (await this.byId(id))!;
  }

  private base() {
    return this.db
      .selectFrom('author_claims as a')
      .innerJoin('papers as p', 'p.id', 'a.paper_id')
      .innerJoin('users as u', 'u.id', 'a.user_id')
      .select(['a.id', 'a.user_id', 'u.username', 'p.arxiv_id', 'p.title', 'a.author_name', 'a.status', 'a.created_at']);
  }

  private toClaim(r: {
    id: number;
    user_id: number;
    username: string | null;
    arxiv_id: string;
    title: string;
    author_name: string;
    status: string;
    created_at: string;
  }): Claim {
    return {
      id: r.id,
      userId: r.user_id,
      username: r.username,
      arxivId: r.arxiv_id,
      title: r.title,
      authorName: r.author_name,
      status: r.status as Claim['status'],
      createdAt: r.created_at,
    };
  }

  async byId(id: number): Promise<Claim | undefined> {
    const r = await this.base().where('a.id', '=', id).executeTakeFirst();
    return r ? this.toClaim(r) : undefined;
  }

  async pending(limit = 100): Promise<Claim[]> {
    return (await this.base().where('a.status', '=', 'pending').orderBy('a.created_at').limit(limit).execute()).map((r) => this.toClaim(r));
  }

  async forUser(userId: number): Promise<Claim[]> {
    return (await this.base().where('a.user_id', '=', userId).orderBy('a.created_at', 'desc').execute()).map((r) => this.toClaim(r));
  }

  async claimedPapers(userId: number): Promise<Paper[]> {
    const rows = await this.db
      .selectFrom('author_claims as a')
      .innerJoin('papers as p', 'p.id', 'a.paper_id')
      .selectAll('p')
      .where('a.user_id', '=', userId)
      .where('a.status', '=', 'approved')
      .orderBy('p.published_at', 'desc')
      .execute();
    return rows.map(rowToPaper);
  }
}
