// transformers.js (@huggingface/transformers, an optional dependency) running any feature-extraction
// model from the Hugging Face hub or a local folder: mean pooling and normalisation, with
// configurable query and document prefixes (e.g. "query: " / "passage: " for E5 models).
import { createReadStream, existsSync } from 'node:fs';
import { createHash, type Hash } from 'node:crypto';
import { basename, join, resolve } from 'node:path';
import { normalize, type EmbedKind, type Embedder } from './types.ts';

export interface OnnxOptions {
  /** Hub model id (e.g. "minishlab/…", "Xenova/all-MiniLM-L6-v2") or a local folder. */
  model: string;
  cacheDir?: string;
  queryPrefix?: string;
  documentPrefix?: string;
  /** "mean" (default) or "cls", as the model card says. */
  pooling?: 'mean' | 'cls';
}

type Extractor = (texts: string[], opts: { pooling: string; normalize: boolean }) => Promise<{ data: Float32Array; dims: number[] }>;

export class OnnxEmbedder implements Embedder {
  private constructor(
    private readonly extract: Extractor & { dispose?: () => Promise<void> },
    private readonly opts: OnnxOptions,
    readonly dims: number,
    readonly id: string,
  ) {}

  static async load(opts: OnnxOptions): Promise<OnnxEmbedder> {
    let tf: typeof import('@huggingface/transformers');
    try {
      tf = await import('@huggingface/transformers');
    } catch {
      throw new Error('the onnx embedder needs the optional dependency @huggingface/transformers (npm install @huggingface/transformers)');
    }
    // A local folder is passed as an absolute path: transformers.js reads a path that is not a valid
    // hub id as is, whereas a relative one ("models/x") would be taken for a hub id.
    const local = existsSync(opts.model);
    const model = local ? resolve(opts.model) : opts.model;
    if (local) tf.env.allowLocalModels = true;
    if (opts.cacheDir) tf.env.cacheDir = opts.cacheDir;
    const pooling = opts.pooling ?? 'mean';
    const extract = (await tf.pipeline('feature-extraction', model, { dtype: 'fp32', local_files_only: local })) as unknown as Extractor;
    const probe = await extract(['probe'], { pooling, normalize: true });
    const dims = probe.dims[probe.dims.length - 1];
    // The version covers what the document vectors depend on: the model (for a local folder, its
    // files' contents, so that replacing the model in place re-embeds the corpus), pooling and the
    // document prefix.
    const h = createHash('sha256').update(JSON.stringify([local ? 'local' : model, pooling, opts.documentPrefix ?? '']));
    if (local) for (const f of ['config.json', 'tokenizer.json', 'onnx/model.onnx']) await hashFile(h, join(model, f));
    const version = h.digest('hex').slice(0, 12);
    const name = local ? basename(model) : model;
    return new OnnxEmbedder(extract, opts, dims, `onnx:${name}@${version}`);
  }

  async embed(texts: string[], kind: EmbedKind): Promise<Float32Array[]> {
    const prefix = (kind === 'query' ? this.opts.queryPrefix : this.opts.documentPrefix) ?? '';
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += 32) {
      const batch = texts.slice(i, i + 32).map((t) => prefix + t);
      const t = await this.extract(batch, { pooling: this.opts.pooling ?? 'mean', normalize: true });
      for (let j = 0; j < batch.length; j++) out.push(normalize(Float32Array.from(t.data.subarray(j * this.dims, (j + 1) * this.dims))));
    }
    return out;
  }

  async close(): Promise<void> {
    await this.extract.dispose?.();
  }
}

async function hashFile(h: Hash, file: string): Promise<void> {
  if (!existsSync(file)) return;
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
}
