// Digest pages: subscribe (no account needed), confirm, manage by signed link, unsubscribe
// (with RFC 8058 one-click), settings for signed-in users, and the admin preview of recent digests.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { assertCsrf, csrfField, sameSecret } from '../csrf.ts';
import { fieldError, invalid, postedFromHere, problemOf, type Problem } from './forms.ts';
import { AppError, errors } from '../../domain/errors.ts';
import { normaliseEmail, parsePrefs, timeZones, DEFAULT_PREFS, type DigestPrefs } from '../../services/digest-util.ts';
import { describePrefs, type Subscriber } from '../../services/digest-subscriptions.ts';

interface ViewerLike {
  id: number;
  email: string;
  role?: string;
}

const viewerOf = (req: FastifyRequest) => (req as { viewer?: ViewerLike | null }).viewer ?? undefined;

/** The digest's fields; `problem` puts its message next to the field it is about. */
function prefsFields(p: DigestPrefs, opts: { tzFixed?: boolean; problem?: Problem } = {}): SafeHtml {
  const zones = timeZones();
  const pr = opts.problem;
  return html`
<fieldset>
  <legend>How often</legend>
  ${fieldError(pr, 'frequency')}
  <label><input type="radio" name="frequency" value="daily"${p.frequency === 'daily' ? html` checked` : ''}> Daily, on arXiv announcement days</label>
  <label><input type="radio" name="frequency" value="weekly"${p.frequency === 'weekly' ? html` checked` : ''}> Weekly</label>
</fieldset>
<div>
  <label for="d-categories">Categories <span class="muted">(optional)</span></label>
  ${fieldError(pr, 'categories')}<input id="d-categories" type="text" name="categories" value="${p.categories.join(', ')}" placeholder="cs.LG, cs.CL, stat.ML" autocomplete="off"${invalid(pr, 'categories')}>
  <p class="hint">arXiv categories, separated by commas.</p>
</div>
<div>
  <label for="d-keywords">Keywords or searches <span class="muted">(optional)</span></label>
  ${fieldError(pr, 'keywords')}<input id="d-keywords" type="text" name="keywords" value="${p.keywords.join(', ')}" placeholder="diffusion, &quot;retrieval augmented&quot;" autocomplete="off"${invalid(pr, 'keywords')}>
  <p class="hint">Each one is a saved search run against the new papers. Quote a phrase to match it exactly.</p>
</div>
<div>
  <label for="d-authors">Authors to follow <span class="muted">(optional)</span></label>
  ${fieldError(pr, 'authors')}<input id="d-authors" type="text" name="authors" value="${p.authors.join(', ')}" placeholder="Yoshua Bengio, Fei-Fei Li" autocomplete="off"${invalid(pr, 'authors')}>
</div>
<div>
  <label for="d-tz">Time zone</label>
  ${fieldError(pr, 'timeZone')}<select id="d-tz" name="timeZone"${opts.tzFixed ? '' : html` data-tz`}${invalid(pr, 'timeZone')}>${zones.map((z) => html`<option${z === p.timeZone ? html` selected` : ''}>${z}</option>`)}</select>
  <p class="hint">Digests arrive in the morning of your time zone.</p>
</div>`;
}

function formValues(req: FastifyRequest): Record<string, unknown> {
  return (req.body ?? {}) as Record<string, unknown>;
}

/** Whether the request carries a valid CSRF token (without throwing). */
function csrfOk(req: FastifyRequest, secret: string): boolean {
  try {
    assertCsrf(req, secret);
    return true;
  } catch {
    return false;
  }
}

/**
 * The compact digest box under the daily list. It carries no form token: the daily page is the same
 * for every first visitor (and may come from the micro-cache, before any cookie); /subscribe checks
 * where the post came from instead, and only ever sends a confirmation mail.
 */
