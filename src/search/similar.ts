// Similar papers: the neighbours of a paper's vector fused by reciprocal rank (fusion.ts) with a
// lexical more-like-this on its most distinctive words.
import type { VectorStore } from '../storage/vectors.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { Paper } from '../domain/paper.ts';
import type { Hit, LexicalIndex } from './lexical.ts';
import type { VectorReplica } from './replica.ts';
import { fromBytes } from './embedders/types.ts';
import { reciprocalRank } from './fusion.ts';
import { queryTerms, STOPWORDS, words } from './text.ts';

export interface SimilarDeps {
  vectors: VectorStore;
  papers: PaperStore;
  lexical: LexicalIndex;
  replica: () => Promise<VectorReplica | null>;
}

/** Papers like this one: neighbours of its vector fused (RRF, k = 60) with a lexical more-like-this. */
export async function similarPapers(deps: SimilarDeps, paperId: number, limit = 10): Promise<Paper[]> {
  const base = (await deps.papers.byIds([paperId])).get(paperId);
  if (!base) return [];
  const lists: { ids: number[]; weight: number }[] = [];
  const vi = await deps.replica().catch(() => null);
  if (vi) {
    const bytes = (await deps.vectors.vectorsOf([paperId], vi.embedder)).get(paperId);
    if (bytes) lists.push({ ids: (await vi.search(fromBytes(bytes), limit * 3 + 1)).map((h) => h.id), weight: 1 });
  }
  const mlt = await moreLikeThis(deps.lexical, base, limit * 3 + 1, !lists.length);
  lists.push({ ids: mlt.map((h) => h.id), weight: lists.length ? 0.7 : 1 });
  const ids = reciprocalRank(lists, 60, new Set([paperId]))
    .slice(0, limit)
    .map((h) => h.id);
  const papers = await deps.papers.byIds(ids);
  return ids.map((id) => papers.get(id)).filter((p): p is Paper => !!p);
}

/**
 * Lexical more-like-this: papers with all of the paper's distinctive words (newest first; the
 * fusion with the vector neighbours orders them). Alone (`widen`, no vector index), it then drops
 * the last word until it has `limit` papers; beside the vector neighbours it does not, since fewer
 * words match many more papers (1,200 for three words of a paper at 100k: 5 ms of PostgreSQL's
 * time, most of a paper page's) and the neighbours already bring the looser matches.
 * Only conjunctive queries: a disjunction of a paper's words scores a large part of the corpus
 * (100 ms at 100k papers).
 */
async function moreLikeThis(lexical: LexicalIndex, base: Paper, limit: number, widen = true): Promise<Hit[]> {
  const terms = moreLikeThisTerms(base);
  const out = new Map<number, Hit>();
  const last = widen ? Math.min(2, terms.length) : terms.length;
  for (let k = terms.length; k >= last && out.size < limit; k--) {
    for (const h of await lexical.withAllWords(terms.slice(0, k).join(' '), limit)) if (!out.has(h.id)) out.set(h.id, h);
  }
  return [...out.values()].slice(0, limit);
}

/**
 * The words of a paper to look for in others: the longest content words of its title (long words are
 * the rarer ones), then its most frequent abstract words when the title has few.
 */
export function moreLikeThisTerms(p: Paper, max = 4): string[] {
  const title = [...new Set(queryTerms(p.title).filter((w) => w.length > 2 && !/^\d+$/.test(w)))].sort((a, b) => b.length - a.length);
  const counts = new Map<string, number>();
  for (const w of words(p.abstract)) if (w.length > 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w) && !title.includes(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  return [...title, ...top].slice(0, max);
}
