// Comments on the paper page: the thread section (with its form) and the routes that post, edit,
// delete, report and hide comments. A refused comment comes back on the paper page, text kept.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, raw, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { isCurator } from '../../services/accounts.ts';
import type { CommentView } from '../../services/comments.ts';
import type { PaperView } from '../../services/papers.ts';
import { commentCount } from '../../domain/counts.ts';
import { errors } from '../../domain/errors.ts';
import { formatPending } from '../../domain/pending.ts';
import { backOf, csrfChecked, intParam, signedIn, viewerOf, type RequestViewer } from './community-session.ts';
import { csrfInput, notice } from './community-account.ts';
import { fieldError, invalid, postedFromHere, problemOf, type Problem } from './forms.ts';
import { renderPaper } from './paper.ts';

const enc = (id: string) => encodeURIComponent(id);
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

const CommentBody = Type.Object({
  body: Type.Optional(Type.String({ maxLength: 20_000 })),
  parent_id: Type.Optional(Type.String({ maxLength: 12 })),
  /** The key of a draft kept through sign-in that this form shows again (deleted once posted). */
  draft: Type.Optional(Type.String({ maxLength: 40 })),
  _csrf: Type.Optional(Type.String()),
});
const ReasonBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 2000 })), _csrf: Type.Optional(Type.String()) });
const HiddenBody = Type.Object({
  hidden: Type.Optional(Type.String({ maxLength: 1 })),
  back: Type.Optional(Type.String({ maxLength: 500 })),
  _csrf: Type.Optional(Type.String()),
});

/** What the comments section shows besides the thread: a refused comment and its problem. */
export interface CommentFormState {
  draft?: string;
  problem?: Problem;
  /** The kept draft's key, when the text comes from one. */
  draftKey?: string;
}

/**
 * A comment that waited through sign-in and was refused then (a rate limit), shown again from
 * `?draft=<key>` to the reader who wrote it; or why it is no longer there.
 */
async function keptDraft(req: FastifyRequest, ctx: HttpContext, arxivId: string): Promise<CommentFormState> {
  const key = (req.query as { draft?: string } | undefined)?.draft;
  if (!key || !req.viewer) return {};
  const d = await ctx.pb.community.drafts.peek(String(key).slice(0, 40), 'comment', req.viewer.id);
  if (!d || d.target !== arxivId) return { problem: { status: 200, message: 'Your comment was not kept: drafts wait a day at most. Please write it again.' } };
  return { draft: d.body, draftKey: d.key, problem: d.problem ? { status: 200, message: `Your comment is not posted yet: ${d.problem}` } : undefined };
}

function commentItem(c: CommentView, arxivId: string, v: RequestViewer | null, editMinutes: number, now: Date, isReply: boolean): SafeHtml {
  const gone = c.deleted || c.hidden;
  const mine = v && v.id === c.author.id;
  const canEdit = mine && !gone && now.getTime() - Date.parse(c.createdAt) <= editMinutes * 60_000;
  const who = c.author.username ? html`<a href="/users/${c.author.username}">${c.author.displayName || c.author.username}</a>` : html`someone`;
  const actions: SafeHtml[] = [];
  if (v && v.csrf && !gone) {
    if (canEdit) actions.push(html`<a class="btn secondary" href="/comments/${c.id}/edit">Edit</a>`);
    if (mine || isCurator(v))
      actions.push(html`<form method="post" action="/comments/${c.id}/delete" class="inline">${csrfInput(v)}<button class="btn secondary" type="submit">Delete</button></form>`);
    if (!mine)
      actions.push(
        html`<details class="inline"><summary>Report</summary><form method="post" action="/comments/${c.id}/report">${csrfInput(v)}<label for="reason-${c.id}">Why?</label> <input id="reason-${c.id}" name="reason" type="text" maxlength="500"> <button class="btn secondary" type="submit">Report</button></form></details>`,
      );
    if (isCurator(v))
      actions.push(html`<form method="post" action="/comments/${c.id}/hide" class="inline">${csrfInput(v)}<input type="hidden" name="hidden" value="1"><button class="btn secondary" type="submit">Hide</button></form>`);
  }
  if (v && v.csrf && c.hidden && isCurator(v))
    actions.push(html`<form method="post" action="/comments/${c.id}/hide" class="inline">${csrfInput(v)}<input type="hidden" name="hidden" value="0"><button class="btn secondary" type="submit">Show again</button></form>`);
  const body = c.deleted ? html`<p class="muted">[deleted]</p>` : c.hidden ? html`<p class="muted">[hidden by a curator]</p>` : raw(c.html);
  const reply =
    !isReply && v && v.csrf && v.username
      ? html`<details><summary>Reply</summary><form method="post" action="/papers/${enc(arxivId)}/comments">${csrfInput(v)}<input type="hidden" name="parent_id" value="${c.id}"><label for="reply-${c.id}" class="visually-hidden">Your reply</label><textarea id="reply-${c.id}" name="body" rows="3" required></textarea><button class="btn" type="submit">Reply</button></form></details>`
      : '';
  return html`<li id="comment-${c.id}" class="comment">
  <p class="muted">${who} · <time datetime="${c.createdAt}">${when(c.createdAt)}</time>${c.editedAt ? ' · edited' : ''}</p>
  <div class="comment-body">${body}</div>
  ${actions.length ? html`<div class="comment-actions">${actions.map((a) => html`${a} `)}</div>` : ''}
  ${c.replies.length ? html`<ol class="replies">${c.replies.map((r) => commentItem(r, arxivId, v, editMinutes, now, true))}</ol>` : ''}
  ${reply}
</li>`;
}

