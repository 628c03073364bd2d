// The share of a query's words (stemmed alike) in each paper's title or abstract: fusion's estimate
// of the lexical score of a paper outside a cut SQLite list (see SearchService.fuse).
import type { SearchCorpusStore } from '../storage/search-corpus.ts';
import { lightStem, queryTerms, words } from './text.ts';

/** For each paper, the share of the query's words (stemmed alike) found in its title or abstract. */
export async function termShare(corpus: SearchCorpusStore, q: string, ids: number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  const terms = [...new Set(queryTerms(q).map(lightStem))];
  if (!ids.length || !terms.length) return out;
  const rows = await corpus.texts(ids);
  for (const r of rows) {
    // A stem is a prefix of its word: only words that start with a term's stem are stemmed.
    const left = new Set(terms);
    for (const w of new Set(words(`${r.title} ${r.abstract}`))) {
      for (const t of left)
        if (w.startsWith(t) && lightStem(w) === t) {
          left.delete(t);
          break;
        }
      if (!left.size) break;
    }
    out.set(r.id, (terms.length - left.size) / terms.length);
  }
  return out;
}
