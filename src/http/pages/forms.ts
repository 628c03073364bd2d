// What every HTML form shares: a refused form comes back with what was typed and the problem next
// to its field; forms that need no account check where they were posted from instead of a token.
import type { FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import { AppError } from '../../domain/errors.ts';
import { ctxOf } from '../context.ts';

export interface Problem {
  status: number;
  message: string;
  /** The form field it is about (an error's details.field, or the form's main field). */
  field?: string;
}

/** The problem an AppError describes, for showing in its form; any other error is thrown on. */
export function problemOf(err: unknown, field?: string): Problem {
  if (err instanceof AppError) {
    const f = (err.details as { field?: string } | undefined)?.field ?? field;
    return { status: err.status, message: err.message, field: f };
  }
  throw err;
}

/** The message under a field, when the problem is about it. */
export function fieldError(p: Problem | undefined, field: string): SafeHtml | '' {
  return p && p.field === field ? html`<p class="field-error" id="${field}-error">${p.message}</p>` : '';
}

/** Attributes of an input that the problem is about. */
export function invalid(p: Problem | undefined, field: string): SafeHtml | '' {
  return p && p.field === field ? html` aria-invalid="true" aria-describedby="${field}-error"` : '';
}

/** A problem not tied to one field, at the top of the form. */
export function formNotice(p: Problem | undefined): SafeHtml | '' {
  return p && !p.field ? html`<p class="notice error" role="alert">${p.message}</p>` : '';
}

/**
 * Whether a form without an account was posted from this site. Forms a first visitor fills in (the
 * digest box on a cached page, "follow" by e-mail) carry no CSRF token: the page may come from the
 * micro-cache, with no cookie yet. They only ever send a confirmation mail (double opt-in), and the
 * browser says where the post came from: Sec-Fetch-Site, else Origin.
 */
export function postedFromHere(req: FastifyRequest): boolean {
  const site = req.headers['sec-fetch-site'];
  if (typeof site === 'string') return site === 'same-origin' || site === 'none';
  const origin = req.headers.origin;
  if (typeof origin !== 'string' || origin === 'null') return origin === undefined;
  const own = new URL(ctxOf(req).pb.config.publicUrl).origin;
  return origin === own || origin === `${req.protocol}://${req.headers.host}`;
}

/** A string field of a parsed form body, cut to `max` characters. */
export function field(body: unknown, name: string, max = 2000): string {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof v === 'string' ? v.slice(0, max) : '';
}
