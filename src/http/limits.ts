// Input bounds, applied to every request before any route, regex or parser sees its values:
// - bodies: JSON up to BODY_LIMIT, HTML forms up to formBodyLimit() (the longest comment, encoded);
// - every query and form field has a maximum length (FIELD_MAX, else DEFAULT_FIELD_MAX) and a
//   repeated field at most MAX_REPEATS values; anything longer is a 400 before the handler runs;
// - a client's X-Request-Id is used only when it is short and plain, else a fresh id is made.
// Services keep their own, tighter rules with friendly messages; these caps are the floor under
// them, so that no forgotten check can hand a 100 kB string to a regex.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from '../domain/errors.ts';
import type { Config } from '../config/index.ts';

/** JSON bodies (the write API). */
export const BODY_LIMIT = 256 * 1024;
/** Longest value of a field whose name is not listed below. */
export const DEFAULT_FIELD_MAX = 2000;
/** Most values of one repeated field (?a=1&a=2…). */
export const MAX_REPEATS = 100;
/** Most fields in one query or form. */
export const MAX_FIELDS = 200;

/** Field maxima by name, in characters: each a little above what its service accepts. */
export const FIELD_MAX: Record<string, number> = {
  _csrf: 128,
  email: 320,
  next: 600,
  back: 600,
  token: 128,
  q: 1000,
  paper: 400,
  id: 400,
  paper_id: 400,
  name: 200,
  username: 64,
  display_name: 120,
  description: 2000,
  note: 4000,
  reason: 1000,
  scopes: 64,
  expires_days: 16,
  author_name: 1000,
  keywords: 4000,
  categories: 2000,
};

/** The longest form body: a comment of PAPERBOY's maximum length, percent-encoded (≤ 9 bytes a character), plus the rest. */
export const formBodyLimit = (cfg: Pick<Config, 'commentMaxChars'>) => 16 * 1024 + cfg.commentMaxChars * 9;

/** Field maxima that follow settings (the comment body). */
export function fieldMax(cfg: Pick<Config, 'commentMaxChars' | 'submitCommentMaxChars'>, name: string): number {
  if (name === 'body') return cfg.commentMaxChars + 1000;
  if (name === 'comment') return cfg.submitCommentMaxChars + 1000;
  return FIELD_MAX[name] ?? DEFAULT_FIELD_MAX;
}

/**
 * Throws a 400 when a flat record of fields (a parsed query or form) has a value beyond its cap.
 * Nested values (JSON bodies) are checked to a small depth; the API's schemas check their shapes.
 */
export function assertFieldCaps(fields: unknown, maxFor: (name: string) => number, where: string, depth = 0): void {
  if (!fields || typeof fields !== 'object') return;
  if (depth > 8) throw errors.badRequest(`The ${where} is nested too deeply.`);
  const entries = Array.isArray(fields) ? fields.map((v, i) => [String(i), v] as const) : Object.entries(fields as Record<string, unknown>);
  if (entries.length > (Array.isArray(fields) ? MAX_REPEATS * 10 : MAX_FIELDS)) throw errors.badRequest(`The ${where} has too many fields.`);
  for (const [name, value] of entries) {
    if (name.length > 100) throw errors.badRequest(`A field name in the ${where} is too long.`);
    const max = maxFor(name);
    if (typeof value === 'string') {
      if (value.length > max) throw errors.badRequest(`The field "${name}" is too long (at most ${max} characters).`);
    } else if (Array.isArray(value)) {
      if (value.length > MAX_REPEATS) throw errors.badRequest(`The field "${name}" is repeated too often.`);
      for (const v of value) {
        if (typeof v === 'string' && v.length > max) throw errors.badRequest(`The field "${name}" is too long (at most ${max} characters).`);
        else if (v && typeof v === 'object') assertFieldCaps(v, maxFor, where, depth + 1);
      }
    } else if (value && typeof value === 'object') assertFieldCaps(value, maxFor, where, depth + 1);
  }
}

/** A client's request id when it is short and plain (letters, digits, `-_.:`), else a new one. */
export function requestId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && given.length <= 64 && /^[\w.:-]+$/.test(given) ? given : randomUUID();
}

/** Installs the caps: run in preValidation, after parsing and before schemas and handlers. */
export function installInputLimits(app: FastifyInstance, cfg: Config): void {
  const maxFor = (name: string) => fieldMax(cfg, name);
  app.addHook('preValidation', async (req: FastifyRequest) => {
    assertFieldCaps(req.query, maxFor, 'address');
    if (req.body && typeof req.body === 'object') assertFieldCaps(req.body, maxFor, 'form');
  });
}
