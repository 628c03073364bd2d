// Hugging Face daily papers over the network: GET /api/daily_papers?date=|week=|month=&p=&limit=,
// paged until a short page, each item becoming a paper and its daily entry (hf-daily.ts parses).
import type { ImportSummary, PaperSink } from './types.ts';
import type { HttpClient, ValidatorStore } from './http.ts';
import { parseHfDaily } from './hf-daily.ts';
import type { IngestItem } from './types.ts';

export type HfPeriod = { date: string } | { week: string } | { month: string };

export interface HfSyncResult {
  period: HfPeriod;
  pages: number;
  /** Items received (0 when every page was unchanged). */
  items: number;
  notModified: boolean;
  summary: ImportSummary;
}

function validateJsonArray(body: string): void {
  const v = JSON.parse(body) as unknown;
  if (!Array.isArray(v)) throw new Error('expected a JSON array');
}

function dailyPapersUrl(base: string, period: HfPeriod, page: number, limit: number): string {
  const q = new URLSearchParams({ ...(period as Record<string, string>), p: String(page), limit: String(limit) });
  return `${base}/api/daily_papers?${q.toString()}`;
}

/** Fetches every page of a period's daily papers and imports them as daily entries. */
export async function syncHfDaily(
  deps: { http: HttpClient; importer: PaperSink; hfUrl: string; validators?: ValidatorStore },
  period: HfPeriod,
  opts: { limit?: number; maxPages?: number; signal?: AbortSignal } = {},
): Promise<HfSyncResult> {
  const limit = opts.limit ?? 100;
  const maxPages = opts.maxPages ?? 50;
  const items: IngestItem[] = [];
  const commits: (() => Promise<void>)[] = [];
  let pages = 0;
  let unchanged = 0;
  for (let p = 0; p < maxPages; p++) {
    const url = dailyPapersUrl(deps.hfUrl, period, p, limit);
    const res = await deps.http.get(url, { group: 'hf', accept: 'application/json', conditional: true, validate: validateJsonArray, signal: opts.signal, validators: deps.validators });
    pages++;
    if (res.notModified) {
      // Same page as last time: nothing new on it. Later pages can still have changed.
      unchanged++;
      break;
    }
    const arr = JSON.parse(res.body) as unknown[];
    items.push(...parseHfDaily(arr));
    commits.push(res.commit);
    if (arr.length < limit) break;
  }
  const target = `${deps.hfUrl}/api/daily_papers?${new URLSearchParams(period as Record<string, string>).toString()}`;
  const summary = await deps.importer.run('hf', target, items);
  for (const c of commits) await c();
  return { period, pages, items: items.length, notModified: unchanged > 0 && items.length === 0, summary };
}
