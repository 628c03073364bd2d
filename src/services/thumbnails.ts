// Thumbnails: the first page of a listed paper's PDF rendered to a small PNG, like the images on
// Hugging Face's cards. PDFs come from arXiv through the shared source client (the arXiv lane: one
// request at a time, the configured gap, Paperboy's User-Agent, backoff on 429/503); pdftoppm
// (Debian's poppler-utils) renders page 1 in a child process, never on a thread that answers HTTP.
// The PNG is stored in the database (every web process serves it) under a content hash that is
// part of its URL, so it can be cached forever. With no PDF reachable the card keeps its tile, and
// the paper is tried again later (a day, then a week).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { HttpError, type HttpClient } from '../ingest/http.ts';
import type { ThumbnailStore } from '../storage/agents.ts';

const run = promisify(execFile);

export interface RenderedImage {
  png: Buffer;
  hash: string;
  width: number;
  height: number;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(png: Buffer): { width: number; height: number } | null {
  if (png.length < 24 || png.readUInt32BE(0) !== 0x89504e47 || png.toString('latin1', 12, 16) !== 'IHDR') return null;
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** Renders page 1 of a PDF to a PNG `width` pixels wide with pdftoppm. Throws when it cannot. */
export async function renderFirstPage(pdf: Buffer, width: number, opts: { timeoutMs?: number; bin?: string } = {}): Promise<RenderedImage> {
  if (pdf.subarray(0, 1024).indexOf('%PDF-') < 0) throw new Error('not a PDF');
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-thumb-'));
  try {
    const input = join(dir, 'in.pdf');
    await writeFile(input, pdf);
    await run(
      opts.bin ?? 'pdftoppm',
      ['-f', '1', '-l', '1', '-singlefile', '-png', '-scale-to-x', String(width), '-scale-to-y', '-1', input, join(dir, 'out')],
      {
        timeout: opts.timeoutMs ?? 60_000,
        maxBuffer: 1_000_000,
      },
    );
    const png = await readFile(join(dir, 'out.png'));
    const size = pngSize(png);
    if (!size) throw new Error('pdftoppm wrote no PNG');
    return { png, hash: createHash('sha256').update(png).digest('hex').slice(0, 16), ...size };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Whether pdftoppm can be run here. */
export async function rendererAvailable(bin = 'pdftoppm'): Promise<boolean> {
  try {
    await run(bin, ['-v'], { timeout: 10_000 });
    return true;
  } catch (err) {
    // pdftoppm -v prints its version and exits 0 or 99 depending on the release.
    return (err as { code?: unknown }).code === 99;
  }
}

export interface ThumbnailRun {
  rendered: number;
  missing: number;
  failed: number;
}

export class Thumbnails {
  private available?: Promise<boolean>;

  constructor(
    private readonly cfg: Pick<Config, 'arxivPdfUrl' | 'thumbnailWidth' | 'thumbnailMaxPdfBytes' | 'thumbnailsPerRun'>,
    private readonly store: ThumbnailStore,
    private readonly http: HttpClient,
    private readonly log?: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Renders thumbnails for up to `limit` listed papers that have none. */
  async runOnce(signal?: AbortSignal, limit = this.cfg.thumbnailsPerRun): Promise<ThumbnailRun> {
    const out: ThumbnailRun = { rendered: 0, missing: 0, failed: 0 };
    this.available ??= rendererAvailable();
    if (!(await this.available)) {
      this.log?.warn('pdftoppm (poppler-utils) is not installed: no thumbnails; cards keep their tiles');
      return out;
    }
    for (const todo of await this.store.pending(limit, this.now().toISOString())) {
      if (signal?.aborted) break;
      // Tried again after a day, then after a week.
      const retryAt = new Date(this.now().getTime() + (todo.attempts ? 7 : 1) * 86_400_000).toISOString();
      let pdf: Buffer;
      try {
        const res = await this.http.get(`${this.cfg.arxivPdfUrl}/${todo.arxivId}`, {
          group: 'arxiv',
          accept: 'application/pdf',
          binary: true,
          maxBytes: this.cfg.thumbnailMaxPdfBytes,
          // Thumbnails are not worth holding the arXiv lane for minutes: one retry, then a later run.
          retries: 1,
          signal,
        });
        pdf = res.bytes ?? Buffer.alloc(0);
      } catch (err) {
        if (signal?.aborted) break;
        out.missing++;
        await this.store.saveFailure(todo.paperId, 'missing', (err as Error).message, retryAt);
        // A refusal that retrying did not cure (or no network) means: stop for now, a later run goes on.
        if (!(err instanceof HttpError) || err.status === undefined || err.status === 429 || err.status >= 500) break;
        continue;
      }
      try {
        const img = await renderFirstPage(pdf, this.cfg.thumbnailWidth);
        await this.store.saveImage(todo.paperId, img);
        out.rendered++;
      } catch (err) {
        out.failed++;
        await this.store.saveFailure(todo.paperId, 'failed', (err as Error).message, retryAt);
        this.log?.warn({ paper: todo.arxivId, err: (err as Error).message }, 'thumbnail could not be rendered');
      }
    }
    return out;
  }
}

/** The URL a card uses for a paper's rendered thumbnail (immutable: the hash changes with the image). */
export function thumbnailPath(arxivId: string, key: string): string {
  return `/thumbnails/${arxivId}/${key}.png`;
}
