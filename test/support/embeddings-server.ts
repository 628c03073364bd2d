// An OpenAI-compatible /v1/embeddings server on loopback (the protocol of OpenAI, TEI and Ollama's
// compatible endpoint): deterministic vectors from word hashes, slow on demand, every input recorded.
import { createServer, type Server } from 'node:http';

export interface EmbeddingsServer {
  url: string;
  server: Server;
  /** Answers wait this long (0: at once). */
  slowMs: { value: number };
  /** The inputs of every request, in order. */
  calls: string[][];
}

/** The server's vector for a text: each word hashed into one of `dims` counts. */
export function hashEmbedding(text: string, dims: number): number[] {
  const v = new Array<number>(dims).fill(0);
  for (const w of text.toLowerCase().match(/\w+/g) ?? []) {
    let h = 7;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % dims] += 1;
  }
  return v;
}

export function embeddingsServer(dims: number): Promise<EmbeddingsServer> {
  const slowMs = { value: 0 };
  const calls: string[][] = [];
  const embed = (text: string) => hashEmbedding(text, dims);
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/embeddings') {
        res.writeHead(404).end();
        return;
      }
      const { input, model } = JSON.parse(body) as { input: string[]; model: string };
      calls.push(input);
      const answer = () =>
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({ object: 'list', model, data: input.map((t, index) => ({ object: 'embedding', index, embedding: embed(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } }),
        );
      if (slowMs.value) setTimeout(answer, slowMs.value);
      else answer();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server, slowMs, calls })));
}
