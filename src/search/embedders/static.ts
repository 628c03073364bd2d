// Static embeddings in the Model2Vec layout: tokenizer.json + model.safetensors ("embeddings",
// optionally per-token "weights") + config.json. Tokens are looked up, mean-pooled and normalised.
import { sha256 } from '../../domain/hash.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Tokenizer } from '../tokenizer.ts';
import { parseSafetensors, writeSafetensors } from '../safetensors.ts';
import { normalize, type EmbedKind, type Embedder } from './types.ts';
import { availableParallelism } from 'node:os';
import { shared, StaticPool } from './static-pool.ts';
import { kernels, newMemory, RowSum } from '../simd.ts';

/** Batches of at least this many texts are embedded by the pool (every core); smaller ones here. */
const POOL_MIN = 256;
/** Pool threads: the cores, at most this many. */
const POOL_MAX_THREADS = 4;
/** Scratch of one thread in the model's memory: its output row, then its RowSum's. */
const slotBytes = (dims: number) => dims * 4 + RowSum.BYTES;

/** Moves the model's table into a new shared memory for the kernels, with a scratch slot for each of `slots` threads. */
function simdTable(model: StaticModel, slots: number): WebAssembly.Memory {
  const memory = newMemory(slots * slotBytes(model.dims) + model.embeddings.byteLength, true);
  const table = new Float32Array(memory.buffer, slots * slotBytes(model.dims), model.embeddings.length);
  table.set(model.embeddings);
  model.embeddings = table;
  return memory;
}

export interface StaticModel {
  tokenizerJson: Record<string, unknown>;
  /** vocab × dims, row-major. */
  embeddings: Float32Array;
  dims: number;
  /** Optional per-token weight multiplied into each row when pooling. */
  weights?: Float32Array;
  config: Record<string, unknown>;
}

export function isStaticModelDir(dir: string): boolean {
  return ['tokenizer.json', 'model.safetensors', 'config.json'].every((f) => existsSync(join(dir, f)));
}

/** The three files of a Model2Vec folder, as bytes (how a model travels through the database). */
export interface StaticModelFiles {
  tokenizer: Buffer;
  weights: Buffer;
  config: Buffer;
}

/** A model's version: the first 12 hex digits of the sha256 of its weights file. */
export function staticModelVersion(weights: Buffer): string {
  return sha256(weights).slice(0, 12);
}

export function readStaticModelFiles(dir: string): StaticModelFiles {
  return {
    tokenizer: readFileSync(join(dir, 'tokenizer.json')),
    weights: readFileSync(join(dir, 'model.safetensors')),
    config: readFileSync(join(dir, 'config.json')),
  };
}

/** Writes a model's files into `dir`, atomically (a temp folder renamed into place). */
export function writeStaticModelFiles(dir: string, files: StaticModelFiles): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'model.safetensors'), files.weights);
  writeFileSync(join(tmp, 'tokenizer.json'), files.tokenizer);
  writeFileSync(join(tmp, 'config.json'), files.config);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

export class StaticEmbedder implements Embedder {
  readonly id: string;
  readonly dims: number;
  private readonly tokenizer: Tokenizer;
  private readonly normalizeOutput: boolean;
  private pool?: StaticPool | null;
  /**
   * The shared memory holding the table (src/search/simd.ts: one copy for the pool's threads too)
   * and each thread's scratch: this thread's output row, at `outAt`, and its RowSum.
   */
  private readonly memory: WebAssembly.Memory;
  private readonly outAt: number;
  private readonly outRow: Float32Array;
  private readonly rowSum: RowSum;

  constructor(
    private readonly model: StaticModel,
    private readonly name: string,
    private readonly version: string,
    /**
     * pool: false for an embedder that must not start threads (one inside the pool); memory and
     * slot: the pool's threads pool through the SIMD memory their owner made, each in its own slot.
     */
    private readonly opts: { pool?: boolean; memory?: WebAssembly.Memory; slot?: number } = {},
  ) {
    this.tokenizer = new Tokenizer(model.tokenizerJson);
    this.dims = model.dims;
    this.normalizeOutput = model.config.normalize !== false;
    this.id = `static:${name}@${version}`;
    this.memory = opts.memory ?? simdTable(model, 1 + POOL_MAX_THREADS);
    this.outAt = (opts.slot ?? 0) * slotBytes(model.dims);
    this.outRow = new Float32Array(this.memory.buffer, this.outAt, model.dims);
    const k = kernels(this.memory, { simd: model.dims % 4 === 0 });
    this.rowSum = new RowSum(k, model.embeddings.byteOffset, model.dims * 4, this.outAt + model.dims * 4);
  }

