// Sync health per paper source: last success, last error, next attempt (a queued retry, or else the
// next scheduled poll), and whether it has been down for a day. Read by `jobs status`, the admin
// page, /metrics and the daily page's admin note.
import type { Paperboy } from '../wiring.ts';
import { sourceDown } from '../domain/sync-health.ts';
import { HF_JOB, OAI_JOB, RSS_JOB, hfSlot, oaiSlot, rssSlot } from './tasks/ingest.ts';

export interface SourceHealth {
  source: string;
  label: string;
  job: string;
  lastSuccessAt: string | null;
  lastErrorAt: string | null;
  lastError: string | null;
  failingSince: string | null;
  failures: number;
  /** A queued retry's run_at, else the next scheduled poll; null when syncs are off. */
  nextAttemptAt: string | null;
  /** Failing, with no success, for a day or more. */
  down: boolean;
}

const SOURCES = [
  { source: 'arxiv-rss', label: 'arXiv RSS listing', job: RSS_JOB },
  { source: 'hf', label: 'Hugging Face daily papers', job: HF_JOB },
  { source: 'arxiv-oai', label: 'arXiv OAI-PMH catch-up', job: OAI_JOB },
] as const;

/** The next time (5-minute steps, up to 8 days ahead) a schedule's slot changes to a new, non-null one. */
export function nextSlotTime(slot: (t: Date) => string | null, now: Date): Date | null {
  const current = slot(now);
  const step = 5 * 60_000;
  for (let t = Math.ceil(now.getTime() / step) * step, end = now.getTime() + 8 * 86_400_000; t <= end; t += step) {
    const s = slot(new Date(t));
    if (s !== null && s !== current) return new Date(t);
  }
  return null;
}

export async function syncHealth(pb: Paperboy, now = new Date()): Promise<SourceHealth[]> {
  const store = pb.stores.sourceHealth;
  const rows = new Map((await store.all()).map((r) => [r.source, r]));
  const queued = await store.nextQueued(SOURCES.map((s) => s.job));
  const cfg = pb.config;
  const slots: Record<string, (t: Date) => string | null> = {
    [RSS_JOB]: (t) => rssSlot(t, cfg.rssSyncTime, cfg.rssPollMinutes),
    [HF_JOB]: (t) => hfSlot(t, cfg.hfPollMinutes),
    [OAI_JOB]: oaiSlot,
  };
  return SOURCES.map((s) => {
    const r = rows.get(s.source);
    let next: string | null = queued.get(s.job) ?? null;
    if (!next && cfg.syncEnabled) next = nextSlotTime(slots[s.job], now)?.toISOString() ?? null;
    return {
      ...s,
      lastSuccessAt: r?.last_success_at ?? null,
      lastErrorAt: r?.last_error_at ?? null,
      lastError: r?.last_error ?? null,
      failingSince: r?.failing_since ?? null,
      failures: r?.failures ?? 0,
      nextAttemptAt: next,
      down: sourceDown(r?.failing_since ?? null, now),
    };
  });
}
