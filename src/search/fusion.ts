// Fusion of ranked lists, pure: interpolation of scores (search) and reciprocal-rank fusion
// (similar papers), and the rule that decides whether a hybrid hit matches a keyword (digests).
// Unit-tested in test/search-fusion.test.ts.

/** A candidate with its lexical score (any scale, ≥ 0) and its cosine with the query. */
export interface Scored {
  id: number;
  lexical?: number;
  cosine?: number;
}

/**
 * Interpolation: the lexical score divided by the best lexical score of the candidates, plus
 * `weight` × cosine; best first, ties by id. (Tuned on SciFact's training queries: see
 * docs/benchmarks.md; rank fusion scored below it there.)
 */
export function interpolate<T extends Scored>(candidates: T[], weight: number): (T & { score: number })[] {
  let maxLex = 1e-9;
  for (const c of candidates) if ((c.lexical ?? 0) > maxLex) maxLex = c.lexical!;
  return candidates
    .map((c) => ({ ...c, score: (c.lexical ?? 0) / maxLex + weight * (c.cosine ?? 0) }))
    .sort((a, b) => b.score - a.score || a.id - b.id);
}

/**
 * Reciprocal-rank fusion: each list adds weight / (k + rank) to its papers (rank from 1); papers in
 * `exclude` are left out. Best first, ties by id.
 */
export function reciprocalRank(lists: { ids: number[]; weight?: number }[], k = 60, exclude?: Set<number>): { id: number; score: number }[] {
  const score = new Map<number, number>();
  for (const { ids, weight = 1 } of lists) {
    let rank = 0;
    for (const id of ids) {
      rank++;
      if (exclude?.has(id)) continue;
      score.set(id, (score.get(id) ?? 0) + weight / (k + rank));
    }
  }
  return [...score.entries()].map(([id, s]) => ({ id, score: s })).sort((a, b) => b.score - a.score || a.id - b.id);
}

/** A cosine this high from the embedder counts as a match of a keyword even without its words (digests). */
export const SEMANTIC_MATCH = 0.6;

/** Whether a hybrid hit matches a keyword by meaning: by its cosine alone (the words are matched apart). */
export function matchesByMeaning(hit: Scored, threshold = SEMANTIC_MATCH): boolean {
  return (hit.cosine ?? 0) >= threshold;
}
