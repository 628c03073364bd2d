// Streams a file line by line without holding it in memory, tracking bytes for progress.
import { createReadStream, statSync } from 'node:fs';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { ByteProgress } from './types.ts';

export async function* readLines(file: string, progress?: ByteProgress): AsyncGenerator<{ line: string; lineNo: number }> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (progress) {
    progress.bytesTotal = statSync(file).size;
    raw.on('data', (chunk) => {
      progress.bytesRead += chunk.length;
    });
  }
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : file.endsWith('.br') ? raw.pipe(createBrotliDecompress()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  let lineNo = 0;
  for await (const line of rl) {
    lineNo++;
    if (line.trim() === '') continue;
    yield { line, lineNo };
  }
}
