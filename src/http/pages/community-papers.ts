// Community on the paper pages and lists: vote buttons, comments, submissions, trending,
// collections, author claims and the curators' moderation page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, raw, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { assertCsrf } from '../csrf.ts';
import { refererPath } from '../redirects.ts';
import { addNavItem } from './layout.ts';
import { cardExtras, paperCard, type CardData } from '../present/cards.ts';
import { paperExtras } from './paper.ts';
import { isCurator, safeNext } from '../../services/accounts.ts';
import { parseWindow, WINDOWS, type TrendWindow } from '../../services/trending.ts';
import type { CommentView } from '../../services/comments.ts';
import type { PaperView } from '../../services/papers.ts';
import { isQueued, queuedMessage } from '../../services/submissions.ts';
import { errors } from '../../domain/errors.ts';
import { bodyOf, ctxOf, formProblem, intParam, viewerOrRedirect, wantsJson, type RequestViewer } from './community-session.ts';
import { csrfInput, notice } from './community-account.ts';

const paperPath = (id: string) => `/papers/${id}`;
const enc = (id: string) => encodeURIComponent(id);

/** The upvote control: a real form (works without JavaScript), enhanced by community.js. */
export function voteControl(arxivId: string, paperId: number, count: number, viewer: RequestViewer | null | undefined): SafeHtml {
  const label = html`<span class="label">${count === 1 ? 'upvote' : 'upvotes'}</span>`;
  if (!viewer || !viewer.csrf)
    return html`<div class="votes"><a class="vote" href="/signin?next=${enc(paperPath(arxivId))}"><span aria-hidden="true">▲</span><span class="count">${count}</span><span class="visually-hidden"> upvotes: sign in to upvote</span></a>${label}</div>`;
  const on = viewer.voted.has(paperId);
  return html`<div class="votes"><form method="post" action="/papers/${enc(arxivId)}/upvote" data-vote>${csrfInput(viewer)}<button type="submit" aria-pressed="${on ? 'true' : 'false'}"><span aria-hidden="true">▲</span><span class="count">${count}</span><span class="visually-hidden"> upvotes: upvote this paper</span></button></form>${label}</div>`;
}

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

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

let installed = false;

export function communityPaperPages(app: FastifyInstance, ctx: HttpContext) {
  addNavItem({ href: '/papers/trending', label: 'Trending', order: 10 });
  addNavItem({ href: '/submit', label: 'Submit', order: 20 });

  cardExtras.votes = (card: CardData, viewer: unknown) => voteControl(card.paper.arxivId, card.paper.id, card.upvotes, viewer as RequestViewer | null);
  paperExtras.votes = (req: FastifyRequest, v: PaperView) => voteControl(v.paper.arxivId, v.paper.id, v.upvotes, req.viewer);

  // Page sections are module-wide lists: add ours once per process; each call finds its app's context.
  if (installed) return routes(app, ctx);
  installed = true;
  // A submission's note, and a confirmation right after submitting.
  paperExtras.main.push((req: FastifyRequest, view: PaperView) => {
    const e = view.entry;
    if (!e || e.source !== 'submission') return null;
    const just = (req.query as { submitted?: string }).submitted === '1' && req.viewer?.id === e.submitter?.userId;
    return html`${just ? html`<p class="notice" role="status">Submitted to the list of ${e.day}. Thank you!</p>` : ''}${
      e.comment ? html`<section aria-labelledby="sub-note-h"><h2 id="sub-note-h">Why ${e.submitter?.fullname || e.submitter?.name || 'the submitter'} submitted it</h2><p>${e.comment}</p></section>` : ''
    }`;
  });
  paperExtras.main.push(async (req: FastifyRequest, view: PaperView) => {
    const { pb } = ctxOf(req);
    const c = pb.community;
    const v = req.viewer;
    const threads = await c.comments.forPaper(view.paper.id);
    const items = threads.map((t) => commentItem(t, view.paper.arxivId, v, pb.config.commentEditMinutes, c.now(), false));
    const form =
      v && v.csrf
        ? v.username
          ? html`<form method="post" action="/papers/${enc(view.paper.arxivId)}/comments" class="comment-form">${csrfInput(v)}<label for="comment-body">Add a comment (Markdown, $math$)</label><br><textarea id="comment-body" name="body" rows="4" required maxlength="${pb.config.commentMaxChars}"></textarea><br><button class="btn" type="submit">Post comment</button></form>`
          : html`<p><a href="/welcome">Choose a username</a> to comment.</p>`
        : html`<p><a href="/signin?next=${enc(paperPath(view.paper.arxivId) + '#comments')}">Sign in</a> to comment.</p>`;
    return html`<section id="comments" aria-labelledby="comments-h">
  <h2 id="comments-h">Comments <span class="muted">(${view.paper.numComments})</span></h2>
  ${items.length ? html`<ol class="comments">${items}</ol>` : html`<p class="muted">No comments yet.</p>`}
  ${form}
</section>`;
  });

  paperExtras.aside.push(async (req: FastifyRequest, view: PaperView) => {
    const c = ctxOf(req).pb.community;
    const v = req.viewer;
    if (!v || !v.csrf || !v.username) return null;
    const mine = await c.collections.forUser(v.id, true);
    const inside = await c.collections.containing(v.id, view.paper.id);
    const p = view.paper;
    return html`<section aria-labelledby="save-h">
  <h2 id="save-h">Save</h2>
  ${inside.size ? html`<p class="muted">In ${mine.filter((m) => inside.has(m.id)).map((m, i) => html`${i ? ', ' : ''}<a href="/collections/${m.id}">${m.name}</a>`)}</p>` : ''}
  ${
    mine.length
      ? html`<form method="post" action="/collections/add">${csrfInput(v)}<input type="hidden" name="paper" value="${p.arxivId}">
    <label for="coll">Collection</label> <select id="coll" name="collection">${mine.map((m) => html`<option value="${m.id}">${m.name}</option>`)}</select>
    <label for="coll-note">Note</label> <input id="coll-note" name="note" type="text" maxlength="2000">
    <button class="btn secondary" type="submit">Save</button></form>`
      : html`<p><a href="/collections">Create a collection</a> to save papers.</p>`
  }
</section>
<section aria-labelledby="claim-h">
  <h2 id="claim-h">Are you an author?</h2>
  <form method="post" action="/papers/${enc(p.arxivId)}/claim">${csrfInput(v)}
    <label for="claim-name">I am</label> <select id="claim-name" name="author_name">${p.authors.map((a) => html`<option>${a}</option>`)}</select>
    <button class="btn secondary" type="submit">Claim</button>
  </form>
</section>`;
  });

  routes(app, ctx);
}

