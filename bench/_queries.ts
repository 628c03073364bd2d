// The queries of the http and search-pg-statements benches: 2-4 content words from each title (what
// people type), distinct so that no answer comes from the page micro-cache.
import { queryTerms } from '../src/search/text.ts';

export function titleQueries(titles: string[]): string[] {
  return titles.map((t, i) => {
    const ws = queryTerms(t).filter((w) => w.length > 2);
    const start = i % Math.max(1, ws.length - 3);
    return ws.slice(start, start + 2 + (i % 3)).join(' ') || 'learning';
  });
}
