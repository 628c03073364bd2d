// Ingest jobs and their schedules. arXiv lists new papers Monday–Friday (announced the evening
// before, US Eastern); the RSS feed of a listing day is built shortly after midnight Eastern, so the
// RSS sync runs on listing days at a configured Eastern time. Hugging Face daily papers are synced
// each day and once more the next morning (final upvote counts). An OAI-PMH catch-up harvests
// everything modified since the last successful catch-up, so days the RSS sync missed are filled.
// A failure is logged with its source and thrown: the queue retries it later with backoff; the web
// server never sees it.
import type { Worker } from '../worker.ts';
import type { Scheduler } from '../scheduler.ts';
import type { Paperboy } from '../../wiring.ts';
import { addDays } from '../../domain/dates.ts';
import { eastern, hhmmToMinutes } from '../../ingest/eastern.ts';
import { ingestSources, oaiSetFor } from '../../ingest/sources.ts';
import { requestSearchUpkeep } from './search.ts';

export const RSS_JOB = 'ingest.arxiv-rss';
export const HF_JOB = 'ingest.hf-daily';
export const OAI_JOB = 'ingest.arxiv-oai-catchup';
const OAI_LAST_KEY = 'ingest:oai-catchup:last-day';

/** Listing-day slot: the Eastern day, on Monday–Friday once its time has passed. */
export function rssSlot(now: Date, time: string): string | null {
  const e = eastern(now);
  if (e.weekday > 5 || e.minutes < hhmmToMinutes(time)) return null;
  return e.day;
}

/** Daily slots for HF: today's list after `time`, and yesterday's final counts from midnight on. */
export function hfSlot(now: Date, time: string): string | null {
  const e = eastern(now);
  return e.minutes >= hhmmToMinutes(time) ? e.day : `${addDays(e.day, -1)}:final`;
}

/** The OAI catch-up runs once per Eastern day, at 03:00 Eastern (arXiv's quiet hours). */
export function oaiSlot(now: Date): string | null {
  const e = eastern(now);
  return e.minutes >= 180 ? e.day : null;
}

function withSource(pb: Paperboy, source: string, fn: (payload: Record<string, unknown>, signal: AbortSignal) => Promise<unknown>) {
  return async (job: { id: number; payload: unknown; attempts: number }, signal: AbortSignal) => {
    try {
      const result = await fn((job.payload ?? {}) as Record<string, unknown>, signal);
      pb.log.info({ source, result }, 'ingest sync done');
      // New papers are embedded now, not at the next search upkeep slot.
      await requestSearchUpkeep(pb, `${source}:${job.id}`);
    } catch (err) {
      pb.log.warn({ source, attempt: job.attempts, err: (err as Error).message }, 'ingest sync failed; the queue retries it later');
      throw err;
    }
  };
}

export function registerIngestTasks(worker: Worker, pb: Paperboy): void {
  worker.register(
    RSS_JOB,
    withSource(pb, 'arxiv-rss', async (p, signal) => {
      const cats = Array.isArray(p.categories) ? (p.categories as string[]) : pb.config.syncCategories;
      const r = await ingestSources(pb).syncRss(cats, { signal });
      return { notModified: r.notModified, day: r.day, types: r.types, inserted: r.summary?.inserted, updated: r.summary?.updated };
    }),
  );
  worker.register(
    HF_JOB,
    withSource(pb, 'hf', async (p, signal) => {
      const date = typeof p.date === 'string' ? p.date : eastern(new Date()).day;
      const r = await ingestSources(pb).syncHfDaily({ date }, { signal });
      return { date, items: r.items, inserted: r.summary.inserted, entries: r.summary.entries };
    }),
  );
  worker.register(
    OAI_JOB,
    withSource(pb, 'arxiv-oai', async (p, signal) => {
      const today = eastern(new Date()).day;
      const last = await pb.stores.kv.get(OAI_LAST_KEY);
      // One day of overlap: OAI datestamps are days, and a harvest may have run mid-day.
      const from = String(p.from ?? (last ? addDays(last, -1) : addDays(today, -pb.config.oaiCatchupDays)));
      const cats = Array.isArray(p.categories) ? (p.categories as string[]) : pb.config.syncCategories;
      const out: Record<string, unknown> = {};
      for (const set of [...new Set(cats.map(oaiSetFor))]) {
        const r = await ingestSources(pb).harvestOai({ metadataPrefix: 'arXivRaw', set, from }, { signal, daily: true });
        out[set] = { pages: r.pages, inserted: r.inserted, updated: r.updated };
      }
      await pb.stores.kv.set(OAI_LAST_KEY, today);
      return { from, sets: out };
    }),
  );
}

export function registerIngestSchedules(scheduler: Scheduler, pb: Paperboy): void {
  if (!pb.config.syncEnabled) return;
  const cats = pb.config.syncCategories;
  scheduler.add({ name: 'arxiv-rss', job: RSS_JOB, slot: (now) => rssSlot(now, pb.config.rssSyncTime), payload: (slot) => ({ slot, categories: cats }) });
  scheduler.add({
    name: 'hf-daily',
    job: HF_JOB,
    slot: (now) => hfSlot(now, pb.config.hfSyncTime),
    payload: (slot) => ({ slot, date: slot.slice(0, 10) }),
  });
  scheduler.add({ name: 'arxiv-oai-catchup', job: OAI_JOB, slot: oaiSlot, payload: (slot) => ({ slot, categories: cats }) });
}
