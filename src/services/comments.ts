// Comments on papers: Markdown rendered once and stored sanitised, replies one level deep,
// edits within a window, soft delete, reports, and curator hiding. papers.num_comments counts
// the visible ones and changes in the same transaction as the comment.
import type { CommentStore, CommentWithAuthor } from '../storage/comments.ts';
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

export class Comments {
  constructor(
    private readonly store: CommentStore,
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

  async add(viewer: Viewer, idOrUrl: string, input: { body: unknown; parentId?: number | null }, ip: string): Promise<CommentView> {
    if (!viewer.username) throw errors.forbidden('Choose a username in your settings before commenting.');
    const body = this.checkBody(input.body);
    const view = await this.papers.get(idOrUrl);
    let parentId: number | null = null;
    if (input.parentId) {
      const parent = await this.store.byId(input.parentId);
      if (!parent || parent.paper_id !== view.paper.id) throw errors.badRequest('The comment you reply to is not on this paper.');
      // Replies stay one level deep: answering a reply answers its thread.
      parentId = parent.parent_id ?? parent.id;
    }
    await this.limit(viewer, ip);
    const id = await this.store.insert({
      paperId: view.paper.id,
      userId: viewer.id,
      parentId,
      bodyMd: body,
      bodyHtml: renderMarkdown(body),
      createdAt: this.now().toISOString(),
    });
    return (await this.one(id))!;
  }

  private async row(id: number) {
    const r = await this.store.byId(id);
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
    await this.store.updateBody(id, text, renderMarkdown(text), this.now().toISOString());
    return (await this.one(id))!;
  }

  /** Soft delete by the author (or a curator); the thread keeps a placeholder. */
  async remove(viewer: Viewer, id: number): Promise<void> {
    const r = await this.row(id);
    const own = r.user_id === viewer.id;
    if (!own && !isCurator(viewer)) throw errors.forbidden('You can only delete your own comments.');
    if (r.deleted_at) return;
    await this.store.softDelete({ id, paperId: r.paper_id, counted: !r.hidden_at }, this.now().toISOString());
    if (!own) await this.audit.record(viewer.id, 'comment.delete', 'comment', id, { paperId: r.paper_id });
  }

  async report(viewer: Viewer, id: number, reason: unknown): Promise<void> {
    const r = await this.row(id);
    if (r.user_id === viewer.id) throw errors.badRequest('You cannot report your own comment.');
    const text = (typeof reason === 'string' ? reason.trim() : '').slice(0, 500) || 'No reason given';
    const ins = await this.store.report(id, viewer.id, text, this.now().toISOString());
    if (!ins) throw errors.conflict('You have already reported this comment.');
  }

  /** Curators hide (or show again) a comment; recorded in the audit log. */
  async setHidden(viewer: Viewer, id: number, hidden: boolean): Promise<void> {
    if (!isCurator(viewer)) throw errors.forbidden('Only curators can hide comments.');
    const r = await this.row(id);
    if (!!r.hidden_at === hidden) return;
    await this.store.setHidden({ id, paperId: r.paper_id, deleted: !!r.deleted_at }, hidden ? { by: viewer.id, at: this.now().toISOString() } : null);
    await this.audit.record(viewer.id, hidden ? 'comment.hide' : 'comment.show', 'comment', id, { paperId: r.paper_id });
  }

  private toView(r: CommentWithAuthor): CommentView {
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

  async one(id: number): Promise<CommentView | undefined> {
    const r = await this.store.one(id);
    return r ? this.toView(r) : undefined;
  }

  /** Threads, oldest first; removed comments stay as placeholders only when they have replies. */
  async forPaper(paperId: number): Promise<CommentView[]> {
    const rows = await this.store.forPaper(paperId);
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
    return this.store.openReports(limit);
  }
}
