// Exact-match jumps: an arXiv id or URL goes to its paper, a whole title to its paper, and a title
// typed with typos in several words to the papers whose titles spell those words alike. Typo
// candidates come from the trigram title index (FTS5 trigram on SQLite, pg_trgm on PostgreSQL)
// only when some word of the query is unknown to the index; they are reranked here word by word.
// Also the "Did you mean …" line of such a query.
import type { PaperStore } from '../storage/papers.ts';
import type { Hit, LexicalIndex } from './lexical.ts';
import { titleWords, type ParsedQuery } from './query.ts';
import { editDistance } from './text.ts';

export interface Jump {
  id: number;
  match: 'id' | 'title' | 'near-title';
  /** For near titles: how alike (0..1), best first. */
  likeness?: number;
}

/** Letters a word may be off by and still be the same word: none up to 3 letters, then 1, 2, 3. */
export function allowedEdits(len: number): number {
  return len <= 3 ? 0 : len <= 5 ? 1 : len <= 9 ? 2 : 3;
}

/** The title word nearest `w` within its allowed edits, and the distance; undefined if none. */
function nearestWord(w: string, candidates: string[]): { word: string; d: number; at: number } | undefined {
  let best: { word: string; d: number; at: number } | undefined;
  const max = allowedEdits(w.length);
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i];
    const d = c === w ? 0 : editDistance(w, c, best ? Math.min(best.d - 1, max) : max);
    if (d <= max && (!best || d < best.d)) best = { word: c, d, at: i };
    if (d === 0) break;
  }
  return best;
}

/**
 * How alike a query typed as a title is to a title, word by word (0 when not a near title): each
 * content word of the query must match a word of the title within its allowed edits (a share of
 * 80% of the query's letters is enough), with at least three words matched (or a whole two-word
 * title) and some typo (or the whole title); and the query must cover half of the title's content
 * words or its beginning (a title typed in part); when no word of the query is unknown to the index
 * (`typo` false), 80% of the title's words. The likeness is the share of letters matched, less the
 * edits, times how much of the title was typed (a beginning counts whole), less a fifth when the
 * words are out of the title's order.
 */
export function titleLikeness(queryWords: string[], title: string, typo = true): number {
  const tw = titleWords(title);
  if (queryWords.length < 2 || !tw.length) return 0;
  let letters = 0;
  let matched = 0;
  let edits = 0;
  const used = new Set<number>();
  let maxAt = -1;
  let inOrder = true;
  for (const w of queryWords) {
    letters += w.length;
    const n = nearestWord(w, tw);
    if (!n) continue;
    matched += w.length;
    edits += n.d;
    used.add(n.at);
    if (n.at < maxAt) inOrder = false;
    maxAt = Math.max(maxAt, n.at);
  }
  if (matched < 0.8 * letters) return 0;
  const coverage = used.size / tw.length;
  // Three words, or a whole title of two; and typos, or the whole title (else ranking's job).
  if (used.size < 3 && coverage < 1) return 0;
  if (edits === 0 && coverage < 1) return 0;
  // A beginning: the words typed are the title's first ones (allowing one missed or unmatched).
  const prefix = inOrder && maxAt < used.size + 1;
  // Without a word unknown to the index (`typo` false), near words may be other forms of the same
  // word ("robot" for "robots"): a query of natural words, unless it typed (almost) the whole title.
  if (!typo && coverage < 0.8) return 0;
  if (coverage < 0.5 && !prefix) return 0;
  // A beginning typed in order counts as the whole title; words out of the title's order count less.
  return ((matched - edits) / letters) * (prefix ? 1 : 0.5 + 0.5 * Math.min(1, coverage)) * (inOrder ? 1 : 0.8);
}

/** "Did you mean": the query with each word unknown to these titles replaced by its nearest title word. */
export function suggestion(q: ParsedQuery, titles: string[]): string | undefined {
  const vocab = [...new Set(titles.flatMap((t) => titleWords(t)))];
  const known = new Set(vocab);
  let changed = false;
  const out = q.text.replace(/[\p{L}\p{N}]+/gu, (word) => {
    const w = word.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
    if (w.length < 4 || known.has(w)) return word;
    const n = nearestWord(w, vocab);
    if (!n) return word;
    changed = true;
    return n.word;
  });
  return changed ? out : undefined;
}

export interface JumpResult {
  jumps: Jump[];
  /** A spelling the index knows, when some words of the query are unknown to it. */
  suggestion?: string;
}

/** Exact arXiv id or URL, exact title, then near titles (typos in several words). */
export async function findJumps(
  deps: { papers: PaperStore; lexical: LexicalIndex },
  q: ParsedQuery,
  lex: Hit[],
  allWordsMatch = false,
): Promise<JumpResult> {
  if (q.arxivId) {
    const p = await deps.papers.byArxivId(q.arxivId);
    return { jumps: p ? [{ id: p.id, match: 'id' }] : [] };
  }
  if (q.title.length < 8) return { jumps: [] };
  // A title with typos: the other words still match, so it is often among the best lexical hits;
  // their titles come with the exact-title lookup.
  const { exact, titles } = await deps.lexical.titles(q.text, lex.slice(0, 20).map((h) => h.id));
  if (exact.length) return { jumps: exact.map((id) => ({ id, match: 'title' })) };
  const words = q.titleWords.slice(0, 24);
  const near = (cs: { id: number; title: string }[], typo: boolean) =>
    cs
      .map((c) => ({ id: c.id, likeness: titleLikeness(words, c.title, typo) }))
      .filter((c) => c.likeness > 0)
      .sort((a, b) => b.likeness - a.likeness || a.id - b.id)
      .map((c): Jump => ({ id: c.id, match: 'near-title', likeness: c.likeness }));
  // Trigram candidates cost a scan of many titles: only when a word matches nothing (a misspelling).
  // When papers have all the words, none is misspelt (and the lookup of each word is skipped).
  const strict = near(titles, false);
  if (strict.length || allWordsMatch || words.length < 2 || !(await deps.lexical.hasUnknownTerm(q.text))) return { jumps: strict.slice(0, 3) };
  const candidates = await deps.lexical.titleCandidates(q.text, 30);
  const seen = new Set(titles.map((t) => t.id));
  const found = near([...titles, ...candidates.filter((c) => !seen.has(c.id))], true);
  const best = found[0] ? [...titles, ...candidates].find((c) => c.id === found[0].id)?.title : undefined;
  return { jumps: found.slice(0, 3), suggestion: best ?? suggestion(q, candidates.map((c) => c.title)) };
}
