// What search asks of the vector side: embed a query and find its neighbours in one step (so the
// query vector and the index always come from the same model, even while a new one is switched in),
// and find the neighbours of a stored vector. Two implementations: LocalReplica below (the index on
// this thread: the worker, the CLI, benches) and the replica in a thread of its own (vector-thread.ts:
// web processes, whose event loop must never build an index or load a model).
import type { Embedder } from './embedders/types.ts';
import type { Hit } from './lexical.ts';
import type { VectorIndex } from './vectors.ts';

export interface QueryVector {
  /** The embedder that embedded the query and whose index answered. */
  embedder: string;
  qvec: Float32Array;
  hits: Hit[];
}

export interface VectorReplica {
  readonly embedder: string;
  readonly dims: number;
  readonly size: number;
  /** Embeds `text` as a query and returns its `k` nearest papers. */
  query(text: string, k: number): Promise<QueryVector>;
  /** The `k` nearest papers of a vector of this replica's embedder (none if the embedder changed since). */
  search(vector: Float32Array, k: number): Promise<Hit[]>;
}

export class LocalReplica implements VectorReplica {
  constructor(
    readonly index: VectorIndex,
    private readonly embedderOf: () => Promise<Embedder | null>,
  ) {}

  get embedder(): string {
    return this.index.embedder;
  }
  get dims(): number {
    return this.index.dims;
  }
  get size(): number {
    return this.index.size;
  }

  async query(text: string, k: number): Promise<QueryVector> {
    const e = await this.embedderOf();
    if (!e) throw new Error('no embedding model');
    const [qvec] = await e.embed([text], 'query');
    return { embedder: e.id, qvec, hits: e.id === this.index.embedder ? this.index.search(qvec, k) : [] };
  }

  async search(vector: Float32Array, k: number): Promise<Hit[]> {
    return this.index.search(vector, k);
  }
}
