// Comment rows, reports, and the papers.num_comments counter (rules in src/services/comments.ts).
// The counter counts the visible comments and changes in the same transaction as the comment.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from './schema.ts';
import type { CommentsTable } from './schema-community.ts';

export type CommentRow = Selectable<CommentsTable>;
/** A comment with its author's names. */
export type CommentWithAuthor = CommentRow & { username: string | null; display_name: string | null };

async function bump(trx: Transaction<Database>, paperId: number, delta: 1 | -1) {
  await trx
    .updateTable('papers')
    .set({ num_comments: sql<number>`num_comments + ${delta}` })
    .where('id', '=', paperId)
    .execute();
}

export class CommentStore {
  constructor(private readonly db: Kysely<Database>) {}

  byId(id: number): Promise<CommentRow | undefined> {
    return this.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Inserts a visible comment and counts it on its paper; returns its id. */
  insert(c: { paperId: number; userId: number; parentId: number | null; bodyMd: string; bodyHtml: string; createdAt: string }): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto('comments')
        .values({ paper_id: c.paperId, user_id: c.userId, parent_id: c.parentId, body_md: c.bodyMd, body_html: c.bodyHtml, created_at: c.createdAt })
        .returning('id')
        .executeTakeFirstOrThrow();
      await bump(trx, c.paperId, 1);
      return r.id;
    });
  }

  async updateBody(id: number, bodyMd: string, bodyHtml: string, editedAt: string): Promise<void> {
    await this.db.updateTable('comments').set({ body_md: bodyMd, body_html: bodyHtml, edited_at: editedAt }).where('id', '=', id).execute();
  }

  /** Soft-deletes; `counted` says whether the comment was visible (then the paper's count drops). */
  async softDelete(c: { id: number; paperId: number; counted: boolean }, at: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('comments').set({ deleted_at: at }).where('id', '=', c.id).execute();
      if (c.counted) await bump(trx, c.paperId, -1);
    });
  }

  /** Hides (resolving its reports) or shows a comment; `deleted` comments are not counted either way. */
  async setHidden(c: { id: number; paperId: number; deleted: boolean }, hide: { by: number; at: string } | null): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('comments')
        .set({ hidden_at: hide ? hide.at : null, hidden_by: hide ? hide.by : null })
        .where('id', '=', c.id)
        .execute();
      if (hide) await trx.updateTable('comment_reports').set({ resolved_at: hide.at }).where('comment_id', '=', c.id).execute();
      if (!c.deleted) await bump(trx, c.paperId, hide ? -1 : 1);
    });
  }

  /** Records a report; false when this user already reported the comment. */
  async report(commentId: number, userId: number, reason: string, at: string): Promise<boolean> {
    const ins = await this.db
      .insertInto('comment_reports')
      .values({ comment_id: commentId, user_id: userId, reason, created_at: at })
      .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doNothing())
      .returning('comment_id')
      .executeTakeFirst();
    return !!ins;
  }

  private withAuthor() {
    return this.db.selectFrom('comments as c').innerJoin('users as u', 'u.id', 'c.user_id').selectAll('c').select(['u.username', 'u.display_name']);
  }

  one(id: number): Promise<CommentWithAuthor | undefined> {
    return this.withAuthor().where('c.id', '=', id).executeTakeFirst();
  }

  /** Every comment of the paper, removed ones included, oldest first. */
  forPaper(paperId: number): Promise<CommentWithAuthor[]> {
    return this.withAuthor().where('c.paper_id', '=', paperId).orderBy('c.created_at').orderBy('c.id').execute();
  }

  /** Unresolved reports, newest first. */
  openReports(limit: number) {
    return this.db
      .selectFrom('comment_reports as r')
      .innerJoin('comments as c', 'c.id', 'r.comment_id')
      .innerJoin('papers as p', 'p.id', 'c.paper_id')
      .innerJoin('users as u', 'u.id', 'r.user_id')
      .select(['r.comment_id', 'r.reason', 'r.created_at', 'c.body_md', 'c.hidden_at', 'p.arxiv_id', 'u.username as reporter'])
      .where('r.resolved_at', 'is', null)
      .orderBy('r.created_at', 'desc')
      .limit(limit)
      .execute();
  }
}