export function digestBox(req: FastifyRequest): SafeHtml | '' {
  if (req.viewer) return '';
  return html`<aside class="digest-box" aria-label="E-mail digest">
  <strong>Get trending papers in your inbox</strong>
  <form action="/subscribe" method="post">
    <label class="visually-hidden" for="digest-box-email">E-mail address</label>
    <input id="digest-box-email" type="email" name="email" required maxlength="254" placeholder="you@example.org" autocomplete="email">
    <label class="visually-hidden" for="digest-box-frequency">How often</label>
    <select id="digest-box-frequency" name="frequency"><option value="daily">Daily</option><option value="weekly">Weekly</option></select>
    <input type="hidden" name="timeZone" value="UTC" data-tz>
    <button class="btn" type="submit">Subscribe</button>
    <a href="/subscribe">More options</a>
  </form>
</aside>`;
}

/** The preferences as typed, for showing a refused form again: nothing typed is lost. */
function typedPrefs(body: Record<string, unknown>): DigestPrefs {
  const list = (v: unknown) =>
    String(v ?? '')
      .slice(0, 2000)
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean)
      .slice(0, 40);
  const tz = String(body.timeZone ?? 'UTC').slice(0, 64);
  return { frequency: body.frequency === 'weekly' ? 'weekly' : 'daily', categories: list(body.categories), keywords: list(body.keywords), authors: list(body.authors), timeZone: timeZones().includes(tz) ? tz : 'UTC' };
}