  embedOne(text: string): Float32Array {
    const { weights, dims } = this.model;
    const { unkId, specialIds } = this.tokenizer;
    // Each distinct token is added once, times its count: an abstract repeats a third of its tokens,
    // and reading a token's row is most of the cost.
    const counts = new Map<number, number>();
    let n = 0;
    for (const id of this.tokenizer.encode(text)) {
      if (id === unkId || specialIds.has(id)) continue;
      counts.set(id, (counts.get(id) ?? 0) + 1);
      n++;
    }
    const out = new Float32Array(dims);
    if (n === 0) return out;
    // Summed by the kernels into this thread's output row.
    this.outRow.fill(0);
    for (const [id, c] of counts) this.rowSum.add(this.outAt, id, weights ? weights[id] * c : c);
    this.rowSum.flush(this.outAt);
    out.set(this.outRow);
    for (let d = 0; d < dims; d++) out[d] /= n;
    return this.normalizeOutput ? normalize(out) : out;
  }

  async embed(texts: string[], _kind?: EmbedKind): Promise<Float32Array[]> {
    const pool = texts.length >= POOL_MIN ? this.startPool() : null;
    if (pool?.usable) return pool.embed(texts);
    return texts.map((t) => this.embedOne(t));
  }

  /** The pool, started at the first large batch; null on one core or inside the pool. */
  private startPool(): StaticPool | null {
    if (this.pool !== undefined) return this.pool;
    const threads = Math.min(POOL_MAX_THREADS, availableParallelism());
    if (this.opts.pool === false || threads < 2) return (this.pool = null);
    // The per-token weights move to shared memory once, for this thread and the pool's alike (the
    // table is in the kernels' shared memory already).
    if (this.model.weights) this.model.weights = shared(this.model.weights);
    return (this.pool = new StaticPool(this.model, this.name, this.version, threads, this.dims, this.memory));
  }

  async close(): Promise<void> {
    await this.pool?.close();
    this.pool = null;
  }
}

/** Loads a Model2Vec folder; its version is a hash of the weights file. */
export function loadStaticModel(dir: string): StaticEmbedder {
  if (!isStaticModelDir(dir)) throw new Error(`${dir} is not a Model2Vec folder (tokenizer.json, model.safetensors, config.json)`);
  const weightsFile = readFileSync(join(dir, 'model.safetensors'));
  const { tensors } = parseSafetensors(weightsFile);
  const emb = tensors.get('embeddings') ?? tensors.get('embedding') ?? [...tensors.values()][0];
  if (!emb || emb.shape.length !== 2) throw new Error(`${dir}/model.safetensors has no 2-D "embeddings" tensor`);
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
  const model: StaticModel = {
    tokenizerJson: JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8')) as Record<string, unknown>,
    embeddings: emb.data,
    dims: emb.shape[1],
    weights: tensors.get('weights')?.data,
    config,
  };
  const version = staticModelVersion(weightsFile);
  const name = typeof config.name === 'string' ? config.name : basename(dir);
  return new StaticEmbedder(model, name, version);
}

/** Writes a model in the Model2Vec layout, atomically (a temp folder renamed into place). */
export function saveStaticModel(dir: string, model: StaticModel): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const vocabSize = model.embeddings.length / model.dims;
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = { embeddings: { shape: [vocabSize, model.dims], data: model.embeddings } };
  if (model.weights) tensors.weights = { shape: [vocabSize], data: model.weights };
  writeSafetensors(join(tmp, 'model.safetensors'), tensors);
  writeFileSync(join(tmp, 'tokenizer.json'), JSON.stringify(model.tokenizerJson));
  writeFileSync(join(tmp, 'config.json'), JSON.stringify({ model_type: 'model2vec', hidden_dim: model.dims, normalize: true, ...model.config }, null, 2));
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}
