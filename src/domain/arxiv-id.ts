// arXiv identifiers: new style 2410.17243(v2), old style hep-th/9901001(v1).
// Parsing is linear in the input: the input is capped first, URLs are taken apart with indexOf and
// slices, and the only regexes are anchored with no nested or overlapping repetition.

const NEW_ID = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const OLD_ID = /^([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?$/;
/** Longer than any id or arxiv.org URL worth reading; longer inputs are refused unread. */
export const ARXIV_INPUT_MAX = 300;
const HOST = /^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\//i;

export interface ParsedArxivId {
  id: string;
  version?: number;
}

/** Parses an id, with or without version, or an arxiv.org abs/pdf/html URL. Returns null when it is none. */
export function parseArxivId(input: string): ParsedArxivId | null {
  if (typeof input !== 'string' || input.length > ARXIV_INPUT_MAX) return null;
  let s = input.trim();
  const host = s.match(HOST);
  if (host) {
    s = s.slice(host[0].length);
    // Drop the query or fragment, then a trailing slash and ".pdf".
    const cut = s.search(/[?#]/);
    if (cut >= 0) s = s.slice(0, cut);
    if (s.endsWith('/')) s = s.slice(0, -1);
    if (s.toLowerCase().endsWith('.pdf')) s = s.slice(0, -4);
  }
  if (s.slice(0, 6).toLowerCase() === 'arxiv:') s = s.slice(6);
  if (s.length > 40) return null;
  const m = s.match(NEW_ID) ?? s.match(OLD_ID);
  if (!m) return null;
  return { id: m[1], version: m[2] ? Number(m[2]) : undefined };
}

export function isArxivId(id: string): boolean {
  if (typeof id !== 'string' || id.length > 40) return false;
  return NEW_ID.test(id) || OLD_ID.test(id);
}

/** Year and month encoded in a new-style id (2410.17243 → 2024-10), for papers without dates. */
export function monthFromArxivId(id: string): string | null {
  const m = id.match(/^(\d{2})(\d{2})\./);
  if (!m) return null;
  const year = 2000 + Number(m[1]);
  return `${year}-${m[2]}`;
}

export const arxivLinks = (id: string) => ({
  abs: `https://arxiv.org/abs/${id}`,
  pdf: `https://arxiv.org/pdf/${id}`,
});
