// The curators' moderation page: reported comments, author claims, the audit log.
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { isCurator } from '../../services/accounts.ts';
import { errors } from '../../domain/errors.ts';
import { csrfChecked, intParam, signedIn, viewerOf } from './community-session.ts';
import { csrfInput } from './community-account.ts';

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');
const DecisionBody = Type.Object({ decision: Type.Optional(Type.String({ maxLength: 10 })), _csrf: Type.Optional(Type.String()) });

export function moderationRoutes(app: FastifyInstance, ctx: HttpContext) {
  const c = ctx.pb.community;
  const curator = async (req: import('fastify').FastifyRequest) => {
    if (!isCurator(viewerOf(req))) throw errors.forbidden('Only curators can moderate.');
  };

  app.get('/moderation', { preHandler: [signedIn(), curator] }, async (req, reply) => {
    const v = viewerOf(req);
    const [reports, claims, audit] = await Promise.all([c.comments.openReports(), c.claims.pending(), c.audit.list(50)]);
    return ctx.page(
      req,
      reply,
      { title: 'Moderation' },
      html`<h1>Moderation</h1>
<section aria-labelledby="rep-h"><h2 id="rep-h">Reported comments</h2>
${reports.length ? html`<ul>${reports.map((r) => html`<li><a href="/papers/${r.arxiv_id}#comment-${r.comment_id}">${r.arxiv_id}</a>: “${r.body_md.slice(0, 200)}” · reported by ${r.reporter}: ${r.reason}
  ${r.hidden_at ? ' (hidden)' : html`<form method="post" action="/comments/${r.comment_id}/hide" class="inline">${csrfInput(v)}<input type="hidden" name="hidden" value="1"><input type="hidden" name="back" value="/moderation"><button class="btn secondary" type="submit">Hide</button></form>`}</li>`)}</ul>` : html`<p class="muted">No open reports.</p>`}</section>
<section aria-labelledby="claims-h"><h2 id="claims-h">Author claims</h2>
${claims.length ? html`<ul>${claims.map((cl) => html`<li>${cl.username} claims to be ${cl.authorName} on <a href="/papers/${cl.arxivId}">${cl.arxivId}</a>
  <form method="post" action="/moderation/claims/${cl.id}" class="inline">${csrfInput(v)}<button class="btn" name="decision" value="approve" type="submit">Approve</button> <button class="btn secondary" name="decision" value="reject" type="submit">Reject</button></form></li>`)}</ul>` : html`<p class="muted">No pending claims.</p>`}</section>
<section aria-labelledby="audit-h"><h2 id="audit-h">Audit log</h2>
${audit.length ? html`<div class="table-wrap"><table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Target</th></tr></thead><tbody>${audit.map((a) => html`<tr><td>${when(a.createdAt)}</td><td>${a.actorName ?? '—'}</td><td>${a.action}</td><td>${a.targetType} ${a.targetId}</td></tr>`)}</tbody></table></div>` : html`<p class="muted">Nothing yet.</p>`}</section>`,
    );
  });

  app.post<{ Params: { id: string }; Body: Static<typeof DecisionBody> }>(
    '/moderation/claims/:id',
    { schema: { body: DecisionBody, hide: true }, preHandler: [signedIn({ next: () => '/moderation' }), csrfChecked] },
    async (req, reply) => {
      await c.claims.decide(viewerOf(req), intParam(req.params.id, 'claim'), req.body?.decision === 'approve');
      return reply.redirect('/moderation', 303);
    },
  );
}
