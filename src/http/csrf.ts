// CSRF protection for HTML forms (signed double-submit): a random per-browser value in an
// HttpOnly SameSite cookie, and in each form a hidden field holding its HMAC under the
// instance secret. A cross-site page can neither read the cookie nor forge the field.
// Requests authenticated by an API token (Authorization: Bearer) carry no cookie and need no field.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from './html.ts';
import { AppError } from '../domain/errors.ts';

export const CSRF_COOKIE = 'pb_csrf';
export const CSRF_FIELD = '_csrf';

function sign(secret: string, value: string): string {
  return createHmac('sha256', secret).update(`csrf:${value}`).digest('base64url');
}

/** The token for this browser, setting its cookie on first use. */
export function csrfToken(req: FastifyRequest, reply: FastifyReply, secret: string): string {
  let value = req.cookies?.[CSRF_COOKIE];
  if (!value || !/^[\w-]{20,64}$/.test(value)) {
    value = randomBytes(18).toString('base64url');
    reply.setCookie(CSRF_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'lax', secure: req.protocol === 'https' });
    // Later reads in the same request see the new value.
    (req.cookies as Record<string, string>)[CSRF_COOKIE] = value;
  }
  return sign(secret, value);
}

/** The hidden input every POST form carries. */
export function csrfField(req: FastifyRequest, reply: FastifyReply, secret: string): SafeHtml {
  return html`<input type="hidden" name="${CSRF_FIELD}" value="${csrfToken(req, reply, secret)}">`;
}

/** Throws 403 unless the request carries a valid token (form field or X-CSRF-Token header). */
export function assertCsrf(req: FastifyRequest, secret: string): void {
  const value = req.cookies?.[CSRF_COOKIE];
  const body = req.body as Record<string, unknown> | undefined;
  const given = String((body && body[CSRF_FIELD]) ?? req.headers['x-csrf-token'] ?? '');
  const ok = !!value && !!given && given.length === sign(secret, value).length && timingSafeEqual(Buffer.from(given), Buffer.from(sign(secret, value)));
  if (!ok) throw new AppError(403, 'csrf', 'This form has expired or did not come from this site. Reload the page and try again.');
}