export function digestPages(app: FastifyInstance, ctx: HttpContext): void {
  const pb = ctx.pb;
  const subs = pb.digest.subscriptions;
  const page = (req: FastifyRequest, reply: FastifyReply, title: string, body: SafeHtml, status = 200) =>
    ctx.page(req, reply, { title, description: 'Get trending research papers in your inbox.' }, body, status);

  const subscribeForm = (req: FastifyRequest, reply: FastifyReply, p: DigestPrefs, email = '', problem?: Problem) => {
    const v = viewerOf(req);
    return html`<h1>Get trending papers in your inbox</h1>
<p>The day's most upvoted papers, what is trending, and new papers in your categories, searches and authors. No account needed: we mail you a link to confirm, and every digest has a one-click unsubscribe.</p>
${v ? html`<p class="notice">You are signed in: <a href="/settings/digest">manage your digest in your settings</a>.</p>` : ''}
${problem && !problem.field ? html`<p class="notice error" role="alert">${problem.message}</p>` : ''}
<form class="digest-form" action="/subscribe" method="post">
  ${csrfField(req, reply, pb.secret)}
  <div>
    <label for="d-email">E-mail address</label>
    ${fieldError(problem, 'email')}<input id="d-email" type="email" name="email" required value="${email}" autocomplete="email" maxlength="254"${invalid(problem, 'email')}>
  </div>
  ${prefsFields(p, { problem })}
  <div><button class="btn" type="submit">Subscribe</button></div>
</form>`;
  };

  app.get('/subscribe', async (req, reply) => {
    const q = req.query as { frequency?: string };
    const p = { ...DEFAULT_PREFS, frequency: q.frequency === 'weekly' ? ('weekly' as const) : ('daily' as const) };
    return page(req, reply, 'Subscribe to the digest', subscribeForm(req, reply, p));
  });

  app.post('/subscribe', async (req, reply) => {
    const body = formValues(req);
    const typed = String(body.email ?? '').slice(0, 254);
    // The form token when the form has one (the full form); otherwise (the daily box, a first
    // visit) where the post came from. Either way, nothing happens before the mailbox confirms.
    if (!csrfOk(req, pb.secret) && !postedFromHere(req)) {
      const problem = { status: 403, message: 'This form did not come from this site. Check your details and press Subscribe again.' };
      return page(req, reply, 'Subscribe to the digest', subscribeForm(req, reply, typedPrefs(body), typed, problem), 403);
    }
    let email: string;
    let prefs: DigestPrefs;
    try {
      email = normaliseEmail(body.email);
      prefs = parsePrefs(body);
    } catch (err) {
      const problem = problemOf(err);
      return page(req, reply, 'Subscribe to the digest', subscribeForm(req, reply, typedPrefs(body), typed, problem), problem.status);
    }
    await subs.limit(req.ip);
    // Not awaited: the answer must not depend on (or take longer because of) whether a mail goes out.
    void (await subs.subscribe(email, prefs));
    return page(
      req,
      reply,
      'Check your inbox',
      html`<h1>Check your inbox</h1>
<p>If <strong>${email}</strong> can receive our digest, a confirmation link is on its way. The link works for ${pb.config.digestConfirmHours} hours; nothing is sent until you click it.</p>
<p class="muted">No mail after a few minutes? Look in the spam folder. We send at most one confirmation mail per address every ${pb.config.digestConfirmHours} hours.</p>
<p><a href="/">Back to the daily papers</a></p>`,
    );
  });

  const expired = (req: FastifyRequest, reply: FastifyReply) =>
    page(
      req,
      reply,
      'Link expired',
      html`<h1>This link has expired or was already used</h1><p>Confirmation links work once, for ${pb.config.digestConfirmHours} hours. <a href="/subscribe">Subscribe again</a> to get a new one.</p>`,
      410,
    );

  // Confirming takes a POST so that link scanners that fetch every URL in a mail cannot confirm for you.
  app.get<{ Params: { token: string } }>('/subscribe/confirm/:token', async (req, reply) => {
    const info = await subs.peekConfirm(req.params.token);
    if (!info) return expired(req, reply);
    return page(
      req,
      reply,
      'Confirm your subscription',
      html`<h1>Confirm your subscription</h1>
<p>Send the digest to <strong>${info.email}</strong>: ${describePrefs(info.prefs)}</p>
<form method="post" action="/subscribe/confirm/${req.params.token}">${csrfField(req, reply, pb.secret)}<button class="btn" type="submit">Confirm subscription</button></form>`,
    );
  });

  app.post<{ Params: { token: string } }>('/subscribe/confirm/:token', async (req, reply) => {
    assertCsrf(req, pb.secret);
    const s = await subs.confirm(req.params.token);
    if (!s) return expired(req, reply);
    const token = subs.unsubscribeToken(s);
    return page(
      req,
      reply,
      'Subscribed',
      html`<h1>You are subscribed</h1>
<p>${describePrefs(s)} The next digest goes to <strong>${s.email}</strong>.</p>
<p><a href="/subscribe/manage/${token}">Change what you receive</a> · <a href="/">Back to the daily papers</a></p>`,
    );
  });

  // Managing by the signed link in every digest: whoever received the mail may change its settings.
  const manageForm = (req: FastifyRequest, reply: FastifyReply, s: Subscriber, action: string, note?: SafeHtml, problem?: Problem) =>
    html`<h1>Your digest</h1>
${note ?? ''}
${s.status === 'suspended' ? html`<p class="notice error">Mail to this address bounced (${s.suspendedReason ?? 'rejected'}), so digests are paused.</p>` : ''}
${s.status === 'unsubscribed' ? html`<p class="notice">This address is unsubscribed. Saving turns the digest back on.</p>` : ''}
<form class="digest-form" action="${action}" method="post">
  ${csrfField(req, reply, pb.secret)}
  <p>Address: <strong>${s.email}</strong></p>
  ${prefsFields(s, { tzFixed: true, problem })}
  <div><button class="btn" type="submit">Save</button></div>
</form>
<form method="post" action="/unsubscribe/${subs.unsubscribeToken(s)}" style="margin-top:1.5rem"><button class="btn secondary" type="submit">Unsubscribe</button></form>`;

  app.get<{ Params: { token: string } }>('/subscribe/manage/:token', async (req, reply) => {
    const s = await subs.fromUnsubscribeToken(req.params.token);
    if (!s) throw errors.notFound('This link is not valid.');
    return page(req, reply, 'Your digest', manageForm(req, reply, s, `/subscribe/manage/${req.params.token}`));
  });

  app.post<{ Params: { token: string } }>('/subscribe/manage/:token', async (req, reply) => {
    assertCsrf(req, pb.secret);
    const s = await subs.fromUnsubscribeToken(req.params.token);
    if (!s) throw errors.notFound('This link is not valid.');
    let prefs: DigestPrefs;
    try {
      prefs = parsePrefs(formValues(req));
    } catch (err) {
      const problem = problemOf(err);
      return page(req, reply, 'Your digest', manageForm(req, reply, { ...s, ...typedPrefs(formValues(req)) }, `/subscribe/manage/${req.params.token}`, undefined, problem), problem.status);
    }
    const saved = await subs.savePrefs(s.id, prefs);
    return page(req, reply, 'Your digest', manageForm(req, reply, saved, `/subscribe/manage/${req.params.token}`, html`<p class="notice">Saved.</p>`));
  });

  // Unsubscribe: GET only shows a button (mail scanners prefetch links); POST unsubscribes.
  // The POST needs no CSRF token on purpose: RFC 8058 one-click unsubscribe is a POST made by the
  // mail provider, without our cookies, to the URL in List-Unsubscribe. The signed token in the
  // URL (an HMAC under the instance secret) is the authorisation, and the only effect is less mail,
  // so a forged cross-site POST can do nothing its sender could not do with the mail in hand.
  app.register(async (scope) => {
    // Some mail providers post the one-click body as multipart/form-data; its content is fixed and unused.
    scope.addContentTypeParser('multipart/form-data', { parseAs: 'string', bodyLimit: 10_000 }, (_req, _body, done) => done(null, {}));
    scope.get<{ Params: { token: string } }>('/unsubscribe/:token', async (req, reply) => {
      const s = await subs.fromUnsubscribeToken(req.params.token);
      if (!s) throw errors.notFound('This unsubscribe link is not valid.');
      return page(
        req,
        reply,
        'Unsubscribe',
        html`<h1>Unsubscribe ${s.email}?</h1>
<p>You will get no more digests from Paperboy at this address.</p>
<form method="post" action="/unsubscribe/${req.params.token}"><button class="btn" type="submit">Unsubscribe</button></form>
<p class="muted">Or <a href="/subscribe/manage/${req.params.token}">change what you receive</a> instead.</p>`,
      );
    });
    scope.post<{ Params: { token: string } }>('/unsubscribe/:token', async (req, reply) => {
      const s = await subs.fromUnsubscribeToken(req.params.token);
      if (!s) throw errors.notFound('This unsubscribe link is not valid.');
      await subs.unsubscribe(s.id);
      return page(
        req,
        reply,
        'Unsubscribed',
        html`<h1>You are unsubscribed</h1><p>No more digests go to <strong>${s.email}</strong>. Changed your mind? <a href="/subscribe/manage/${req.params.token}">Turn it back on</a>.</p>`,
      );
    });
  });

  // Settings for signed-in users (the community feature sets req.viewer).
  const settings = async (req: FastifyRequest, reply: FastifyReply, note?: SafeHtml, refused?: { problem: Problem; typed: DigestPrefs }) => {
    const v = viewerOf(req);
    if (!v) {
      return page(
        req,
        reply,
        'Digest settings',
        html`<h1>Digest settings</h1><p>Sign in to manage your digest with your account, or <a href="/subscribe">subscribe with any address</a> (no account needed).</p>`,
        401,
      );
    }
    const s = await subs.forUser(v);
    const p = refused?.typed ?? s ?? { ...DEFAULT_PREFS };
    const active = s?.status === 'confirmed';
    return page(
      req,
      reply,
      'Digest settings',
      html`<h1>Digest settings</h1>
${note ?? ''}
<p>${active ? html`Digests go to <strong>${s!.email}</strong>.` : html`Digests would go to your account's address, <strong>${v.email}</strong>.`}
${s?.status === 'suspended' ? html`<span class="notice error">Mail to this address bounced (${s.suspendedReason ?? ''}).</span>` : ''}</p>
<form class="digest-form" action="/settings/digest" method="post">
  ${csrfField(req, reply, pb.secret)}
  ${prefsFields(p, { tzFixed: !!s, problem: refused?.problem })}
  <div><button class="btn" type="submit" name="action" value="save">${active ? 'Save' : 'Subscribe'}</button>
  ${active ? html` <button class="btn secondary" type="submit" name="action" value="unsubscribe">Unsubscribe</button>` : ''}</div>
</form>`,
      refused?.problem.status ?? 200,
    );
  };

  app.get('/settings/digest', async (req, reply) => settings(req, reply));
  app.post('/settings/digest', async (req, reply) => {
    assertCsrf(req, pb.secret);
    const v = viewerOf(req);
    if (!v) throw errors.unauthorized('Sign in to change your digest settings.');
    const body = formValues(req);
    if (body.action === 'unsubscribe') {
      const s = await subs.forUser(v);
      if (s) await subs.unsubscribe(s.id);
      return settings(req, reply, html`<p class="notice">Unsubscribed.</p>`);
    }
    let prefs: DigestPrefs;
    try {
      prefs = parsePrefs(body);
    } catch (err) {
      const problem = problemOf(err);
      return settings(req, reply, undefined, { problem, typed: typedPrefs(body) });
    }
    await subs.saveForUser(v, prefs);
    return settings(req, reply, html`<p class="notice">Saved.</p>`);
  });

  // The admin preview of recent digests: signed-in admins, or PAPERBOY_DIGEST_ADMIN_TOKEN (?token=) when
  // the instance has no roles.
  const assertAdmin = (req: FastifyRequest) => {
    if (viewerOf(req)?.role === 'admin') return;
    const want = pb.config.digestAdminToken;
    const given = (req.query as { token?: string }).token;
    if (want && typeof given === 'string' && sameSecret(given, want)) return;
    throw new AppError(403, 'forbidden', 'Only administrators may see the digest preview.');
  };

  app.get('/admin/digests', async (req, reply) => {
    assertAdmin(req);
    const tokenQ = (req.query as { token?: string }).token;
    const suffix = tokenQ ? `?token=${encodeURIComponent(tokenQ)}` : '';
    const [rows, counts] = await Promise.all([pb.digest.recent(50), pb.digest.counts()]);
    return page(
      req,
      reply,
      'Digests',
      html`<h1>Digests</h1>
<p class="muted">Transport: ${pb.mail.kind === 'outbox' ? 'file outbox (data/outbox)' : 'SMTP'} · subscribers ${Object.entries(counts.subscribers).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'} · deliveries ${Object.entries(counts.deliveries).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}</p>
<table class="digest-admin"><thead><tr><th>#</th><th>Edition</th><th>To</th><th>Status</th><th>Sent</th><th>Attempts</th><th>Last error</th></tr></thead><tbody>
${rows.map(
  (r) => html`<tr><td><a href="/admin/digests/${r.id}${suffix}">${r.id}</a></td><td>${r.kind} ${r.edition_key}</td><td>${r.email}</td><td>${r.status}</td><td>${r.sent_at ?? html`<span class="muted">after ${r.send_after}</span>`}</td><td>${r.attempts}</td><td>${r.last_error ?? ''}</td></tr>`,
)}
</tbody></table>`,
    );
  });

  app.get<{ Params: { id: string } }>('/admin/digests/:id', async (req, reply) => {
    assertAdmin(req);
    if (!/^\d{1,12}$/.test(req.params.id)) throw errors.badRequest('Bad delivery id.');
    const m = await pb.digest.previewDelivery(Number(req.params.id));
    return page(
      req,
      reply,
      `Digest ${req.params.id}`,
      html`<h1>${m.subject}</h1>
<p class="muted">${Object.entries(m.headers).map(([k, v]) => html`${k}: ${v}<br>`)}</p>
<iframe class="digest-preview" sandbox="" title="HTML part" srcdoc="${m.html}"></iframe>
<h2>Plain text</h2><pre style="white-space:pre-wrap">${m.text}</pre>`,
    );
  });
}