/** The paper page's comments section: the thread, the source's count, and the form. */
export async function commentsSection(req: FastifyRequest, ctx: HttpContext, view: PaperView, state: CommentFormState = {}): Promise<SafeHtml> {
  const { pb } = ctx;
  const c = pb.community;
  const v = req.viewer;
  const p = view.paper;
  const threads = await c.comments.forPaper(p.id);
  const items = threads.map((t) => commentItem(t, p.arxivId, v, pb.config.commentEditMinutes, c.now(), false));
  const count = commentCount({ localComments: p.numComments, sourceComments: p.sourceComments }, p.arxivId);
  if (state.draft === undefined && !state.problem) state = await keptDraft(req, ctx, p.arxivId);
  const pr = state.problem;
  // Signed out, the form is there too: posting it keeps the text on the server (a draft) and leads
  // through sign-in, after which the comment is posted and the reader is back here.
  const form =
    v && v.csrf && !v.username
      ? html`<p><a href="/welcome?next=${enc(`/papers/${p.arxivId}#comment-form`)}">Choose a username</a> to comment.</p>`
      : html`<form method="post" action="/papers/${enc(p.arxivId)}/comments" class="comment-form" id="comment-form" data-draft="comment:${p.arxivId}">${v?.csrf ? csrfInput(v) : ''}
<label for="comment-body">Add a comment <span class="muted">(Markdown and $math$)</span></label>
${fieldError(pr, 'body')}
<textarea id="comment-body" name="body" rows="4" required maxlength="${pb.config.commentMaxChars}"${invalid(pr, 'body')}${v ? '' : html` aria-describedby="comment-signin"`}>${state.draft ?? ''}</textarea>
${state.draftKey ? html`<input type="hidden" name="draft" value="${state.draftKey}">` : ''}${v ? '' : html`<p class="hint" id="comment-signin">You sign in with a link we e-mail you; your comment is posted as soon as you are back.</p>`}
<button class="btn" type="submit">${v ? 'Post comment' : 'Sign in and post'}</button></form>`;
  return html`<section id="comments" aria-labelledby="comments-h">
  <h2 id="comments-h">Comments <span class="muted">(${count.here})</span></h2>
  ${count.elsewhere ? html`<p class="muted"><a href="${count.elsewhere.url}" rel="noopener">${count.elsewhere.count} ${count.here ? 'more' : count.elsewhere.count === 1 ? 'comment' : 'comments'} on ${count.elsewhere.source} <span aria-hidden="true">↗</span></a></p>` : ''}
  ${items.length ? html`<ol class="comments">${items}</ol>` : html`<p class="muted">No comments here yet.</p>`}
  ${pr && !pr.field ? notice(pr.message) : ''}
  ${form}
</section>`;
}

