// Following an author or a category puts their new papers in the reader's e-mail digest (made if
// needed: signed in, at once, the account's address being proven; otherwise by e-mail with double
// opt-in). The RSS feed stays a secondary link.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import type { PaperView } from '../../services/papers.ts';
import { DEFAULT_PREFS, normaliseEmail } from '../../services/digest-util.ts';
import { errors } from '../../domain/errors.ts';
import { parsePending, type PendingAction } from '../../domain/pending.ts';
import { backOf, csrfChecked } from './community-session.ts';
import { csrfInput } from './community-account.ts';
import { completePending } from './pending.ts';
import { fieldError, invalid, postedFromHere, problemOf, type Problem } from './forms.ts';

const FollowQuery = Type.Object({ author: Type.Optional(Type.String({ maxLength: 100 })), category: Type.Optional(Type.String({ maxLength: 32 })) });
const FollowBody = Type.Object({
  author: Type.Optional(Type.String({ maxLength: 100 })),
  category: Type.Optional(Type.String({ maxLength: 32 })),
  email: Type.Optional(Type.String({ maxLength: 300 })),
  frequency: Type.Optional(Type.String({ maxLength: 10 })),
  back: Type.Optional(Type.String({ maxLength: 500 })),
  _csrf: Type.Optional(Type.String()),
});

type Target = Extract<PendingAction, { kind: 'follow-author' | 'follow-category' }>;

function targetOf(q: { author?: string; category?: string }): Target {
  const a = q.author ? parsePending(`follow-author:${q.author}`) : q.category ? parsePending(`follow-category:${q.category}`) : null;
  if (!a || (a.kind !== 'follow-author' && a.kind !== 'follow-category')) throw errors.badRequest('Say whom to follow: an author or an arXiv category such as cs.CL.');
  return a;
}
const what = (t: Target) => (t.kind === 'follow-author' ? t.name : t.category);
const feedOf = (t: Target) => (t.kind === 'follow-author' ? `/feeds/author/${encodeURIComponent(t.name)}.rss` : `/feeds/category/${t.category}.rss`);
const followHref = (t: Target) => (t.kind === 'follow-author' ? `/follow?author=${encodeURIComponent(t.name)}` : `/follow?category=${encodeURIComponent(t.category)}`);

/** A "Follow" button (a form: one click when signed in, else the follow page asks for an address). */
export function followButton(req: FastifyRequest, t: Target, back: string): SafeHtml {
  const v = req.viewer;
  if (!v?.csrf) return html`<a class="btn secondary" href="${followHref(t)}">Follow</a>`;
  return html`<form method="post" action="/follow" class="inline">${csrfInput(v)}<input type="hidden" name="${t.kind === 'follow-author' ? 'author' : 'category'}" value="${what(t)}"><input type="hidden" name="back" value="${back}"><button class="btn secondary" type="submit" aria-label="Follow ${what(t)}">Follow</button></form>`;
}

/** The paper page's "Follow" box: its authors and its category, into the digest; RSS aside. */
export function followSection(req: FastifyRequest, view: PaperView): SafeHtml {
  const p = view.paper;
  const back = `/papers/${p.arxivId}`;
  const targets: Target[] = [
    ...p.authors.slice(0, 4).map((name) => ({ kind: 'follow-author' as const, name })),
    ...(p.primaryCategory ? [{ kind: 'follow-category' as const, category: p.primaryCategory }] : []),
  ];
  return html`<section class="follow" aria-labelledby="follow-h">
  <h2 id="follow-h">Follow</h2>
  <p class="muted">New papers by them, in your e-mail digest.</p>
  <ul>${targets.map((t) => html`<li><span>${t.kind === 'follow-author' ? what(t) : html`New in ${what(t)}`}</span> ${followButton(req, t, back)} <a type="application/rss+xml" href="${feedOf(t)}" class="rss" aria-label="RSS feed of ${what(t)}">RSS</a></li>`)}</ul>
</section>`;
}

