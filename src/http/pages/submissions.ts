// Submitting a paper to today's list, and the note a submission shows on its paper page.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { isCurator } from '../../services/accounts.ts';
import type { PaperView } from '../../services/papers.ts';
import { isQueued, queuedMessage } from '../../services/submissions.ts';
import { parseArxivId } from '../../domain/arxiv-id.ts';
import { formatPending } from '../../domain/pending.ts';
import { csrfChecked, viewerOf, type RequestViewer } from './community-session.ts';
import { csrfInput } from './community-account.ts';
import { fieldError, formNotice, invalid, postedFromHere, problemOf, type Problem } from './forms.ts';

const SubmitBody = Type.Object({
  paper: Type.Optional(Type.String({ maxLength: 300 })),
  comment: Type.Optional(Type.String({ maxLength: 5000 })),
  /** The key of a draft kept through sign-in that this form shows again (deleted once submitted). */
  draft: Type.Optional(Type.String({ maxLength: 40 })),
  _csrf: Type.Optional(Type.String()),
});

/** The paper page's note on a submission: who submitted it and why, and a thank-you right after. */
export function submissionNote(req: FastifyRequest, view: PaperView): SafeHtml | '' {
  const e = view.entry;
  if (!e || e.source !== 'submission') return '';
  const just = (req.query as { submitted?: string }).submitted === '1' && req.viewer?.id === e.submitter?.userId;
  return html`${just ? html`<p class="notice" role="status">Submitted to the list of ${e.day}. Thank you!</p>` : ''}${
    e.comment ? html`<section aria-labelledby="sub-note-h"><h2 id="sub-note-h">Why ${e.submitter?.fullname || e.submitter?.name || 'the submitter'} submitted it</h2><p>${e.comment}</p></section>` : ''
  }`;
}

