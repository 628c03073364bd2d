// An OpenAI-compatible embeddings client (POST <url>/v1/embeddings), as served by TEI, vLLM,
// Ollama or OpenAI itself. Each call has a timeout; the caller falls back to lexical search.
import { normalize, type EmbedKind, type Embedder } from './types.ts';

export interface HttpEmbedderOptions {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  queryPrefix?: string;
  documentPrefix?: string;
  /** Documents are embedded in the background: give them longer. */
  documentTimeoutMs?: number;
}

interface EmbeddingsResponse {
  data?: { embedding: number[]; index?: number }[];
  model?: string;
}

export class HttpEmbedder implements Embedder {
  readonly id: string;

  private constructor(
    private readonly opts: HttpEmbedderOptions,
    readonly dims: number,
  ) {
    // The server and model name identify the vectors; a new model name re-embeds.
    this.id = `http:${opts.model}@${new URL(opts.url).host}/${dims}`;
  }

  /** Probes the server once to learn the dimensions. */
  static async connect(opts: HttpEmbedderOptions): Promise<HttpEmbedder> {
    const [v] = await request(opts, ['dimension probe'], Math.max(opts.timeoutMs, opts.documentTimeoutMs ?? 30_000));
    return new HttpEmbedder(opts, v.length);
  }

  async embed(texts: string[], kind: EmbedKind, signal?: AbortSignal): Promise<Float32Array[]> {
    const prefix = (kind === 'query' ? this.opts.queryPrefix : this.opts.documentPrefix) ?? '';
    const timeout = kind === 'query' ? this.opts.timeoutMs : (this.opts.documentTimeoutMs ?? 30_000);
    const out = await request(
      this.opts,
      texts.map((t) => prefix + t),
      timeout,
      signal,
    );
    for (const v of out) if (v.length !== this.dims) throw new Error(`embeddings server returned ${v.length} dimensions, expected ${this.dims}`);
    return out;
  }
}

async function request(opts: HttpEmbedderOptions, input: string[], timeoutMs: number, signal?: AbortSignal): Promise<Float32Array[]> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const res = await fetch(`${opts.url.replace(/\/$/, '')}/v1/embeddings`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(opts.apiKey ? { authorization: `Bearer ${opts.apiKey}` } : {}) },
    body: JSON.stringify({ model: opts.model, input, encoding_format: 'float' }),
    signal: signal ? AbortSignal.any([timeout, signal]) : timeout,
  }).catch((err: Error) => {
    throw new Error(err.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : err.message);
  });
  if (!res.ok) throw new Error(`embeddings server answered HTTP ${res.status}`);
  const body = (await res.json().catch(() => {
    throw new Error('embeddings server sent invalid JSON');
  })) as EmbeddingsResponse;
  if (!Array.isArray(body.data) || body.data.length !== input.length) throw new Error('embeddings server sent an unexpected response');
  const sorted = [...body.data].sort((a, b) => (a.index ?? 0) - (b.index ?? 0));
  return sorted.map((d) => normalize(Float32Array.from(d.embedding)));
}