export function followRoutes(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const subs = pb.digest.subscriptions;

  const followPage = (req: FastifyRequest, reply: FastifyReply, t: Target, back: string | null, problem?: Problem, email = '') => {
    const v = req.viewer;
    const name = what(t);
    return ctx.page(
      req,
      reply,
      { title: `Follow ${name}` },
      html`<h1>Follow ${t.kind === 'follow-author' ? name : html`new papers in ${name}`}</h1>
<p>New papers ${t.kind === 'follow-author' ? html`by ${name}` : html`in ${name}`} arrive in your e-mail digest, with the day's most upvoted papers. Every digest has a one-click unsubscribe.</p>
${
  v?.csrf
    ? html`<form method="post" action="/follow">${csrfInput(v)}<input type="hidden" name="${t.kind === 'follow-author' ? 'author' : 'category'}" value="${name}"><input type="hidden" name="back" value="${back ?? ''}"><button class="btn" type="submit">Add to my digest</button></form>`
    : html`<form method="post" action="/follow" class="stack"><input type="hidden" name="${t.kind === 'follow-author' ? 'author' : 'category'}" value="${name}"><input type="hidden" name="back" value="${back ?? ''}">
  <p><label for="email">Your e-mail address</label>${fieldError(problem, 'email')}<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value="${email}"${invalid(problem, 'email')}></p>
  <p><button class="btn" type="submit">Follow by e-mail</button></p>
  <p class="muted">We mail you a link to confirm first. Already have an account? <a href="/signin?next=${encodeURIComponent(back ?? '/')}&do=${encodeURIComponent(`${t.kind}:${name}`)}">Sign in</a> and it is added to your digest.</p>
</form>`
}
<p class="muted">Or use a feed reader: <a href="${feedOf(t)}" type="application/rss+xml">RSS feed of ${name}</a>.</p>`,
      problem?.status ?? 200,
    );
  };

  app.get<{ Querystring: Static<typeof FollowQuery> }>('/follow', { schema: { querystring: FollowQuery, hide: true } }, async (req, reply) =>
    followPage(req, reply, targetOf(req.query), backOf(req, '/')),
  );

  app.post<{ Body: Static<typeof FollowBody> }>(
    '/follow',
    {
      schema: { body: FollowBody, hide: true },
      // Signed in, the account's form token; signed out (a first visit), where the post came from.
      preHandler: async (req, reply) => {
        if (req.viewer) return csrfChecked.call(app, req, reply);
        if (!postedFromHere(req)) throw errors.forbidden('This form did not come from this site. Open the page again and retry.');
      },
    },
    async (req, reply) => {
      const b = req.body ?? {};
      const t = targetOf(b);
      const back = backOf(req, '/');
      const v = req.viewer;
      if (v) {
        const r = await completePending(req, v, `${t.kind}:${what(t)}`);
        return ctx.page(
          req,
          reply,
          { title: `Following ${what(t)}` },
          html`<h1>Following ${what(t)}</h1><p role="status">${r.done}</p><p><a href="/settings/digest">Your digest settings</a> · <a href="${back}">Back to where you were</a></p>`,
        );
      }
      let email: string;
      try {
        email = normaliseEmail(b.email);
      } catch (err) {
        return followPage(req, reply, t, back, problemOf(err, 'email'), String(b.email ?? '').slice(0, 254));
      }
      await subs.limit(req.ip);
      // An address that already gets the digest keeps what it follows; the new one is added on confirming.
      const had = await subs.byEmail(email);
      const base = had && had.status !== 'unsubscribed' ? { frequency: had.frequency, categories: had.categories, keywords: had.keywords, authors: had.authors, timeZone: had.timeZone } : { ...DEFAULT_PREFS };
      const prefs = {
        ...base,
        authors: t.kind === 'follow-author' && !base.authors.includes(t.name) ? [...base.authors, t.name].slice(-20) : base.authors,
        categories: t.kind === 'follow-category' && !base.categories.includes(t.category) ? [...base.categories, t.category].slice(-20) : base.categories,
      };
      void (await subs.subscribe(email, prefs));
      return ctx.page(
        req,
        reply,
        { title: 'Check your inbox' },
        html`<h1>Check your inbox</h1><p role="status">If <strong>${email}</strong> can receive our digest, a link to confirm is on its way. Once you confirm, new papers ${t.kind === 'follow-author' ? html`by ${t.name}` : html`in ${t.category}`} arrive in your digest.</p><p><a href="${back}">Back to where you were</a></p>`,
      );
    },
  );
}
