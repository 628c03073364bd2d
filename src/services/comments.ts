// Comments on papers: Markdown rendered once and stored sanitised, replies one level deep,
// edits within a window, soft delete, reports, and curator hiding. papers.num_comments counts
// the visible ones and changes in the same transaction as the comment.
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { CommentsTable } from '../storage/schema-community.ts';
import { errors } from '../domain/errors.ts';
import type { PaperService } from './papers.ts';
import type { RateLimiter } from './rate-limit.ts';
import { isCurator, type Viewer } from './accounts.ts';
import type { AuditLog } from './audit.ts';
import { renderMarkdown } from './markdown.ts';

export interface CommentView {
  id: number;
  paperId: number;
  parentId: number | null;
  author: { id: number; username: string | null; displayName: string | null };
  /** Sanitised HTML; empty for deleted or hidden comments (shown as a placeholder). */
  html: string;
  markdown: string;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  hidden: boolean;
  replies: CommentView[];
}

export interface CommentOptions {
  editMinutes: number;
  maxChars: number;
  perHour: number;
}

type Row = Selectable<CommentsTable> & { username: string | null; display_name: string | null };

export class Comments {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly papers: PaperService,
    private readonly limiter: RateLimiter,
    private readonly audit: AuditLog,
    private readonly opts: CommentOptions,
    private readonly now: () => Date,
  ) {}

  /** The comment text as it would be posted (trimmed), or a 400 saying why not. */
  checkBody(body: unknown): string {
    const text = typeof body === 'string' ? body.trim() : '';
    if (!text) throw errors.badRequest('Write something before posting.');
    if (text.length > this.opts.maxChars) throw errors.badRequest(`A comment can be at most ${this.opts.maxChars} characters (this one has ${text.length}).`);
    return text;
  }

  private async limit(viewer: Viewer, ip: string) {
    await this.limiter.consume(`comment:user:${viewer.id}`, this.opts.perHour, 3600, 'You are commenting too fast.');
    await this.limiter.consume(`comment:ip:${ip}`, this.opts.perHour * 4, 3600, 'Too many comments from your network.');
  }

  private async bump(trx: Transaction<Database>, paperId: number, delta: 1 | -1) {
    await trx
      .updateTable('papers')
      .set({ num_comments: sql<number>`num_comments + ${delta}` })
      .where('id', '=', paperId)
      .execute();
  }

  async add(viewer: Viewer, idOrUrl: string, input: { body: unknown; parentId?: number | null }, ip: string): Promise<CommentView> {
    if (!viewer.username) throw errors.forbidden('Choose a username in your settings before commenting.');
    const body = this.checkBody(input.body);
    const view = await this.papers.get(idOrUrl);
    let parentId: number | null = null;
    if (input.parentId) {
      const parent = await this.db.selectFrom('comments').selectAll().where('id', '=', input.parentId).executeTakeFirst();
      if (!parent || parent.paper_id !== view.paper.id) throw errors.badRequest('The comment you reply to is not on this paper.');
      // Replies stay one level deep: answering a reply answers its thread.
      parentId = parent.parent_id ?? parent.id;
    }
    await this.limit(viewer, ip);
    const id = await this.db.transaction().execute(async (trx) => {
      const r = await trx
        .insertInto('comments')
        .values({
          paper_id: view.paper.id,
          user_id: viewer.id,
          parent_id: parentId,
          body_md: body,
          body_html: renderMarkdown(body),
          created_at: this.now().toISOString(),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await this.bump(trx, view.paper.id, 1);
      return r.id;
    });
    return (await this.one(id))!;
  }

  private async row(id: number) {
    const r = await this.db.selectFrom('comments').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw errors.notFound('No such comment.');
    return r;
  }

  async edit(viewer: Viewer, id: number, body: unknown, ip: string): Promise<CommentView> {
    const r = await this.row(id);
    if (r.user_id !== viewer.id) throw errors.forbidden('You can only edit your own comments.');
    if (r.deleted_at || r.hidden_at) throw errors.conflict('This comment was removed and cannot be edited.');
    const age = this.now().getTime() - Date.parse(r.created_at);
    if (age > this.opts.editMinutes * 60_000) throw errors.forbidden(`Comments can be edited for ${this.opts.editMinutes} minutes after posting.`);
    const text = this.checkBody(body);
    await this.limit(viewer, ip);
    await this.db
      .updateTable('comments')
      .set({ body_md: text, body_html: renderMarkdown(text), edited_at: this.now().toISOString() })
      .where('id', '=', id)
      .execute();
    return (await this.one(id))!;
  }

  /** Soft delete by the author (or a curator); the thread keeps a placeholder. */
  async remove(viewer: Viewer, id: number): Promise<void> {
    const r = await this.row(id);
    const own = r.user_id === viewer.id;
    if (!own && !isCurator(viewer)) throw errors.forbidden('You can only delete your own comments.');
    if (r.deleted_at) return;
    await this.db.transaction().execute(async (trx) => {
      await trx.updateTable('comments').set({ deleted_at: this.now().toISOString() }).where('id', '=', id).execute();
      if (!r.hidden_at) await this.bump(trx, r.paper_id, -1);
    });
    if (!own) await this.audit.record(viewer.id, 'comment.delete', 'comment', id, { paperId: r.paper_id });
  }

  async report(viewer: Viewer, id: number, reason: unknown): Promise<void> {
    const r = await this.row(id);
    if (r.user_id === viewer.id) throw errors.badRequest('You cannot report your own comment.');
    const text = (typeof reason === 'string' ? reason.trim() : '').slice(0, 500) || 'No reason given';
    const ins = await this.db
      .insertInto('comment_reports')
      .values({ comment_id: id, user_id: viewer.id, reason: text, created_at: this.now().toISOString() })
      .onConflict((oc) => oc.columns(['comment_id', 'user_id']).doNothing())
      .returning('comment_id')
      .executeTakeFirst();
    if (!ins) throw errors.conflict('You have already reported this comment.');
  }

  /** Curators hide (or show again) a comment; recorded in the audit log. */
  async setHidden(viewer: Viewer, id: number, hidden: boolean): Promise<void> {
    if (!isCurator(viewer)) throw errors.forbidden('Only curators can hide comments.');
    const r = await this.row(id);
    if (!!r.hidden_at === hidden) return;
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('comments')
        .set({ hidden_at: hidden ? this.now().toISOString() : null, hidden_by: hidden ? viewer.id : null })
        .where('id', '=', id)
        .execute();
      if (hidden) await trx.updateTable('comment_reports').set({ resolved_at: this.now().toISOString() }).where('comment_id', '=', id).execute();
      if (!r.deleted_at) await this.bump(trx, r.paper_id, hidden ? -1 : 1);
    });
    await this.audit.record(viewer.id, hidden ? 'comment.hide' : 'comment.show', 'comment', id, { paperId: r.paper_id });
  }

  private toView(r: Row): CommentView {
    const gone = !!r.deleted_at || !!r.hidden_at;
    return {
      id: r.id,
      paperId: r.paper_id,
      parentId: r.parent_id,
      author: { id: r.user_id, username: r.username, displayName: r.display_name },
      html: gone ? '' : r.body_html,
      markdown: gone ? '' : r.body_md,
      createdAt: r.created_at,
      editedAt: r.edited_at,
      deleted: !!r.deleted_at,
      hidden: !!r.hidden_at,
      replies: [],
    };
  }

  private base() {
    return this.db.selectFrom('comments as c').innerJoin('users as u', 'u.id', 'c.user_id').selectAll('c').select(['u.username', 'u.display_name']);
  }

  async one(id: number): Promise<CommentView | undefined> {
    const r = await this.base().where('c.id', '=', id).executeTakeFirst();
    return r ? this.toView(r) : undefined;
  }

  /** Threads, oldest first; removed comments stay as placeholders only when they have replies. */
  async forPaper(paperId: number): Promise<CommentView[]> {
    const rows = await this.base().where('c.paper_id', '=', paperId).orderBy('c.created_at').orderBy('c.id').execute();
    const top: CommentView[] = [];
    const byId = new Map<number, CommentView>();
    for (const r of rows) {
      const v = this.toView(r);
      byId.set(v.id, v);
      if (v.parentId === null) top.push(v);
      else byId.get(v.parentId)?.replies.push(v);
    }
    const visible = (v: CommentView) => !(v.deleted || v.hidden);
    return top
      .map((t) => ({ ...t, replies: t.replies.filter(visible) }))
      .filter((t) => visible(t) || t.replies.length > 0);
  }

  /** Open reports, for the moderation page. */
  async openReports(limit = 100) {
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
