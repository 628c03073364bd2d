// Who is asking: every request gets `req.viewer` (the signed-in user, or null) from the session
// cookie or an `Authorization: Bearer` personal token. Helpers for pages and API handlers.
import type { FastifyInstance, FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import { AppError, errors } from '../../domain/errors.ts';
import { assertCsrf, csrfToken, hostCookie, secureSite } from '../csrf.ts';
import { safeNext } from '../../services/accounts.ts';
import { ctxOf, type HttpContext } from '../context.ts';
import { hasScope, type Viewer } from '../../services/accounts.ts';

export const SESSION_COOKIE = 'pb_session';
/** The session cookie's name: `__Host-pb_session` on an https site (see csrf.ts). */
export const sessionCookie = (req: FastifyRequest) => hostCookie(req, SESSION_COOKIE);

/** The viewer as pages see it: the user plus this browser's CSRF token and their upvoted papers. */
export interface RequestViewer extends Viewer {
  /** The form token for this browser (empty for token-authenticated API calls). */
  csrf: string;
  /** Upvoted paper ids (loaded for HTML pages only). */
  voted: Set<number>;
}

declare module 'fastify' {
  interface FastifyRequest {
    viewer: RequestViewer | null;
  }
}

/** The HttpContext of the app that serves `req`. */
export { ctxOf };

/** The paths where a bearer token is accepted. */
export const isApiUrl = (url: string) => url.startsWith('/api/') || url === '/mcp' || url.startsWith('/mcp?');
// Probes and the metrics scrape carry their own credentials (a metrics token is not an API token).
const skip = (url: string) => url.startsWith('/static/') || /^\/(healthz|readyz|metrics)(\?|$)/.test(url);
const isHtmlGet = (req: FastifyRequest) => req.method === 'GET' && !/^\/(api|feeds|static)\//.test(req.url);

/** The route module that sets req.viewer on every request; first in src/http/routes.ts. */
export function viewerHook(app: FastifyInstance, ctx: HttpContext): void {
  const community = ctx.pb.community;
  app.decorateRequest('viewer', null);
  app.addHook('onRequest', async (req, reply) => {
    req.viewer = null;
    if (skip(req.url)) return;
    const auth = req.headers.authorization;
    let v: Viewer | null = null;
    // Personal tokens are for scripts on the API only: on pages and forms a token is no session
    // (it cannot reach settings, mint tokens or sign out sessions), so there it is ignored.
    if (auth && /^Bearer\s/i.test(auth) && isApiUrl(req.url)) {
      v = await community.accounts.tokenViewer(auth.slice(7).trim());
      // A wrong token is an error, not an anonymous request: scripts learn at once.
      if (!v) throw errors.unauthorized('The API token is not valid or was revoked.');
      if ((req.method === 'GET' || req.method === 'HEAD') && !hasScope(v, 'read'))
        throw errors.insufficientScope('This API token lacks the "read" scope; send no token to read public data.');
    } else {
      const cookie = req.cookies?.[sessionCookie(req)];
      if (cookie) v = await community.accounts.sessionViewer(cookie);
    }
    if (!v) return;
    req.viewer = { ...v, csrf: v.via === 'session' ? csrfToken(req, reply, ctx.pb.secret) : '', voted: new Set() };
    if (isHtmlGet(req)) req.viewer.voted = await community.votes.recentIds(v.id, 5000);
  });
}

export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, days: number): void {
  reply.setCookie(sessionCookie(req), token, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: secureSite(req),
    maxAge: days * 86_400,
  });
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  reply.clearCookie(sessionCookie(req), { path: '/', httpOnly: true, sameSite: 'lax', secure: secureSite(req) });
}

/** The signed-in viewer, or a 401. */
export function requireViewer(req: FastifyRequest): RequestViewer {
  if (!req.viewer) throw errors.unauthorized('Sign in first.');
  return req.viewer;
}

/** For pages: the signed-in viewer, or null after redirecting to the sign-in page. */
export function viewerOrRedirect(req: FastifyRequest, reply: FastifyReply, next?: string): RequestViewer | null {
  if (req.viewer) return req.viewer;
  const back = next ?? (req.method === 'GET' ? req.url : '/');
  void reply.redirect(`/signin?next=${encodeURIComponent(back)}`, 303);
  return null;
}

export const wantsJson = (req: FastifyRequest) => String(req.headers.accept ?? '').includes('application/json');

/** Status and message of an error thrown by a service, to show in a form. */
export function formProblem(err: unknown): { status: number; message: string } {
  if (err instanceof AppError) return { status: err.status, message: err.message };
  throw err;
}

export function bodyOf(req: FastifyRequest): Record<string, string> {
  const b = req.body;
  return b && typeof b === 'object' ? (b as Record<string, string>) : {};
}

export function intParam(v: unknown, what = 'id'): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw errors.notFound(`No such ${what}.`);
  return n;
}

/** Where a form's reader came from: its `back` field, else a same-site Referer, else `fallback`. */
export function backOf(req: FastifyRequest, fallback: string): string {
  const b = safeNext(bodyOf(req).back);
  if (b) return b;
  const ref = String(req.headers.referer ?? '').slice(0, 600);
  if (!ref) return fallback;
  try {
    const u = new URL(ref);
    const own = new URL(ctxOf(req).pb.config.publicUrl).host;
    if (u.host !== own && u.host !== req.headers.host) return fallback;
    return safeNext(u.pathname + u.search) ?? fallback;
  } catch {
    return fallback;
  }
}

/**
 * preHandler guard: a signed-in reader, else to the sign-in page, which brings them back to
 * `next(req)` (and, with `pending`, completes the action they asked for after signing in).
 */
export function signedIn(opts: { next?: (req: FastifyRequest) => string; pending?: (req: FastifyRequest) => string | null } = {}): preHandlerAsyncHookHandler {
  return async function signedInGuard(req, reply) {
    if (req.viewer) return;
    const next = opts.next?.(req) ?? (req.method === 'GET' ? req.url : backOf(req, '/'));
    const pending = opts.pending?.(req);
    await reply.redirect(`/signin?next=${encodeURIComponent(next)}${pending ? `&do=${encodeURIComponent(pending)}` : ''}`, 303);
  };
}

/** preHandler guard: the form's CSRF token (a 403 page that says to reload otherwise). */
export const csrfChecked: preHandlerAsyncHookHandler = async function csrfGuard(req) {
  assertCsrf(req, ctxOf(req).pb.secret);
};

/** The signed-in viewer in a handler behind signedIn(). */
export function viewerOf(req: FastifyRequest): RequestViewer {
  if (!req.viewer) throw errors.unauthorized('Sign in first.');
  return req.viewer;
}
