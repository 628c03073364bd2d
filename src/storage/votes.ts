// Upvote rows and the papers.upvotes counter (rules in src/services/votes.ts). The vote row and
// the counter change in one transaction, and only when the vote row really changed, so the count
// never drifts.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { rowToPaper } from './papers.ts';
import type { Paper } from '../domain/paper.ts';

export class VoteStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Adds the vote; false when it was there already. */
  add(userId: number, paperId: number, at: string): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const ins = await trx
        .insertInto('upvotes')
        .values({ user_id: userId, paper_id: paperId, created_at: at })
        .onConflict((oc) => oc.columns(['user_id', 'paper_id']).doNothing())
        .returning('paper_id')
        .executeTakeFirst();
      if (!ins) return false;
      await trx
        .updateTable('papers')
        .set({ upvotes: sql<number>`upvotes + 1` })
        .where('id', '=', paperId)
        .execute();
      return true;
    });
  }

  /** Removes the vote; false when there was none. */
  remove(userId: number, paperId: number): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      const del = await trx.deleteFrom('upvotes').where('user_id', '=', userId).where('paper_id', '=', paperId).executeTakeFirst();
      if (Number(del.numDeletedRows) !== 1) return false;
      await trx
        .updateTable('papers')
        .set({ upvotes: sql<number>`upvotes - 1` })
        .where('id', '=', paperId)
        .execute();
      return true;
    });
  }

  /** Ids of the papers the user upvoted most recently. */
  async recentIds(userId: number, limit: number): Promise<number[]> {
    const rows = await this.db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).orderBy('created_at', 'desc').limit(limit).execute();
    return rows.map((r) => r.paper_id);
  }

  /** Which of these papers the user has upvoted. */
  async votedAmong(userId: number, paperIds: number[]): Promise<number[]> {
    if (!paperIds.length) return [];
    const rows = await this.db.selectFrom('upvotes').select('paper_id').where('user_id', '=', userId).where('paper_id', 'in', paperIds).execute();
    return rows.map((r) => r.paper_id);
  }

  /** The user's upvoted papers, newest vote first. */
  async papersOf(userId: number, limit: number): Promise<Paper[]> {
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
