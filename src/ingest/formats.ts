// The file formats `import` understands, and detection of a file's format from its first bytes.
import { createReadStream } from 'node:fs';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { parseJsonl } from './jsonl.ts';
import { parseHfDailyFile } from './hf-daily.ts';
import type { ByteProgress, ImportOptions, IngestItem } from './types.ts';

export interface FileFormat {
  name: string;
  description: string;
  /** True when `head` (the first few KB, decompressed) looks like this format. */
  detect: (head: string, file: string) => boolean;
  parse: (file: string, opts: ImportOptions, progress: ByteProgress) => AsyncIterable<IngestItem>;
}

export const formats: FileFormat[] = [
  {
    name: 'jsonl',
    description: "Paperboy's JSON lines (arxiv_id, title, authors, summary, …), the sample's format",
    detect: (head) => /^\s*\{[^\n]*"arxiv_id"\s*:/.test(head),
    parse: (file, opts, progress) => parseJsonl(file, opts, progress),
  },
  {
    name: 'hf-daily',
    description: 'A saved Hugging Face /api/daily_papers response (JSON array)',
    detect: (head) => /^\s*\[\s*\{\s*"paper"\s*:/.test(head),
    parse: async function* (file) {
      yield* await parseHfDailyFile(file);
    },
  },
];

export function registerFormat(f: FileFormat, opts: { before?: string } = {}): void {
  const i = opts.before ? formats.findIndex((x) => x.name === opts.before) : -1;
  if (i >= 0) formats.splice(i, 0, f);
  else formats.push(f);
}

/** The first `bytes` of a file, decompressed when it is .gz or .br. */
export async function readHead(file: string, bytes = 16384): Promise<string> {
  const raw = createReadStream(file, { start: 0, end: file.endsWith('.gz') || file.endsWith('.br') ? 1 << 20 : bytes - 1 });
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : file.endsWith('.br') ? raw.pipe(createBrotliDecompress()) : raw;
  const chunks: Buffer[] = [];
  let n = 0;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      n += chunk.length;
      if (n >= bytes) break;
    }
  } catch {
    /* a truncated compressed stream: use what decompressed */
  } finally {
    raw.destroy();
  }
  return Buffer.concat(chunks).subarray(0, bytes).toString('utf8');
}

export async function detectFormat(file: string): Promise<FileFormat | undefined> {
  const head = await readHead(file);
  return formats.find((f) => f.detect(head, file));
}

export function formatByName(name: string): FileFormat | undefined {
  return formats.find((f) => f.name === name);
}