function routes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;

  // --- votes (pages) ---
  app.post<{ Params: { id: string } }>('/papers/:id/upvote', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, paperPath(req.params.id));
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const r = await c.votes.toggle(v, req.params.id, req.ip);
    if (wantsJson(req)) return { id: r.arxivId, upvoted: r.upvoted, upvotes: r.upvotes };
    return reply.redirect(safeNext(bodyOf(req).back) ?? refererPath(req, pb.config.publicUrl) ?? paperPath(r.arxivId), 303);
  });

  // --- comments (pages) ---
  app.post<{ Params: { id: string } }>('/papers/:id/comments', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, `${paperPath(req.params.id)}#comments`);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    const cm = await c.comments.add(v, req.params.id, { body: b.body, parentId: b.parent_id ? Number(b.parent_id) : null }, req.ip);
    const view = await pb.papers.get(req.params.id);
    return reply.redirect(`${paperPath(view.paper.arxivId)}#comment-${cm.id}`, 303);
  });

  const backToComment = async (id: number) => {
    const cm = await c.comments.one(id);
    if (!cm) throw errors.notFound('No such comment.');
    const p = await pb.stores.papers.byIds([cm.paperId]);
    return `${paperPath(p.get(cm.paperId)!.arxivId)}#comments`;
  };

  type Problem = { status: number; message: string };
  const editPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, id: number, problem?: Problem, text?: string) => {
    const cm = await c.comments.one(id);
    if (!cm) throw errors.notFound('No such comment.');
    if (cm.author.id !== v.id) throw errors.forbidden('You can only edit your own comments.');
    return ctx.page(
      req,
      reply,
      { title: 'Edit comment' },
      html`<h1>Edit comment</h1>${notice(problem?.message)}
<form method="post" action="/comments/${id}/edit">${csrfInput(v)}<label for="edit-body">Comment</label><br><textarea id="edit-body" name="body" rows="6" required>${text ?? cm.markdown}</textarea><br><button class="btn" type="submit">Save</button></form>`,
      problem?.status ?? 200,
    );
  };

  app.get<{ Params: { id: string } }>('/comments/:id/edit', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    return editPage(req, reply, v, intParam(req.params.id, 'comment'));
  });

  app.post<{ Params: { id: string } }>('/comments/:id/edit', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'comment');
    try {
      await c.comments.edit(v, id, bodyOf(req).body, req.ip);
    } catch (err) {
      const p = formProblem(err);
      if (p.status === 403) throw err;
      return editPage(req, reply, v, id, p, bodyOf(req).body);
    }
    return reply.redirect(await backToComment(id), 303);
  });

  app.post<{ Params: { id: string } }>('/comments/:id/delete', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'comment');
    await c.comments.remove(v, id);
    return reply.redirect(await backToComment(id), 303);
  });

  app.post<{ Params: { id: string } }>('/comments/:id/report', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'comment');
    await c.comments.report(v, id, bodyOf(req).reason);
    return ctx.page(req, reply, { title: 'Reported' }, html`<h1>Thank you</h1><p role="status">A curator will look at the comment.</p><p><a href="${await backToComment(id)}">Back to the paper</a></p>`);
  });

  app.post<{ Params: { id: string } }>('/comments/:id/hide', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'comment');
    await c.comments.setHidden(v, id, bodyOf(req).hidden !== '0');
    return reply.redirect(safeNext(bodyOf(req).back) ?? (await backToComment(id)), 303);
  });

  // --- submissions ---
  const submitPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, problem?: Problem, values?: Record<string, string>) => {
    const used = await c.submissions.countToday(v.id);
    const quota = isCurator(v) ? 'unlimited (curator)' : `${Math.max(0, pb.config.submitPerUserPerDay - used)} of ${pb.config.submitPerUserPerDay} left today`;
    return ctx.page(
      req,
      reply,
      { title: 'Submit a paper' },
      html`<h1>Submit a paper to today's list</h1>
<p>Any arXiv paper announced within the last ${pb.config.submitMaxAgeDays} days that is not on a list yet. Submissions: ${quota}.</p>
${notice(problem?.message)}
<form method="post" action="/submit">${csrfInput(v)}
  <p><label for="paper">arXiv id or URL</label><br><input id="paper" name="paper" type="text" required placeholder="2410.17243 or https://arxiv.org/abs/2410.17243" value="${values?.paper ?? ''}" size="40"></p>
  <p><label for="sub-comment">Why is it worth reading? (optional)</label><br><textarea id="sub-comment" name="comment" rows="3" maxlength="${pb.config.submitCommentMaxChars}">${values?.comment ?? ''}</textarea></p>
  <p><button class="btn" type="submit">Submit</button></p>
</form>`,
      problem?.status ?? 200,
    );
  };

  app.get('/submit', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    if (!v.username) return reply.redirect('/welcome?next=/submit', 303);
    return submitPage(req, reply, v);
  });

  app.post('/submit', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/submit');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    try {
      const r = await c.submissions.submit(v, String(b.paper ?? ''), b.comment, req.ip);
      if (isQueued(r)) return ctx.page(req, reply, { title: 'Submission received' }, html`<h1>Submission received</h1><p role="status">${queuedMessage(r.arxivId, pb.config.submitMaxAgeDays)}</p>`, 202);
      return reply.redirect(`${paperPath(r.paper.arxivId)}?submitted=1`, 303);
    } catch (err) {
      const p = formProblem(err);
      const retry = (err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds;
      if (p.status === 429 && retry) reply.header('Retry-After', String(retry));
      return submitPage(req, reply, v, p, b);
    }
  });

  // --- trending ---
  app.get<{ Querystring: { window?: string } }>('/papers/trending', async (req, reply) => {
    const window = parseWindow(req.query.window);
    const items = await c.trending.list(window, 50);
    const at = items[0]?.computedAt ?? (await c.trending.computedAt(window));
    const tabs = (Object.keys(WINDOWS) as TrendWindow[]).map(
      (w) => html`<li><a href="/papers/trending?window=${w}"${w === window ? html` aria-current="page"` : ''}>${w === 'day' ? 'Today' : w === 'week' ? 'This week' : 'This month'}</a></li>`,
    );
    const cards = items.map((it) =>
      raw(
        // A function as replacement: the text is inserted as is ("$&" in it means nothing).
        paperCard({ paper: it.paper, upvotes: it.totalUpvotes, numComments: it.paper.numComments }, req.viewer).value.replace(
          '<li class="card"',
          () => html`<li class="card" title="${`Why trending: ${it.why}`}" data-rank="${it.rank}"`.value,
        ),
      ),
    );
    const why = items.map((it) => html`<li><a href="${paperPath(it.paper.arxivId)}">${it.paper.arxivId}</a>: ${it.why}</li>`);
    return ctx.page(
      req,
      reply,
      { title: 'Trending papers', math: true },
      html`<h1>Trending papers</h1>
<nav aria-label="Window"><ul class="tabs">${tabs}</ul></nav>
<details class="formula"><summary>How trending is computed</summary>
<p><code>${c.trending.formula()}</code></p>
<p>Upvotes and comments count only those made in ${WINDOWS[window].label} (plus counts a source such as Hugging Face reported, when the paper was listed in the window); stars gained are GitHub stars added in the window when known; age runs from the paper's listing (or publication). Recomputed every ${pb.config.trendingRefreshMinutes} minutes${at ? html`; last at <time datetime="${at}">${when(at)} UTC</time>` : ''}.</p></details>
${items.length ? html`<ol class="cards">${cards}</ol><details class="why"><summary>Why is each paper here?</summary><ol>${why}</ol></details>` : html`<p class="muted">Nothing is trending in ${WINDOWS[window].label} yet.</p>`}`,
    );
  });

  // --- collections ---
  app.get('/collections', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    const mine = await c.collections.forUser(v.id, true);
    return ctx.page(
      req,
      reply,
      { title: 'Collections' },
      html`<h1>Your collections</h1>
${mine.length ? html`<ul>${mine.map((m) => html`<li><a href="/collections/${m.id}">${m.name}</a> · ${m.count} paper${m.count === 1 ? '' : 's'} · ${m.isPublic ? 'public' : 'private'}</li>`)}</ul>` : html`<p class="muted">No collections yet.</p>`}
<h2>New collection</h2>
<form method="post" action="/collections">${csrfInput(v)}
  <p><label for="c-name">Name</label><br><input id="c-name" name="name" type="text" required maxlength="100"></p>
  <p><label for="c-desc">Description</label><br><input id="c-desc" name="description" type="text" maxlength="1000"></p>
  <p><label><input type="checkbox" name="public" value="1"> Public (anyone with the link, and an RSS feed)</label></p>
  <p><button class="btn" type="submit">Create</button></p>
</form>`,
    );
  });

  app.post('/collections', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/collections');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    const col = await c.collections.create(v.id, { name: b.name, description: b.description, isPublic: b.public === '1' });
    return reply.redirect(`/collections/${col.id}`, 303);
  });

  app.post('/collections/add', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    const id = intParam(b.collection, 'collection');
    await c.collections.addPaper(v.id, id, String(b.paper ?? ''), b.note);
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.get<{ Params: { id: string } }>('/collections/:id', async (req, reply) => {
    const v = req.viewer;
    const col = await c.collections.get(intParam(req.params.id, 'collection'), v?.id);
    const own = v && v.id === col.owner.id && v.csrf;
    const head = col.isPublic ? html`<link rel="alternate" type="application/rss+xml" title="${col.name}" href="/collections/${col.id}/feed.rss">` : undefined;
    return ctx.page(
      req,
      reply,
      { title: col.name, head, math: true },
      html`<h1>${col.name}</h1>
<p class="muted">${col.isPublic ? 'Public' : 'Private'} collection by ${col.owner.username ? html`<a href="/users/${col.owner.username}">${col.owner.displayName || col.owner.username}</a>` : 'someone'} · ${col.items.length} paper${col.items.length === 1 ? '' : 's'}${col.isPublic ? html` · <a href="/collections/${col.id}/feed.rss">RSS</a>` : ''}</p>
${col.description ? html`<p>${col.description}</p>` : ''}
<ol class="cards">${col.items.map((it) =>
        raw(
          // A function as replacement: a note holding "$&" or "$'" is inserted as written.
          paperCard({ paper: it.paper, upvotes: it.paper.upvotes, numComments: it.paper.numComments }, v).value.replace(
            /<\/li>\s*$/,
            () => html`${it.note ? html`<p class="note"><strong>Note:</strong> ${it.note}</p>` : ''}${
              own
                ? html`<form method="post" action="/collections/${col.id}/remove">${csrfInput(v)}<input type="hidden" name="paper" value="${it.paper.arxivId}"><button class="btn secondary" type="submit" aria-label="Remove ${it.paper.arxivId}">Remove</button></form>`
                : ''
            }</li>`.value,
          ),
        ),
      )}</ol>
${
  own
    ? html`<h2>Edit</h2><form method="post" action="/collections/${col.id}">${csrfInput(v)}
  <p><label for="c-name">Name</label><br><input id="c-name" name="name" type="text" required maxlength="100" value="${col.name}"></p>
  <p><label for="c-desc">Description</label><br><input id="c-desc" name="description" type="text" maxlength="1000" value="${col.description ?? ''}"></p>
  <p><label><input type="checkbox" name="public" value="1"${col.isPublic ? html` checked` : ''}> Public</label></p>
  <p><button class="btn" type="submit">Save</button></p></form>
<form method="post" action="/collections/${col.id}/add">${csrfInput(v)}<label for="add-paper">Add a paper (arXiv id)</label> <input id="add-paper" name="paper" type="text" required> <label for="add-note">Note</label> <input id="add-note" name="note" type="text"> <button class="btn secondary" type="submit">Add</button></form>
<form method="post" action="/collections/${col.id}/delete">${csrfInput(v)}<button class="btn secondary" type="submit">Delete this collection</button></form>`
    : ''
}`,
    );
  });

  app.post<{ Params: { id: string } }>('/collections/:id', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    const id = intParam(req.params.id, 'collection');
    await c.collections.update(v.id, id, { name: b.name, description: b.description, isPublic: b.public === '1' });
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/collections/:id/add', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'collection');
    await c.collections.addPaper(v.id, id, String(bodyOf(req).paper ?? ''), bodyOf(req).note);
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/collections/:id/remove', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const id = intParam(req.params.id, 'collection');
    await c.collections.removePaper(v.id, id, String(bodyOf(req).paper ?? ''));
    return reply.redirect(`/collections/${id}`, 303);
  });

  app.post<{ Params: { id: string } }>('/collections/:id/delete', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    await c.collections.remove(v.id, intParam(req.params.id, 'collection'));
    return reply.redirect('/collections', 303);
  });

  // --- author claims and moderation ---
  app.post<{ Params: { id: string } }>('/papers/:id/claim', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, paperPath(req.params.id));
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const cl = await c.claims.claim(v, req.params.id, bodyOf(req).author_name);
    return ctx.page(req, reply, { title: 'Claim sent' }, html`<h1>Claim sent</h1><p role="status">A curator will review your claim to be ${cl.authorName} on <a href="${paperPath(cl.arxivId)}">${cl.title}</a>.</p>`, 201);
  });

  app.get('/moderation', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    if (!isCurator(v)) throw errors.forbidden('Only curators can moderate.');
    const [reports, claims, audit] = await Promise.all([c.comments.openReports(), c.claims.pending(), c.audit.list(50)]);
    return ctx.page(
      req,
      reply,
      { title: 'Moderation' },
      html`<h1>Moderation</h1>
<section aria-labelledby="rep-h"><h2 id="rep-h">Reported comments</h2>
${reports.length ? html`<ul>${reports.map((r) => html`<li><a href="${paperPath(r.arxiv_id)}#comment-${r.comment_id}">${r.arxiv_id}</a>: “${r.body_md.slice(0, 200)}” · reported by ${r.reporter}: ${r.reason}
  ${r.hidden_at ? ' (hidden)' : html`<form method="post" action="/comments/${r.comment_id}/hide" class="inline">${csrfInput(v)}<input type="hidden" name="hidden" value="1"><input type="hidden" name="back" value="/moderation"><button class="btn secondary" type="submit">Hide</button></form>`}</li>`)}</ul>` : html`<p class="muted">No open reports.</p>`}</section>
<section aria-labelledby="claims-h"><h2 id="claims-h">Author claims</h2>
${claims.length ? html`<ul>${claims.map((cl) => html`<li>${cl.username} claims to be ${cl.authorName} on <a href="${paperPath(cl.arxivId)}">${cl.arxivId}</a>
  <form method="post" action="/moderation/claims/${cl.id}" class="inline">${csrfInput(v)}<button class="btn" name="decision" value="approve" type="submit">Approve</button> <button class="btn secondary" name="decision" value="reject" type="submit">Reject</button></form></li>`)}</ul>` : html`<p class="muted">No pending claims.</p>`}</section>
<section aria-labelledby="audit-h"><h2 id="audit-h">Audit log</h2>
${audit.length ? html`<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th></tr></thead><tbody>${audit.map((a) => html`<tr><td>${when(a.createdAt)}</td><td>${a.actorName ?? '—'}</td><td>${a.action}</td><td>${a.targetType} ${a.targetId}</td></tr>`)}</tbody></table>` : html`<p class="muted">Nothing yet.</p>`}</section>`,
    );
  });

  app.post<{ Params: { id: string } }>('/moderation/claims/:id', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/moderation');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    await c.claims.decide(v, intParam(req.params.id, 'claim'), bodyOf(req).decision === 'approve');
    return reply.redirect('/moderation', 303);
  });

}
