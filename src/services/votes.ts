// Upvotes: one per user per paper. The vote row and the papers.upvotes counter change in one
// transaction, and only when the vote row really changed, so the count never drifts.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import { rowToPaper } from '../storage/papers.ts';
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
    private readonly db: Kysely<Database>,
    private readonly papers: PaperService,
    private readonly limiter: RateLimiter,
    private readonly perHour: number,
    private readonly now: () => Date,
  ) {}

  async set(viewer: Viewer, idOrUrl: string, up: boolean, ip: string): Promise<VoteResult> {
    const view = await this.papers.get(idOrUrl);
    await this.limiter.consume(`vote:user:${viewer.id}`, this.perHour, 3600, 'You are voting too fast.');
    await this.limiter.consume(`vote:ip:${ip}`, this.perHour * 4, 3600, 'Too many votes from your network.');
    const paperId = view.paper.id;
    const changed = await this.db.transaction().execute(async (trx) => {
      if (up) {
        const ins = await trx
          .insertInto('upvotes')
          .values({ user_id: viewer.id, paper_id: paperId, created_at: this.now().toISOString() })
          .onConflict((oc) => oc.columns(['user_id', 'paper_id']).doNothing())
          .returning('paper_id')
          .executeTakeFirst();
        if (!ins) return false;
        await trx.updateTable('papers').set({ upvotes: sql<number>`upvotes + 1` }).where('id', '=', paperId).execute();
        return true;
      }
      const del = await trx.deleteFrom('upvotes').where('user_id', '=', viewer.id).where('paper_id', '=', paperId).executeTakeFirst();
      if (Number(del.numDeletedRows) !== 1) return false;
      await trx.updateTable('papers').set({ upvotes: sql<number>`upvotes - 1` }).where('id', '=', paperId).execute();
      return true;
    });
    const after = await this.papers.get(view.paper.arxivId);
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
    const rows = await this.db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
    return new Set(rows.map((r) => r.paper_id));
  }

  /** Which of these papers the user has upvoted. */
  async hasVoted(userId: number, paperIds: number[]): Promise<Set<number>> {
    if (!paperIds.length) return new Set();
    const rows = await this.db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).where('paper_id', 'in', paperIds).execute();
    return new Set(rows.map((r) => r.paper_id));
  }

  async byUser(userId: number, limit = 100): Promise<Paper[]> {
    const rows = await this.db
      .selectFrom('upvotes as v')
      .innerJoin('papers as p', 'p.id', 'v.paper_id')
      .selectAll('p')
      .where('v.user_id', '=', userId)
      .orderBy('v.created_at', 'desc')
      .limit(limit)
      .execute();
    return rows.map(rowToPaper);
  }
}
