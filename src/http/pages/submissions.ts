// Submitting a paper to today's list, and the note a submission shows on its paper page.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { isCurator } from '../../services/accounts.ts';
import type { PaperView } from '../../services/papers.ts';
import { isQueued, queuedMessage } from '../../services/submissions.ts';
import { csrfChecked, signedIn, viewerOf, type RequestViewer } from './community-session.ts';
import { csrfInput } from './community-account.ts';
import { fieldError, formNotice, invalid, problemOf, type Problem } from './forms.ts';

const SubmitBody = Type.Object({
  paper: Type.Optional(Type.String({ maxLength: 300 })),
  comment: Type.Optional(Type.String({ maxLength: 5000 })),
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

  type Typed = { paper?: string; comment?: string };
  const submitPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, problem?: Problem, values: Typed = {}) => {
    const used = await c.submissions.countToday(v.id);
    const quota = isCurator(v) ? 'unlimited (curator)' : `${Math.max(0, pb.config.submitPerUserPerDay - used)} of ${pb.config.submitPerUserPerDay} left today`;
    return ctx.page(
      req,
      reply,
      { title: 'Submit a paper' },
      html`<h1>Submit a paper to today's list</h1>
<p>Any arXiv paper announced within the last ${pb.config.submitMaxAgeDays} days that is not on a list yet. Submissions: ${quota}.</p>
${formNotice(problem)}
<form method="post" action="/submit" class="stack">${csrfInput(v)}
  <p><label for="paper">arXiv id or link</label>${fieldError(problem, 'paper')}<input id="paper" name="paper" type="text" required maxlength="300" placeholder="2410.17243 or https://arxiv.org/abs/2410.17243" value="${values.paper ?? ''}"${invalid(problem, 'paper')}></p>
  <p><label for="comment">Why is it worth reading? <span class="muted">(optional)</span></label>${fieldError(problem, 'comment')}<textarea id="comment" name="comment" rows="3" maxlength="${pb.config.submitCommentMaxChars}"${invalid(problem, 'comment')}>${values.comment ?? ''}</textarea></p>
  <p><button class="btn" type="submit">Submit</button></p>
</form>`,
      problem?.status ?? 200,
    );
  };

  app.get<{ Querystring: { paper?: string } }>('/submit', { preHandler: signedIn({ pending: (req) => ((req.query as { paper?: string }).paper ? `submit:${(req.query as { paper: string }).paper}` : null) }) }, async (req, reply) => {
    const v = viewerOf(req);
    if (!v.username) return reply.redirect(`/welcome?next=${encodeURIComponent(req.url)}`, 303);
    return submitPage(req, reply, v, undefined, { paper: String(req.query.paper ?? '').slice(0, 300) });
  });

  app.post<{ Body: Static<typeof SubmitBody> }>(
    '/submit',
    { schema: { body: SubmitBody, hide: true }, preHandler: [signedIn({ next: () => '/submit', pending: (req) => `submit:${String((req.body as { paper?: string })?.paper ?? '').slice(0, 120)}` }), csrfChecked] },
    async (req, reply) => {
      const v = viewerOf(req);
      const b = req.body ?? {};
      try {
        const r = await c.submissions.submit(v, String(b.paper ?? ''), b.comment, req.ip);
        if (isQueued(r))
          return ctx.page(req, reply, { title: 'Submission received' }, html`<h1>Submission received</h1><p role="status">${queuedMessage(r.arxivId, pb.config.submitMaxAgeDays)}</p>`, 202);
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
