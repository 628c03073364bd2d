// The embedder port: text in, unit-length vectors out. Every adapter names itself with an id that
// includes its version, stored with each vector so that a change of model re-embeds the corpus.

export type EmbedKind = 'query' | 'document';

export interface Embedder {
  /** Adapter, model and version, e.g. "static:paperboy@1a2b3c4d5e6f". */
  readonly id: string;
  readonly dims: number;
  embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]>;
  close?(): Promise<void>;
}

/** The text a paper is embedded from. */
export function documentText(title: string, abstract: string): string {
  return `${title}. ${abstract}`;
}

export function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

export function toBytes(v: Float32Array): Buffer {
  return Buffer.from(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}

export function fromBytes(b: Buffer | Uint8Array): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}
