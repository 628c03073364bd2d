// Account pages: sign in by e-mail link, first-time profile, sign out (here or everywhere),
// settings, personal API tokens, and public profiles.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { csrfField as formCsrf } from '../csrf.ts';
import { paperCard } from '../present/cards.ts';
import { safeNext, isCurator } from '../../services/accounts.ts';
import { AppError, errors } from '../../domain/errors.ts';
import { parseExpiryDays, parseScopes, SCOPE_HELP, TOKEN_SCOPES } from '../../domain/token-scopes.ts';
import { describePending, formatPending, type PendingAction } from '../../domain/pending.ts';
import { completePending, pendingShown } from './pending.ts';
import { fieldError, invalid, problemOf, type Problem } from './forms.ts';
import {
  bodyOf,
  clearSessionCookie,
  csrfChecked,
  formProblem,
  intParam,
  setSessionCookie,
  signedIn,
  sessionCookie,
  viewerOf,
  type RequestViewer,
} from './community-session.ts';

export const csrfInput = (v: RequestViewer) => html`<input type="hidden" name="_csrf" value="${v.csrf}">`;
export const notice = (message: string | undefined, kind: 'error' | 'ok' = 'error') =>
  message ? html`<p class="notice${kind === 'error' ? ' error' : ''}" role="${kind === 'error' ? 'alert' : 'status'}">${message}</p>` : '';

const fmt = (iso: string | null) => (iso ? iso.slice(0, 16).replace('T', ' ') + ' UTC' : 'never');

