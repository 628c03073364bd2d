// Static assets with content-hashed names (/static/app.3f2a9c1b.css), served from memory with
// long-lived immutable caching and pre-compressed bodies. KaTeX's stylesheet and fonts come from its package.
import { sha256 } from '../domain/hash.ts';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const PUBLIC = join(ROOT, 'public');
const KATEX_DIST = join(dirname(createRequire(import.meta.url).resolve('katex/package.json')), 'dist');

const TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

interface Asset {
  body: Buffer;
  br?: Buffer;
  gz?: Buffer;
  type: string;
  etag: string;
}

export class Assets {
  private readonly byPath = new Map<string, Asset>();
  private readonly urls = new Map<string, string>();

  constructor() {
    for (const name of readdirSync(PUBLIC)) this.add(name, readFileSync(join(PUBLIC, name)), true);
    // KaTeX: its CSS refers to fonts/…, so both keep their names under a versioned folder.
    const katexCss = readFileSync(join(KATEX_DIST, 'katex.min.css'));
    const v = sha256(katexCss).slice(0, 8);
    this.put(`/static/katex-${v}/katex.min.css`, katexCss);
    this.urls.set('katex.css', `/static/katex-${v}/katex.min.css`);
    for (const f of readdirSync(join(KATEX_DIST, 'fonts')).filter((f) => f.endsWith('.woff2')))
      this.put(`/static/katex-${v}/fonts/${f}`, readFileSync(join(KATEX_DIST, 'fonts', f)));
  }

  private add(name: string, source: Buffer, fingerprint: boolean): void {
    const ext = extname(name);
    const body = ext === '.css' ? minifyCss(source) : source;
    const hash = sha256(body).slice(0, 10);
    const url = fingerprint ? `/static/${name.slice(0, -ext.length)}.${hash}${ext}` : `/static/${name}`;
    this.urls.set(name, url);
    this.put(url, body);
  }

  private put(url: string, body: Buffer): void {
    const type = TYPES[extname(url)] ?? 'application/octet-stream';
    const compressible = /text|svg/.test(type);
    this.byPath.set(url, {
      body,
      type,
      etag: `"${sha256(body).slice(0, 16)}"`,
      br: compressible ? brotliCompressSync(body) : undefined,
      gz: compressible ? gzipSync(body, { level: 9 }) : undefined,
    });
  }

  /** The fingerprinted URL of a file in public/ (or 'katex.css'). */
  url(name: string): string {
    const u = this.urls.get(name);
    if (!u) throw new Error(`unknown asset ${name}`);
    return u;
  }

  /** Size in bytes (uncompressed) of an asset, for the page-weight budget. */
  size(name: string): number {
    return this.byPath.get(this.url(name))?.body.length ?? 0;
  }

  register(app: FastifyInstance): void {
    app.get('/static/*', { config: { rateLimit: false } } as object, async (req, reply) => {
      const a = this.byPath.get(req.url.split('?')[0]);
      if (!a) return reply.code(404).type('text/plain').send('Not found');
      reply.header('Cache-Control', 'public, max-age=31536000, immutable').header('ETag', a.etag).header('Vary', 'Accept-Encoding').type(a.type);
      if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
      const accept = String(req.headers['accept-encoding'] ?? '');
      // Already compressed: tell @fastify/compress to leave it alone.
      if (a.br && /\bbr\b/.test(accept)) return reply.header('Content-Encoding', 'br').send(a.br);
      if (a.gz && /\bgzip\b/.test(accept)) return reply.header('Content-Encoding', 'gzip').send(a.gz);
      return reply.send(a.body);
    });
  }
}

/**
 * Comments and layout white space out of a stylesheet (a quarter of app.css): the page-weight
 * budget counts uncompressed bytes. Conservative: strings and selectors keep their inner spaces.
 */
export function minifyCss(src: Buffer): Buffer {
  const out = src
    .toString('utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\s*\n\s*/g, '\n')
    .replace(/\s*([{};])\s*/g, '$1')
    .replace(/;}/g, '}')
    .replace(/\n/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  return Buffer.from(out);
}
