// Text helpers shared by the lexical index, the embedders and the presenters: word splitting with
// diacritics folded, query building, a light stemmer for highlighting, and edit distance.

import { escapeHtml } from '../domain/text.ts';

// Common English function words: they carry no topic, and dropping them keeps OR queries fast.
export const STOPWORDS = new Set(
  (
    'a an and are as at be been but by can do does for from had has have how i if in into is it its of on or our that the their ' +
    'them then there these they this those to was we were what when where which while who why will with you your not no via than ' +
    'also such both each other more most over under about between using based use used show shows new towards toward all any'
  ).split(' '),
);

/** Lower-case words with diacritics removed (letters and digits runs). */
export function words(text: string): string[] {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu) ?? []
  );
}

/** The words of a query that matter: stopwords dropped unless nothing else is left; de-duplicated. */
export function queryTerms(q: string, max = 32): string[] {
  const all = words(q);
  const kept = all.filter((w) => !STOPWORDS.has(w));
  return [...new Set(kept.length ? kept : all)].slice(0, max);
}

/** An FTS5 MATCH expression: any of the terms, each quoted so no word is read as syntax. */
export function fts5Query(terms: string[], op: 'OR' | 'AND' = 'OR'): string {
  return terms.map((t) => `"${t.replace(/"/g, '""')}"`).join(` ${op} `);
}

/** Title compared loosely: words only, lower case, no diacritics. */
export function normTitle(s: string): string {
  return words(s.replace(/\$[^$]*\$/g, (m) => m)).join(' ');
}

/** A crude suffix stripper, enough to highlight "networks" for the query "network". */
export function lightStem(w: string): string {
  if (w.length <= 4) return w;
  return w.replace(/(ational|ization|fulness|iveness|ations|ation|ments|ment|ings|ing|ness|ies|ied|ers|er|ed|es|ly|s)$/, '') || w;
}

/** Levenshtein distance with an early exit once it exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = new Array<number>(b.length + 1);
  let cur = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    cur[0] = i;
    let rowMin = cur[0];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1));
      if (cur[j] < rowMin) rowMin = cur[j];
    }
    if (rowMin > max) return max + 1;
    [prev, cur] = [cur, prev];
  }
  return prev[b.length];
}

/** Trigrams inside the words of `q` (what the SQLite trigram title index can match). */
export function trigrams(q: string, max = 48): string[] {
  const out = new Set<string>();
  // Longer words first: their trigrams are rarer and say more.
  for (const w of words(q).sort((x, y) => y.length - x.length)) {
    for (let i = 0; i + 3 <= w.length; i++) out.add(w.slice(i, i + 3));
    if (out.size >= max) break;
  }
  return [...out].slice(0, max);
}

/**
 * A snippet of `text` around the densest run of query terms, HTML-escaped first and then the
 * matching words wrapped in <mark>. Returns HTML.
 */
export function snippetHtml(text: string, q: string, length = 260): string {
  const stems = new Set(queryTerms(q).map(lightStem));
  // Each distinct word is folded and stemmed once (an abstract repeats its words; the API asks
  // for 50 snippets a request: 5 ms of its 18 ms CPU went here when every window re-tested every word).
  const seen = new Map<string, boolean>();
  const isHit = (w: string) => {
    let hit = seen.get(w);
    if (hit === undefined) {
      hit = stems.has(
        lightStem(
          w
            .normalize('NFKD')
            .replace(/[\u0300-\u036f]/g, '')
            .toLowerCase(),
        ),
      );
      seen.set(w, hit);
    }
    return hit;
  };
  let start = 0;
  if (text.length > length) {
    // Slide a window of `length` characters, starting 40 before each hit, and keep the start with
    // the most hits (the first of equals): two pointers over the hits' offsets.
    const at: number[] = [];
    for (const t of text.matchAll(/[\p{L}\p{N}]+/gu)) if (isHit(t[0])) at.push(t.index!);
    let best = -1;
    let lo = 0;
    let hi = 0;
    for (const pos of at) {
      const from = Math.max(0, pos - 40);
      while (at[lo] < from) lo++;
      while (hi < at.length && at[hi] < from + length) hi++;
      if (hi - lo > best) {
        best = hi - lo;
        start = from;
      }
    }
    if (start > 0) {
      const space = text.indexOf(' ', start);
      if (space > 0 && space - start < 30) start = space + 1;
    }
  }
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const space = text.lastIndexOf(' ', end);
    if (space > start + length / 2) end = space;
  }
  const part = text.slice(start, end);
  let out = '';
  let last = 0;
  for (const m of part.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (!isHit(m[0])) continue;
    out += escapeHtml(part.slice(last, m.index)) + '<mark>' + escapeHtml(m[0]) + '</mark>';
    last = m.index! + m[0].length;
  }
  out += escapeHtml(part.slice(last));
  return (start > 0 ? '… ' : '') + out + (end < text.length ? ' …' : '');
}
