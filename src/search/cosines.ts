// The exact cosine of stored paper vectors with a query vector: fusion gives every lexical
// candidate its cosine, not only those the approximate index returned.
import type { VectorStore } from '../storage/vectors.ts';
import { fromBytes } from './embedders/types.ts';

/** The cosine of each paper's stored vector (from `embedder`) with `qvec`; papers without one are absent. */
export async function storedCosines(store: VectorStore, ids: number[], qvec: Float32Array, embedder: string): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (!ids.length) return out;
  for (const [id, bytes] of await store.vectorsOf(ids, embedder)) {
    const v = fromBytes(bytes);
    let s = 0;
    for (let i = 0; i < v.length; i++) s += v[i] * qvec[i];
    out.set(id, s);
  }
  return out;
}
