// What a personal API token may do, chosen when it is made. Sessions (browsers) may do everything
// the account may; a token only what its scopes name. Tokens are accepted on /api/* only.
import { errors } from './errors.ts';

export const TOKEN_SCOPES = ['read', 'vote', 'comment', 'submit', 'collections'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export const SCOPE_HELP: Record<TokenScope, string> = {
  read: 'read through the API as you (your private collections, your state)',
  vote: 'upvote and remove upvotes',
  comment: 'post, edit and delete your comments',
  submit: "submit papers to today's list",
  collections: 'change your collections',
};

/** Longest lifetime a token may be given, in days. */
export const TOKEN_MAX_DAYS = 3650;

export function isScope(s: unknown): s is TokenScope {
  return typeof s === 'string' && (TOKEN_SCOPES as readonly string[]).includes(s);
}

/**
 * Scopes from a form or command line (a list, or one string separated by spaces or commas).
 * Nothing given: every scope. An unknown name is a 400.
 */
export function parseScopes(input: unknown): TokenScope[] {
  const items = (Array.isArray(input) ? input : input === undefined || input === null ? [] : [input])
    .flatMap((v) => String(v).slice(0, 200).split(/[\s,]+/))
    .filter(Boolean);
  if (!items.length) return [...TOKEN_SCOPES];
  const unknown = items.filter((s) => !isScope(s));
  if (unknown.length) throw errors.badRequest(`Unknown token scope "${unknown[0].slice(0, 40)}": use ${TOKEN_SCOPES.join(', ')}.`);
  return TOKEN_SCOPES.filter((s) => items.includes(s));
}

/** Scopes as stored (space separated), read back leniently: unknown names are dropped. */
export const scopesFromColumn = (col: string | null | undefined): TokenScope[] => String(col ?? '').split(/\s+/).filter(isScope);

/** A lifetime in days from a form (empty: never expires). */
export function parseExpiryDays(input: unknown): number | null {
  const s = String(input ?? '').trim();
  if (!s || s === 'never') return null;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1 || n > TOKEN_MAX_DAYS) throw errors.badRequest(`A token lasts 1 to ${TOKEN_MAX_DAYS} days, or never expires.`);
  return n;
}
