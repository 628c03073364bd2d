// Query parsing: what a search box's text says before any index is asked. An arXiv id or URL (a
// jump to that paper), the query as a loosely compared title, and the words that matter.
import { parseArxivId } from '../domain/arxiv-id.ts';
import { normTitle, queryTerms, STOPWORDS, words } from './text.ts';

/** Longest query the search reads (characters): bounded before any regex or index sees it. */
export const MAX_QUERY_CHARS = 500;

export interface ParsedQuery {
  /** The query as typed, trimmed and cut to MAX_QUERY_CHARS. */
  text: string;
  /** The arXiv id the query names (an id, arxiv: id or arXiv URL). */
  arxivId?: string;
  /** The query compared as a title: words only, lower case, no diacritics. */
  title: string;
  /** The words that matter (no stop words unless only those), de-duplicated. */
  terms: string[];
  /** The title words a typo-tolerant title match compares: content words of three letters or more. */
  titleWords: string[];
}

export function parseQuery(q: string): ParsedQuery {
  const text = q.trim().slice(0, MAX_QUERY_CHARS);
  const id = parseArxivId(text);
  return {
    text,
    arxivId: id?.id,
    title: normTitle(text),
    terms: queryTerms(text),
    titleWords: titleWords(text),
  };
}

/** Content words of a title (three letters or more, no stop words), in order. */
export function titleWords(s: string): string[] {
  return words(s).filter((w) => w.length >= 3 && !STOPWORDS.has(w));
}