export function accountPages(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const accounts = pb.community.accounts;

  /** "Then your comment on arXiv:… is posted." with the kept text, for the pages on the way. */
  const promise = (action: PendingAction | null, preview: SafeHtml | '', lead: string) =>
    action ? html` ${lead} ${describePending(action)}${preview ? ':' : '.'}` : '';

  const signinForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    csrf: SafeHtml,
    next: string | null,
    problem?: Problem,
    email = '',
    pending: string | null = null,
  ) => {
    const { action, preview } = await pendingShown(req, pending);
    return ctx.page(
      req,
      reply,
      { title: 'Sign in' },
      html`<h1>Sign in</h1>
<p>No password: we e-mail you a link that signs you in. It works once and expires in ${pb.config.magicLinkMinutes} minutes.${
        action
          ? html` After signing in, ${describePending(action)}, and ${
              action.kind === 'submit' && action.draft ? 'you land on its page' : `you come back ${next && next !== '/' ? 'to where you were' : 'here'}`
            }${preview ? ':' : '.'}`
          : ''
      }</p>${preview}
${problem && !problem.field ? notice(problem.message) : ''}
<form method="post" action="/signin" class="stack">
  ${csrf}
  <input type="hidden" name="next" value="${next ?? ''}">
  ${action ? html`<input type="hidden" name="do" value="${formatPending(action)}">` : ''}
  <p><label for="email">E-mail address</label>${fieldError(problem, 'email')}<input id="email" name="email" type="email" required maxlength="254" autocomplete="email" value="${email}"${invalid(problem, 'email')}></p>
  <p><button class="btn" type="submit">Send me a sign-in link</button></p>
</form>`,
      problem?.status ?? 200,
    );
  };

  /** A used, expired or unknown link: say which, and offer a new one right there. */
  const linkProblem = (req: FastifyRequest, reply: FastifyReply, err: unknown) => {
    if (!(err instanceof AppError) || !err.code.startsWith('link_')) throw err;
    const d = (err.details ?? {}) as { email?: string; next?: string | null; pending?: string | null };
    return signinForm(req, reply, csrfField(req, reply), d.next ?? null, { status: 400, message: err.message }, d.email ?? '', d.pending ?? null);
  };

  const csrfField = (req: FastifyRequest, reply: FastifyReply) => formCsrf(req, reply, pb.secret);

  app.get<{ Querystring: { next?: string; do?: string } }>('/signin', async (req, reply) => {
    const next = safeNext(req.query.next);
    if (req.viewer) return reply.redirect(next ?? '/', 303);
    return signinForm(req, reply, csrfField(req, reply), next, undefined, '', req.query.do ?? null);
  });

  app.post('/signin', { preHandler: csrfChecked }, async (req, reply) => {
    const b = bodyOf(req);
    const next = safeNext(b.next);
    const { action } = await pendingShown(req, b.do);
    try {
      await accounts.requestLink(String(b.email ?? '').slice(0, 300), req.ip, next, action ? formatPending(action) : null);
    } catch (err) {
      const p = problemOf(err, 'email');
      if (p.status === 429) {
        p.field = undefined;
        reply.header('Retry-After', String(((err as { details?: { retryAfterSeconds?: number } }).details?.retryAfterSeconds) ?? 60));
      }
      return signinForm(req, reply, csrfField(req, reply), next, p, String(b.email ?? '').slice(0, 254), action ? formatPending(action) : null);
    }
    return ctx.page(
      req,
      reply,
      { title: 'Check your inbox' },
      html`<h1>Check your inbox</h1><p role="status">If the address is right, a sign-in link is on its way to <strong>${String(b.email).trim()}</strong>. It expires in ${pb.config.magicLinkMinutes} minutes.</p>`,
    );
  });

  // The link from the mail only shows a button: mail scanners that fetch links must not use it up.
  app.get<{ Querystring: { token?: string } }>('/signin/verify', async (req, reply) => {
    const token = String(req.query.token ?? '').slice(0, 200);
    let link: { email: string; pending: string | null };
    try {
      link = await accounts.peekLink(token);
    } catch (err) {
      return linkProblem(req, reply, err);
    }
    const { email } = link;
    const { action, preview } = await pendingShown(req, link.pending);
    return ctx.page(
      req,
      reply,
      { title: 'Sign in' },
      html`<h1>Sign in</h1>
<form method="post" action="/signin/verify">
  ${csrfField(req, reply)}
  <input type="hidden" name="token" value="${token}">
  <p>Signing in as <strong>${email}</strong>.${promise(action, preview, 'Then')}</p>${preview}
  <p><button class="btn" type="submit">Sign in</button></p>
</form>`,
    );
  });

  /** Back where the reader was going, the pending action done (with its outcome on the way). */
  type PendingViewer = Parameters<typeof completePending>[1];
  const arrive = async (req: FastifyRequest, reply: FastifyReply, viewer: PendingViewer, next: string | null, pending: string | null) => {
    const r = await completePending(req, viewer, pending);
    // The request came in signed out, so the page micro-cache did not count it as a write; the vote,
    // comment or submission it just made must show to anonymous readers at once as well.
    if (r.done) req.server.pageCache?.invalidate();
    return reply.redirect(r.next ?? next ?? '/', 303);
  };

  app.post('/signin/verify', { preHandler: csrfChecked }, async (req, reply) => {
    let link: Awaited<ReturnType<typeof accounts.consumeLink>>;
    try {
      link = await accounts.consumeLink(String(bodyOf(req).token ?? '').slice(0, 200), String(req.headers['user-agent'] ?? ''));
    } catch (err) {
      return linkProblem(req, reply, err);
    }
    const { user, sessionToken, next, pending } = link;
    setSessionCookie(req, reply, sessionToken, pb.config.sessionDays);
    if (!user.username) {
      const q = new URLSearchParams();
      if (next) q.set('next', next);
      if (pending) q.set('do', pending);
      return reply.redirect(`/welcome${q.size ? `?${q}` : ''}`, 303);
    }
    return arrive(req, reply, { ...user, via: 'session' } as Parameters<typeof completePending>[1], next, pending);
  });

  const welcomeForm = async (
    req: FastifyRequest,
    reply: FastifyReply,
    v: RequestViewer,
    next: string | null,
    pending: string | null,
    problem?: Problem,
    values?: Record<string, string>,
  ) => {
    const { action, preview } = await pendingShown(req, pending);
    return ctx.page(
      req,
      reply,
      { title: 'Welcome' },
      html`<h1>Welcome to Paperboy</h1>
<p>Choose how you appear to others.${promise(action, preview, 'Then')}</p>${preview}
${problem && !problem.field ? notice(problem.message) : ''}
<form method="post" action="/welcome" class="stack">
  ${csrfInput(v)}
  <input type="hidden" name="next" value="${next ?? ''}">
  ${action ? html`<input type="hidden" name="do" value="${formatPending(action)}">` : ''}
  <p><label for="username">Username</label>
  <span class="hint" id="username-rules">2 to 30 characters: lower-case letters a–z, digits, “-” and “_”, starting with a letter or digit. It is shown with your comments and cannot be changed later.</span>
  ${fieldError(problem, 'username')}<input id="username" name="username" type="text" required minlength="2" maxlength="30" pattern="[a-z0-9][a-z0-9_\\-]{1,29}" value="${values?.username ?? ''}" autocomplete="username" aria-describedby="username-rules${problem?.field === 'username' ? ' username-error' : ''}"${problem?.field === 'username' ? html` aria-invalid="true"` : ''}></p>
  <p><label for="display_name">Display name</label>
  <span class="hint" id="display-rules">Up to 60 characters, any you like; you can change it in your settings.</span>
  ${fieldError(problem, 'display_name')}<input id="display_name" name="display_name" type="text" required maxlength="60" value="${values?.display_name ?? ''}" autocomplete="name" aria-describedby="display-rules"${invalid(problem, 'display_name')}></p>
  <p><button class="btn" type="submit">${action ? 'Save and continue' : 'Save'}</button></p>
</form>`,
      problem?.status ?? 200,
    );
  };

  app.get<{ Querystring: { next?: string; do?: string } }>('/welcome', { preHandler: signedIn() }, async (req, reply) => {
    const v = viewerOf(req);
    if (v.username) return reply.redirect(safeNext(req.query.next) ?? '/settings', 303);
    return welcomeForm(req, reply, v, safeNext(req.query.next), req.query.do ?? null);
  });

  app.post('/welcome', { preHandler: [signedIn({ next: () => '/welcome' }), csrfChecked] }, async (req, reply) => {
    const v = viewerOf(req);
    const b = bodyOf(req);
    let user;
    try {
      user = await accounts.setProfile(v.id, { username: String(b.username ?? '').slice(0, 100), displayName: String(b.display_name ?? '').slice(0, 200) });
    } catch (err) {
      const p = problemOf(err);
      p.field = /username/i.test(p.message) ? 'username' : /display/i.test(p.message) ? 'display_name' : undefined;
      return welcomeForm(req, reply, v, safeNext(b.next), b.do ?? null, p, b);
    }
    return arrive(req, reply, { ...v, username: user.username, displayName: user.displayName }, safeNext(b.next), b.do ?? null);
  });

  app.post('/signout', { preHandler: csrfChecked }, async (req, reply) => {
    const v = req.viewer;
    if (v && bodyOf(req).everywhere) await accounts.signOutEverywhere(v.id, { revokeTokens: bodyOf(req).revoke_tokens === '1' });
    else if (req.cookies?.[sessionCookie(req)]) await accounts.signOut(req.cookies[sessionCookie(req)]!);
    clearSessionCookie(req, reply);
    return reply.redirect('/', 303);
  });

  const settingsPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, message?: { status: number; message: string; ok?: boolean }) => {
    const collections = await pb.community.collections.forUser(v.id, true);
    const claims = await pb.community.claims.forUser(v.id);
    return ctx.page(
      req,
      reply,
      { title: 'Settings' },
      html`<h1>Settings</h1>
${message ? notice(message.message, message.ok ? 'ok' : 'error') : ''}
<section aria-labelledby="profile-h">
  <h2 id="profile-h">Profile</h2>
  <p>Signed in as <strong>${v.email}</strong>${v.username ? html` · username <a href="/users/${v.username}">${v.username}</a>` : ''} · role ${v.role}</p>
  <form method="post" action="/settings">
    ${csrfInput(v)}
    <p><label for="display_name">Display name</label><br><input id="display_name" name="display_name" type="text" required maxlength="60" value="${v.displayName ?? ''}"></p>
    <p><button class="btn" type="submit">Save</button></p>
  </form>
</section>
<section aria-labelledby="more-h">
  <h2 id="more-h">Your things</h2>
  <ul>
    <li><a href="/settings/tokens">Personal API tokens</a></li>
    <li><a href="/collections">Collections</a> (${collections.length})</li>
    <li><a href="/submit">Submit a paper</a></li>
    ${isCurator(v) ? html`<li><a href="/moderation">Moderation</a></li>` : ''}
  </ul>
  ${claims.length ? html`<h3>Author claims</h3><ul>${claims.map((c) => html`<li><a href="/papers/${c.arxivId}">${c.title}</a> as ${c.authorName}: ${c.status}</li>`)}</ul>` : ''}
</section>
<section aria-labelledby="signout-h">
  <h2 id="signout-h">Sign out</h2>
  <form method="post" action="/signout" style="display:inline">${csrfInput(v)}<button class="btn secondary" type="submit">Sign out</button></form>
  <form method="post" action="/signout" style="display:inline">${csrfInput(v)}<input type="hidden" name="everywhere" value="1"><label><input type="checkbox" name="revoke_tokens" value="1"> and revoke my API tokens</label> <button class="btn secondary" type="submit">Sign out everywhere</button></form>
</section>`,
      message?.status ?? 200,
    );
  };

  app.get('/settings', { preHandler: signedIn() }, async (req, reply) => {
    const v = viewerOf(req);
    if (!v.username) return reply.redirect('/welcome', 303);
    return settingsPage(req, reply, v);
  });

  app.post('/settings', { preHandler: [signedIn({ next: () => '/settings' }), csrfChecked] }, async (req, reply) => {
    const v = viewerOf(req);
    try {
      const u = await accounts.setProfile(v.id, { displayName: bodyOf(req).display_name });
      return settingsPage(req, reply, { ...v, displayName: u.displayName }, { status: 200, message: 'Saved.', ok: true });
    } catch (err) {
      return settingsPage(req, reply, v, formProblem(err));
    }
  });

  const tokensPage = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, created?: string, status = 200) => {
    const tokens = await accounts.listTokens(v.id);
    return ctx.page(
      req,
      reply,
      { title: 'API tokens' },
      html`<h1>Personal API tokens</h1>
<p>Scripts use a token with <code>Authorization: Bearer &lt;token&gt;</code> on <code>/api/…</code> to submit, upvote and comment. A token works on the API only, and only for the scopes you give it.</p>
${
  created
    ? html`<div class="notice" role="status"><p>Your new token. Copy it now: it is shown only once.</p><p><code id="new-token">${created}</code></p></div>`
    : ''
}
<form method="post" action="/settings/tokens">
  ${csrfInput(v)}
  <p><label for="token-name">Name</label><br><input id="token-name" name="name" type="text" maxlength="60" placeholder="e.g. my reading bot" required></p>
  <fieldset><legend>What it may do</legend><input type="hidden" name="scopes_offered" value="1">
  ${TOKEN_SCOPES.map((sc) => html`<label><input type="checkbox" name="scopes" value="${sc}" checked> <strong>${sc}</strong>: ${SCOPE_HELP[sc]}</label><br>`)}
  </fieldset>
  <p><label for="token-expiry">Expires</label><br><select id="token-expiry" name="expires_days"><option value="">never</option><option value="7">in 7 days</option><option value="30">in 30 days</option><option value="90" selected>in 90 days</option><option value="365">in a year</option></select></p>
  <p><button class="btn" type="submit">Create token</button></p>
</form>
<h2>Your tokens</h2>
${
  tokens.length
    ? html`<table><thead><tr><th scope="col">Name</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col">State</th></tr></thead><tbody>
${tokens.map(
  (t) => html`<tr><td>${t.name}</td><td>${t.scopes}</td><td>${fmt(t.created_at)}</td><td>${t.expires_at ? fmt(t.expires_at) : 'never'}</td><td>${fmt(t.last_used_at)}</td><td>${
    t.revoked_at
      ? html`revoked ${fmt(t.revoked_at)}`
      : t.expires_at && t.expires_at <= pb.community.now().toISOString()
      ? html`expired`
      : html`<form method="post" action="/settings/tokens/${t.id}/revoke">${csrfInput(v)}<button class="btn secondary" type="submit" aria-label="Revoke ${t.name}">Revoke</button></form>`
  }</td></tr>`,
)}</tbody></table>`
    : html`<p class="muted">No tokens yet.</p>`
}`,
      status,
    );
  };

  app.get('/settings/tokens', { preHandler: signedIn() }, async (req, reply) => tokensPage(req, reply, viewerOf(req)));
  const tokensGuard = [signedIn({ next: () => '/settings/tokens' }), csrfChecked];

  app.post('/settings/tokens', { preHandler: tokensGuard }, async (req, reply) => {
    const v = viewerOf(req);
    const b = bodyOf(req);
    const { token } = await accounts.createToken(v.id, String(b.name ?? ''), {
      // The form marks that it offered scopes: all unticked is then an error, not "every scope".
      scopes: b.scopes === undefined && b.scopes_offered ? [] : parseScopes(b.scopes), expiresInDays: parseExpiryDays(b.expires_days) });
    reply.header('Cache-Control', 'no-store');
    return tokensPage(req, reply, v, token, 201);
  });

  app.post<{ Params: { id: string } }>('/settings/tokens/:id/revoke', { preHandler: tokensGuard }, async (req, reply) => {
    await accounts.revokeToken(viewerOf(req).id, intParam(req.params.id, 'token'));
    return reply.redirect('/settings/tokens', 303);
  });

  app.get<{ Params: { username: string } }>('/users/:username', async (req, reply) => {
    const user = await accounts.byUsername(req.params.username);
    if (!user || !user.username) throw errors.notFound(`No user "${req.params.username}".`);
    const [voted, claimed, collections] = await Promise.all([
      pb.community.votes.byUser(user.id, 100),
      pb.community.claims.claimedPapers(user.id),
      pb.community.collections.forUser(user.id, req.viewer?.id === user.id),
    ]);
    const card = (p: (typeof voted)[number]) => paperCard({ paper: p }, req.viewer, `/users/${user.username}`);
    return ctx.page(
      req,
      reply,
      { title: user.displayName || user.username, math: true },
      html`<h1>${user.displayName || user.username} <span class="muted">@${user.username}</span></h1>
${user.role !== 'user' ? html`<p class="muted">${user.role}</p>` : ''}
<section aria-labelledby="claimed-h"><h2 id="claimed-h">Papers as author</h2>
${claimed.length ? html`<ol class="cards">${claimed.map(card)}</ol>` : html`<p class="muted">No claimed papers.</p>`}</section>
<section aria-labelledby="collections-h"><h2 id="collections-h">Collections</h2>
${collections.length ? html`<ul>${collections.map((c) => html`<li><a href="/collections/${c.id}">${c.name}</a> · ${c.count} paper${c.count === 1 ? '' : 's'}${c.isPublic ? '' : ' · private'}</li>`)}</ul>` : html`<p class="muted">No public collections.</p>`}</section>
<section aria-labelledby="upvoted-h"><h2 id="upvoted-h">Upvoted papers</h2>
${voted.length ? html`<ol class="cards">${voted.map(card)}</ol>` : html`<p class="muted">No upvotes yet.</p>`}</section>`,
    );
  });
}

