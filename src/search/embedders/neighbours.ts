// Hard negatives for the contrastive stage, from the words: for a text, the paper of the sample
// that shares the most idf with it (a bm25-like overlap without term-frequency saturation), other
// than the paper it came from. An inverted index over the sample's word rows; words in more than
// `maxShare` of the papers are skipped (they hardly tell papers apart, and their lists are long).
import type { TokenizedDoc } from './contrastive.ts';

export function lexicalMatcher(docs: TokenizedDoc[], idf: Float32Array, maxShare = 0.05): (q: Int32Array, self: number) => number {
  const rows = idf.length;
  const df = new Int32Array(rows);
  const stamp = new Int32Array(rows).fill(-1);
  const distinct = (d: TokenizedDoc, i: number, each: (id: number) => void) => {
    for (const part of [d.title, ...d.sentences])
      for (let k = 0; k < part.length; k++) {
        const id = part[k];
        if (stamp[id] === i) continue;
        stamp[id] = i;
        each(id);
      }
  };
  docs.forEach((d, i) => distinct(d, i, (id) => df[id]++));
  const start = new Int32Array(rows + 1);
  for (let id = 0; id < rows; id++) start[id + 1] = start[id] + df[id];
  const fill = start.slice(0, rows);
  const postings = new Int32Array(start[rows]);
  stamp.fill(-1);
  docs.forEach((d, i) => distinct(d, i, (id) => (postings[fill[id]++] = i)));
  const cap = Math.max(2, Math.floor(maxShare * docs.length));
  const score = new Float32Array(docs.length);
  const touched: number[] = [];
  const seen = new Int32Array(rows).fill(-1);
  let call = 0;
  return (q, self) => {
    call++;
    for (let k = 0; k < q.length; k++) {
      const id = q[k];
      if (seen[id] === call || df[id] > cap) continue;
      seen[id] = call;
      const w = idf[id];
      for (let p = start[id]; p < start[id + 1]; p++) {
        const doc = postings[p];
        if (score[doc] === 0) touched.push(doc);
        score[doc] += w;
      }
    }
    let best = -1;
    for (const doc of touched) {
      if (doc !== self && (best < 0 || score[doc] > score[best])) best = doc;
      score[doc] = 0;
    }
    touched.length = 0;
    return best;
  };
}
