// A one-line progress bar on a terminal (records, rate, ETA); silent when stderr is not a TTY.
import type { ByteProgress } from '../ingest/types.ts';
import type { IngestCounts } from '../storage/ingest-log.ts';

export class ProgressBar {
  private readonly started = Date.now();
  private last = 0;
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly bytes?: ByteProgress,
    private readonly out: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = !!out.isTTY;
  }

  update(c: IngestCounts, force = false): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (!force && now - this.last < 200) return;
    this.last = now;
    const secs = Math.max(0.001, (now - this.started) / 1000);
    const rate = c.read / secs;
    let bar = '';
    let eta = '';
    if (this.bytes?.bytesTotal) {
      const frac = Math.min(1, this.bytes.bytesRead / this.bytes.bytesTotal);
      const width = 24;
      bar = `[${'#'.repeat(Math.round(frac * width)).padEnd(width, '.')}] ${(frac * 100).toFixed(1)}% `;
      if (frac > 0.001) eta = ` ETA ${fmt(secs / frac - secs)}`;
    }
    this.out.write(
      `\r${this.label} ${bar}${c.read.toLocaleString('en')} records, ${Math.round(rate).toLocaleString('en')}/s, ${c.inserted} new, ${c.updated} updated, ${c.errors} errors${eta}   `,
    );
  }

  done(): void {
    if (this.enabled) this.out.write('\n');
  }
}

function fmt(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}
