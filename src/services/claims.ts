// Author claims: a user says "I am this author of this paper"; a curator approves or rejects.
// Approved claims list the papers on the user's profile. The rows live in src/storage/claims.ts.
import { authorKey, type Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import type { Claim, ClaimStore } from '../storage/claims.ts';
import type { PaperService } from './papers.ts';
import { isCurator, type Viewer } from './accounts.ts';
import type { AuditLog } from './audit.ts';

export type { Claim } from '../storage/claims.ts';

export class Claims {
  constructor(
    private readonly store: ClaimStore,
    private readonly papers: PaperService,
    private readonly audit: AuditLog,
    private readonly now: () => Date,
  ) {}

  async claim(viewer: Viewer, idOrUrl: string, authorName: unknown): Promise<Claim> {
    const view = await this.papers.get(idOrUrl);
    const key = authorKey(String(authorName ?? ''));
    const name = view.paper.authors.find((a) => authorKey(a) === key);
    if (!key || !name) throw errors.badRequest(`"${String(authorName ?? '').slice(0, 100)}" is not an author of ${view.paper.arxivId}.`);
    const taken = await this.store.active(view.paper.id, name);
    if (taken)
      throw errors.conflict(
        taken.userId === viewer.id ? 'You have already claimed this authorship.' : `${name} on this paper is already claimed by another user.`,
      );
    const id = await this.store.file(viewer.id, view.paper.id, name, this.now().toISOString());
    return (await this.byId(id))!;
  }

  async decide(viewer: Viewer, id: number, approve: boolean): Promise<Claim> {
    if (!isCurator(viewer)) throw errors.forbidden('Only curators can decide author claims.');
    const c = await this.byId(id);
    if (!c) throw errors.notFound('No such claim.');
    if (c.status !== 'pending') throw errors.conflict(`This claim was already ${c.status}.`);
    await this.store.decide(id, approve ? 'approved' : 'rejected', viewer.id, this.now().toISOString());
    await this.audit.record(viewer.id, `claim.${approve ? 'approve' : 'reject'}`, 'author_claim', id, {
      arxivId: c.arxivId,
      author: c.authorName,
      user: c.username,
    });
    return (await this.byId(id))!;
  }

  byId(id: number): Promise<Claim | undefined> {
    return this.store.byId(id);
  }

  pending(limit = 100): Promise<Claim[]> {
    return this.store.pending(limit);
  }

  forUser(userId: number): Promise<Claim[]> {
    return this.store.forUser(userId);
  }

  claimedPapers(userId: number): Promise<Paper[]> {
    return this.store.claimedPapers(userId);
  }
}
