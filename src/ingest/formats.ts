// The file formats `import` understands, and detection of a file's format from its first bytes.
import { createReadStream } from 'node:fs';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { parseJsonl } from './jsonl.ts';
import { parseHfDailyFile } from './hf-daily.ts';
import { parseKaggle } from './kaggle.ts';
import { parseOaiFile } from './oai.ts';
import { parseAtomFile } from './atom.ts';
import { parseRssFile } from './rss.ts';
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
    name: 'kaggle',
    description: 'The Kaggle arxiv-metadata-oai-snapshot.json (JSON lines with versions[] and authors_parsed)',
    detect: (head) => /^\s*\{[^\n]*"versions"\s*:\s*\[/.test(head) && /^\s*\{[^\n]*"id"\s*:/.test(head),
    parse: (file, opts, progress) => parseKaggle(file, opts, progress),
  },
  {
    name: 'oai',
    description: 'A saved arXiv OAI-PMH response (ListRecords / GetRecord, metadataPrefix arXiv or arXivRaw)',
    detect: (head) => /<OAI-PMH[\s>]/.test(head),
    parse: (file, opts) => parseOaiFile(file, opts),
  },
  {
    name: 'atom',
    description: 'A saved arXiv API response (Atom feed)',
    detect: (head) => /<feed[\s>]/.test(head) && /http:\/\/www\.w3\.org\/2005\/Atom/.test(head),
    parse: (file, opts) => parseAtomFile(file, opts),
  },
  {
    name: 'rss',
    description: 'A saved rss.arxiv.org feed (new and cross items become the day\'s arXiv listing)',
    detect: (head) => /<rss[\s>]/.test(head),
    parse: (file) => parseRssFile(file),
  },
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

/** The first `bytes` of a file, decompressed when it is .gz or .br. */
async function readHead(file: string, bytes = 16384): Promise<string> {
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
