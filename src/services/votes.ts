// Upvotes: one per user per paper, rate-limited. The counter's bookkeeping is the store's
// (src/storage/votes.ts): it changes in one transaction with the vote row.
import type { VoteStore } from '../storage/votes.ts';
import type { Paper } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import type { PaperService } from './papers.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Viewer } from './accounts.ts';

export interface VoteResult {
  arxivId: string;
  upvoted: boolean;
  /** Displayed count: local votes plus those the source (HF) reported. */
  upvotes: number;
  /** False when the request changed nothing (already upvoted / not upvoted). */
  changed: boolean;
}

export class Votes {
  constructor(
    private readonly store: VoteStore,
    private readonly papers: PaperService,
    private readonly limiter: RateLimiter,
    private readonly perHour: number,
    private readonly now: () => Date,
    /** Told after a vote changed (the For you retraining); its failure never undoes the vote. */
    private readonly afterChange: (userId: number) => Promise<void> = async () => {},
  ) {}

  async set(viewer: Viewer, idOrUrl: string, up: boolean, ip: string): Promise<VoteResult> {
    const view = await this.papers.get(idOrUrl);
    await this.limiter.consume(`vote:user:${viewer.id}`, this.perHour, 3600, 'You are voting too fast.');
    await this.limiter.consume(`vote:ip:${ip}`, this.perHour * 4, 3600, 'Too many votes from your network.');
    const paperId = view.paper.id;
    const changed = up ? await this.store.add(viewer.id, paperId, this.now().toISOString()) : await this.store.remove(viewer.id, paperId);
    const after = await this.papers.get(view.paper.arxivId);
    if (changed) await this.afterChange(viewer.id).catch(() => undefined);
    return { arxivId: view.paper.arxivId, upvoted: up, upvotes: after.upvotes, changed };
  }

  /** API semantics: a second upvote (or removing a missing one) is a 409. */
  async setStrict(viewer: Viewer, idOrUrl: string, up: boolean, ip: string): Promise<VoteResult> {
    const r = await this.set(viewer, idOrUrl, up, ip);
    if (!r.changed) throw errors.conflict(up ? 'You have already upvoted this paper.' : 'You have not upvoted this paper.');
    return r;
  }

  async toggle(viewer: Viewer, idOrUrl: string, ip: string): Promise<VoteResult> {
    const view = await this.papers.get(idOrUrl);
    const voted = await this.hasVoted(viewer.id, [view.paper.id]);
    return this.set(viewer, view.paper.arxivId, !voted.has(view.paper.id), ip);
  }

  /** The papers the user upvoted most recently (the pages' pressed ▲). */
  async recentIds(userId: number, limit: number): Promise<Set<number>> {
    return new Set(await this.store.recentIds(userId, limit));
  }

  /** Which of these papers the user has upvoted. */
  async hasVoted(userId: number, paperIds: number[]): Promise<Set<number>> {
    return new Set(await this.store.votedAmong(userId, paperIds));
  }

  async byUser(userId: number, limit = 100): Promise<Paper[]> {
    return this.store.papersOf(userId, limit);
  }
}
