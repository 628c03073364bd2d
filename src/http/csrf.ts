// CSRF protection for HTML forms (signed double-submit): a random per-browser value in an
// HttpOnly SameSite cookie, and in each form a hidden field holding its HMAC under the
// instance secret. A cross-site page can neither read the cookie nor forge the field.
// On an https site the cookie is `__Host-pb_csrf` with Secure (the browser then refuses one set by
// a sibling subdomain or over http); whether the site is https comes from the public URL, never
// from the request (a proxy may speak http to us).
// Bearer tokens are accepted on /api/* only, which has no forms and takes no cookies.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html.ts';
import { AppError } from '../domain/errors.ts';

export const CSRF_COOKIE = 'pb_csrf';
export const CSRF_FIELD = '_csrf';

/** Whether the instance is served over https (its public URL), for cookie names and Secure. */
export function secureSite(req: FastifyRequest): boolean {
  const url = (req.server as { paperboy?: { pb: { config: { publicUrl: string } } } }).paperboy?.pb.config.publicUrl ?? '';
  return /^https:/i.test(url);
}

/** A cookie name with the `__Host-` prefix on an https site. */
export const hostCookie = (req: FastifyRequest, name: string) => (secureSite(req) ? `__Host-${name}` : name);

/** This browser's CSRF cookie value, when it has a well-formed one. */
export function csrfCookieValue(req: FastifyRequest): string | undefined {
  const value = req.cookies?.[hostCookie(req, CSRF_COOKIE)];
  return value && /^[\w-]{20,64}$/.test(value) ? value : undefined;
}

function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(`csrf:${value}`).digest('base64url');
}

/** The token for this browser, setting its cookie on first use. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply, secret: string): string {
  let value = csrfCookieValue(req);
  if (!value) {
    value = randomBytes(18).toString('base64url');
    const name = hostCookie(req, CSRF_COOKIE);
    reply.setCookie(name, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: secureSite(req) });
    // Later reads in the same request see the new value.
    (req.cookies as Record<string, string>)[name] = value;
  }
  return sign(secret, value);
}

/** The hidden input every POST form carries. */
export function csrfField(req: FastifyRequest, reply: FastifyReply, secret: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req, reply, secret)}">`;
}

/** Constant-time comparison of two strings of any content (compares bytes of equal length only). */
export function sameSecret(given: string, want: string): boolean {
  const a = Buffer.from(given, 'utf8');
  const b = Buffer.from(want, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Throws 403 unless the request carries a valid token (form field or X-CSRF-Token header). */
export function assertCsrf(req: FastifyRequest, secret: string): void {
  const value = csrfCookieValue(req);
  const body = req.body as Record<string, unknown> | undefined;
  const field = (body && body[CSRF_FIELD]) ?? req.headers['x-csrf-token'] ?? '';
  const given = typeof field === 'string' ? field : '';
  const ok = !!value && !!given && given.length <= 128 && sameSecret(given, sign(secret, value));
  if (!ok) throw new AppError(403, 'csrf', 'This form has expired or did not come from this site. Reload the page and try again.');
}
