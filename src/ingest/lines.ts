// Streams a file line by line without holding it in memory, tracking bytes for progress.
// Lines end at \n, \r\n or a lone \r (as node:readline splits them); blank lines are skipped but
// counted, so line numbers match the file's.
import { createReadStream, statSync } from 'node:fs';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import type { ByteProgress } from './types.ts';

export interface Line {
  line: string;
  lineNo: number;
}

const LF = 0x0a;
const CR = 0x0d;

/**
 * Splits buffers into lines. Working on the bytes is several times cheaper than node:readline
 * (which decodes, regex-splits and emits an event per line); a bulk import reads gigabytes here.
 */
class LineSplitter {
  lineNo = 0;
  /** The unfinished last line of the previous chunk. */
  private carry: Buffer | null = null;
  /** The previous chunk ended in \r: a \n opening the next one ends nothing new. */
  private skipLf = false;

  private push(out: Line[], buf: Buffer, start: number, end: number): void {
    this.lineNo++;
    if (end > start) {
      const line = buf.toString('utf8', start, end);
      if (line.trim() !== '') out.push({ line, lineNo: this.lineNo });
    }
  }

  /** Emits every complete line of buf from pos on; returns where the unfinished rest starts. */
  private scan(buf: Buffer, pos: number, out: Line[]): number {
    let cr = buf.indexOf(CR, pos);
    for (;;) {
      const nl = buf.indexOf(LF, pos);
      if (cr !== -1 && cr < pos) cr = buf.indexOf(CR, pos);
      if (cr !== -1 && (nl === -1 || cr < nl)) {
        this.push(out, buf, pos, cr);
        if (cr + 1 === buf.length) {
          this.skipLf = true;
          return buf.length;
        }
        pos = buf[cr + 1] === LF ? cr + 2 : cr + 1;
        continue;
      }
      if (nl === -1) return pos;
      this.push(out, buf, pos, nl);
      pos = nl + 1;
    }
  }

  /** The complete lines that this chunk finishes. */
  write(chunk: Buffer): Line[] {
    const out: Line[] = [];
    let pos = 0;
    if (this.skipLf && chunk.length && chunk[0] === LF) pos = 1;
    if (chunk.length) this.skipLf = false;
    if (this.carry) {
      // Join the carried partial line with this chunk's head only, not the whole chunk.
      const nl = chunk.indexOf(LF, pos);
      const cr = chunk.indexOf(CR, pos);
      let end = nl === -1 ? cr : cr === -1 ? nl : Math.min(nl, cr);
      if (end === -1) {
        this.carry = Buffer.concat([this.carry, chunk.subarray(pos)]);
        if (this.carry.length > 256 << 20) throw new Error(`line ${this.lineNo + 1} is longer than 256 MB`);
        return out;
      }
      if (chunk[end] === CR && end + 1 < chunk.length && chunk[end + 1] === LF) end++;
      const head = Buffer.concat([this.carry, chunk.subarray(pos, end + 1)]);
      this.carry = null;
      this.scan(head, 0, out);
      // scan saw the head end in \r; only the chunk's own end decides whether a \n may follow.
      this.skipLf = this.skipLf && end + 1 === chunk.length;
      pos = end + 1;
    }
    pos = this.scan(chunk, pos, out);
    if (pos < chunk.length) this.carry = chunk.subarray(pos);
    return out;
  }

  /** The last line, when the input does not end with a line break. */
  end(): Line[] {
    const out: Line[] = [];
    if (this.carry?.length) this.push(out, this.carry, 0, this.carry.length);
    this.carry = null;
    return out;
  }
}

/** The file's non-blank lines, a chunk's worth at a time. */
export async function* readLineBatches(file: string, progress?: ByteProgress): AsyncGenerator<Line[]> {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (progress) {
    progress.bytesTotal = statSync(file).size;
    raw.on('data', (chunk) => {
      progress.bytesRead += chunk.length;
    });
  }
  const input = file.endsWith('.gz') ? raw.pipe(createGunzip()) : file.endsWith('.br') ? raw.pipe(createBrotliDecompress()) : raw;
  const split = new LineSplitter();
  for await (const chunk of input as AsyncIterable<Buffer>) {
    const lines = split.write(chunk);
    if (lines.length) yield lines;
  }
  const last = split.end();
  if (last.length) yield last;
}

export async function* readLines(file: string, progress?: ByteProgress): AsyncGenerator<Line> {
  for await (const batch of readLineBatches(file, progress)) yield* batch;
}
