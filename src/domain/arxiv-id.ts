// arXiv identifiers: new style 2410.17243(v2), old style hep-th/9901001(v1).

const NEW_ID = /^(\d{4}\.\d{4,5})(?:v(\d+))?$/;
const OLD_ID = /^([a-z][a-z-]*(?:\.[A-Z]{2})?\/\d{7})(?:v(\d+))?$/;

export interface ParsedArxivId {
  id: string;
  version?: number;
}

/** Parses an id, with or without version, or an arxiv.org abs/pdf/html URL. Returns null when it is none. */
export function parseArxivId(input: string): ParsedArxivId | null {
  let s = input.trim();
  const url = s.match(/^(?:https?:\/\/)?(?:www\.|export\.)?arxiv\.org\/(?:abs|pdf|html)\/(.+?)(?:\.pdf)?\/?(?:[?#].*)?$/i);
  if (url) s = url[1];
  s = s.replace(/^arxiv:/i, '');
  const m = s.match(NEW_ID) ?? s.match(OLD_ID);
  if (!m) return null;
  return { id: m[1], version: m[2] ? Number(m[2]) : undefined };
}

export function isArxivId(id: string): boolean {
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
