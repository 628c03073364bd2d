// transformers.js (@huggingface/transformers, an optional dependency) running any feature-extraction
// model from the Hugging Face hub or a local folder: mean pooling and normalisation, with
// configurable query and document prefixes (e.g. "query: " / "passage: " for E5 models).
import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
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
    const local = existsSync(opts.model);
    if (local) {
      tf.env.allowLocalModels = true;
      tf.env.localModelPath = '';
    }
    if (opts.cacheDir) tf.env.cacheDir = opts.cacheDir;
    const extract = (await tf.pipeline('feature-extraction', opts.model, { dtype: 'fp32', local_files_only: local })) as unknown as Extractor;
    const probe = await extract(['probe'], { pooling: opts.pooling ?? 'mean', normalize: true });
    const dims = probe.dims[probe.dims.length - 1];
    const version = createHash('sha256')
      .update(JSON.stringify([opts.model, opts.pooling ?? 'mean', opts.documentPrefix ?? '']))
      .digest('hex')
      .slice(0, 12);
    return new OnnxEmbedder(extract, opts, dims, `onnx:${opts.model}@${version}`);
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