export function commentRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;
  const paramId = (req: FastifyRequest) => (req.params as { id: string }).id;
  const guard = [signedIn(), csrfChecked];

  /**
   * Signed out: the comment is checked like any other, kept on the server as a draft, and the reader
   * signs in; the sign-in posts it (src/http/pages/pending.ts). A refusal (blank, too long, another
   * site's form, too many drafts) shows the paper page again with the text kept.
   */
  const keepAndSignIn: preHandlerAsyncHookHandler = async (req, reply) => {
    if (req.viewer) return;
    const id = paramId(req).slice(0, 40);
    const typed = (req.body as Static<typeof CommentBody> | undefined)?.body ?? '';
    const again = async (problem: Problem) => {
      await renderPaper(ctx, req, reply, id, { comment: { draft: typed, problem } }, problem.status);
      return reply;
    };
    // Kept without an account, so it must come from this site's own form (nobody else can start a
    // sign-in that posts their text under the reader's name).
    if (!postedFromHere(req)) return again({ status: 403, message: 'This form was sent from another site. Check the comment below and post it from here.' });
    let target: string;
    let key: string;
    try {
      const text = c.comments.checkBody(typed);
      target = (await pb.papers.get(id)).paper.arxivId;
      key = await c.drafts.keep('comment', target, text, req.ip);
    } catch (err) {
      const p = problemOf(err, 'body');
      if (p.status === 404) throw err;
      if (p.status === 429) {
        p.field = undefined;
        reply.header('Retry-After', String((err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? 60));
      }
      return again(p);
    }
    const pending = formatPending({ kind: 'comment', arxivId: target, draft: key });
    await reply.redirect(`/signin?next=${enc(`/papers/${target}#comments`)}&do=${enc(pending)}`, 303);
    return reply;
  };

  app.post<{ Params: { id: string }; Body: Static<typeof CommentBody> }>(
    '/papers/:id/comments',
    { schema: { body: CommentBody, hide: true }, preHandler: [keepAndSignIn, csrfChecked] },
    async (req, reply) => {
      const v = viewerOf(req);
      const b = req.body ?? {};
      try {
        const cm = await c.comments.add(v, req.params.id, { body: b.body, parentId: b.parent_id ? Number(b.parent_id) : null }, req.ip);
        if (b.draft) await c.drafts.done(b.draft);
        const view = await pb.papers.get(req.params.id);
        return reply.redirect(`/papers/${view.paper.arxivId}#comment-${cm.id}`, 303);
      } catch (err) {
        const problem = problemOf(err, 'body');
        if (problem.status === 404) throw err;
        return renderPaper(ctx, req, reply, req.params.id, { comment: { draft: b.body, problem, draftKey: b.draft } }, problem.status);
      }
    },
  );

  const backToComment = async (id: number) => {
    const cm = await c.comments.one(id);
    if (!cm) throw errors.notFound('No such comment.');
    const p = await pb.stores.papers.byIds([cm.paperId]);
    return `/papers/${p.get(cm.paperId)!.arxivId}#comments`;
  };

  const editPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, id: number, problem?: Problem, text?: string) => {
    const cm = await c.comments.one(id);
    if (!cm) throw errors.notFound('No such comment.');
    if (cm.author.id !== v.id) throw errors.forbidden('You can only edit your own comments.');
    return ctx.page(
      req,
      reply,
      { title: 'Edit comment' },
      html`<h1>Edit comment</h1>
<form method="post" action="/comments/${id}/edit">${csrfInput(v)}<label for="body">Comment</label>${fieldError(problem, 'body')}<textarea id="body" name="body" rows="6" required${invalid(problem, 'body')}>${text ?? cm.markdown}</textarea><button class="btn" type="submit">Save</button> <a href="${await backToComment(id)}">Back to the paper</a></form>`,
      problem?.status ?? 200,
    );
  };

  app.get<{ Params: { id: string } }>('/comments/:id/edit', { preHandler: signedIn() }, async (req, reply) =>
    editPage(req, reply, viewerOf(req), intParam(req.params.id, 'comment')),
  );

  app.post<{ Params: { id: string }; Body: Static<typeof CommentBody> }>('/comments/:id/edit', { schema: { body: CommentBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const v = viewerOf(req);
    const id = intParam(req.params.id, 'comment');
    try {
      await c.comments.edit(v, id, req.body?.body, req.ip);
    } catch (err) {
      const p = problemOf(err, 'body');
      if (p.status === 403) throw err;
      return editPage(req, reply, v, id, p, req.body?.body);
    }
    return reply.redirect(await backToComment(id), 303);
  });

  app.post<{ Params: { id: string } }>('/comments/:id/delete', { preHandler: guard }, async (req, reply) => {
    const id = intParam(req.params.id, 'comment');
    await c.comments.remove(viewerOf(req), id);
    return reply.redirect(await backToComment(id), 303);
  });

  app.post<{ Params: { id: string }; Body: Static<typeof ReasonBody> }>('/comments/:id/report', { schema: { body: ReasonBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const id = intParam(req.params.id, 'comment');
    await c.comments.report(viewerOf(req), id, req.body?.reason);
    return ctx.page(req, reply, { title: 'Reported' }, html`<h1>Thank you</h1><p role="status">A curator will look at the comment.</p><p><a href="${await backToComment(id)}">Back to the paper</a></p>`);
  });

  app.post<{ Params: { id: string }; Body: Static<typeof HiddenBody> }>('/comments/:id/hide', { schema: { body: HiddenBody, hide: true }, preHandler: guard }, async (req, reply) => {
    const id = intParam(req.params.id, 'comment');
    await c.comments.setHidden(viewerOf(req), id, req.body?.hidden !== '0');
    return reply.redirect(backOf(req, await backToComment(id)), 303);
  });
}