export function submissionRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;

  type Typed = { paper?: string; comment?: string; draft?: string };
  /** The form; signed out it is there too, and sending it leads through sign-in, which submits it. */
  const submitPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer | null, problem?: Problem, values: Typed = {}) => {
    const per = pb.config.submitPerUserPerDay;
    const quota = !v
      ? `${per} a day per account`
      : isCurator(v)
        ? 'unlimited (curator)'
        : `${Math.max(0, per - (await c.submissions.countToday(v.id)))} of ${per} left today`;
    return ctx.page(
      req,
      reply,
      { title: 'Submit a paper' },
      html`<h1>Submit a paper to today's list</h1>
<p>Any arXiv paper announced within the last ${pb.config.submitMaxAgeDays} days that is not on a list yet. Submissions: ${quota}.</p>
${formNotice(problem)}
<form method="post" action="/submit" class="stack">${v ? csrfInput(v) : ''}
  <p><label for="paper">arXiv id or link</label>${fieldError(problem, 'paper')}<input id="paper" name="paper" type="text" required maxlength="300" placeholder="2410.17243 or https://arxiv.org/abs/2410.17243" value="${values.paper ?? ''}"${invalid(problem, 'paper')}></p>
  <p><label for="comment">Why is it worth reading? <span class="muted">(optional)</span></label>${fieldError(problem, 'comment')}<textarea id="comment" name="comment" rows="3" maxlength="${pb.config.submitCommentMaxChars}"${invalid(problem, 'comment')}>${values.comment ?? ''}</textarea></p>
  ${values.draft ? html`<input type="hidden" name="draft" value="${values.draft}">` : ''}${v ? '' : html`<p class="hint">You sign in with a link we e-mail you; the paper is submitted as soon as you are back.</p>`}
  <p><button class="btn" type="submit">${v ? 'Submit' : 'Sign in and submit'}</button></p>
</form>`,
      problem?.status ?? 200,
    );
  };

  const received = (req: FastifyRequest, reply: FastifyReply, arxivId: string, status: number) =>
    ctx.page(req, reply, { title: 'Submission received' }, html`<h1>Submission received</h1><p role="status">${queuedMessage(arxivId, pb.config.submitMaxAgeDays)}</p>`, status);

  app.get<{ Querystring: { paper?: string; draft?: string; received?: string } }>('/submit', async (req, reply) => {
    const v = req.viewer;
    const paper = String(req.query.paper ?? '').slice(0, 300);
    if (!v) return submitPage(req, reply, null, undefined, { paper });
    if (!v.username) return reply.redirect(`/welcome?next=${encodeURIComponent(req.url)}`, 303);
    // Where a submission made by signing in lands when arXiv was slow (it is finished by a job).
    const queued = req.query.received ? parseArxivId(String(req.query.received).slice(0, 100)) : null;
    if (queued) return received(req, reply, queued.id, 200);
    // A submission that waited through sign-in and was refused then: shown again to its reader.
    if (req.query.draft) {
      const d = await c.drafts.peek(String(req.query.draft).slice(0, 40), 'submit', v.id);
      if (!d) return submitPage(req, reply, v, { status: 200, message: 'Your submission was not kept: drafts wait a day at most. Please enter it again.' }, { paper });
      return submitPage(req, reply, v, d.problem ? { status: 200, message: `Not submitted yet: ${d.problem}` } : undefined, { paper: d.target, comment: d.body, draft: d.key });
    }
    return submitPage(req, reply, v, undefined, { paper });
  });

  /**
   * Signed out: the form is checked as far as it can be without an account, kept on the server as a
   * draft, and the reader signs in; the sign-in submits it (src/http/pages/pending.ts).
   */
  const keepAndSignIn: preHandlerAsyncHookHandler = async (req, reply) => {
    if (req.viewer) return;
    const b = (req.body ?? {}) as Static<typeof SubmitBody>;
    const values = { paper: String(b.paper ?? '').slice(0, 300), comment: b.comment };
    const again = async (p: Problem) => {
      await submitPage(req, reply, null, p, values);
      return reply;
    };
    if (!postedFromHere(req)) return again({ status: 403, message: 'This form was sent from another site. Check it below and send it from here.' });
    let id: string;
    let key: string;
    try {
      const { parsed, note } = c.submissions.check(values.paper, b.comment);
      id = parsed.id;
      key = await c.drafts.keep('submit', id, note, req.ip);
    } catch (err) {
      const p = problemOf(err, 'paper');
      if (/comment/i.test(p.message) && p.field === 'paper') p.field = 'comment';
      if (p.status === 429) {
        p.field = undefined;
        reply.header('Retry-After', String((err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds ?? 60));
      }
      return again(p);
    }
    const pending = formatPending({ kind: 'submit', paper: id, draft: key });
    await reply.redirect(`/signin?next=${encodeURIComponent('/submit')}&do=${encodeURIComponent(pending)}`, 303);
    return reply;
  };

  app.post<{ Body: Static<typeof SubmitBody> }>(
    '/submit',
    { schema: { body: SubmitBody, hide: true }, preHandler: [keepAndSignIn, csrfChecked] },
    async (req, reply) => {
      const v = viewerOf(req);
      const b = req.body ?? {};
      try {
        const r = await c.submissions.submit(v, String(b.paper ?? ''), b.comment, req.ip);
        if (b.draft) await c.drafts.done(b.draft);
        if (isQueued(r)) return received(req, reply, r.arxivId, 202);
        return reply.redirect(`/papers/${r.paper.arxivId}?submitted=1`, 303);
      } catch (err) {
        const p = problemOf(err, 'paper');
        if (/comment/i.test(p.message) && p.field === 'paper') p.field = 'comment';
        if (p.status === 403 || p.status === 429) p.field = undefined;
        const retry = (err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds;
        if (p.status === 429 && retry) reply.header('Retry-After', String(retry));
        return submitPage(req, reply, v, p, b);
      }
    },
  );
}
