// Ingest jobs and their schedules. arXiv announces new papers Sunday–Thursday at 20:00 US Eastern
// (listing days Monday–Friday) and rebuilds its RSS feeds in the hours after; so the RSS listing is
// polled every 15 minutes (PAPERBOY_RSS_POLL_MINUTES) from the announcement until the configured
// morning time, with conditional requests (a 304 when nothing changed costs one small answer): a
// newly announced paper is listed, and embedded by the search upkeep that follows the import, within
// one poll. The Hugging Face list of the day is polled hourly (PAPERBOY_HF_POLL_MINUTES) all day,
// and yesterday's once more the next day for its final counts. An OAI-PMH catch-up harvests
// everything modified since the last successful catch-up, so days the RSS polls missed are filled;
// it runs in slices of pages, each job continuing the resumable harvest where the last stopped.
// A failure is logged with its source, recorded in the sync health, and thrown: the queue retries
// it later with backoff (or at the source's Retry-After); the web server never sees it.
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
/** Pages of one OAI slice (arXiv's pages hold up to 1,000 records, a few seconds apart each). */
export const OAI_SLICE_PAGES = 10;
/** arXiv's announcement: 20:00 Eastern, Sunday to Thursday. */
const ANNOUNCE_MINUTES = 20 * 60;

function hhmm(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/**
 * RSS poll slots: every `every` minutes from arXiv's announcement (20:00 Eastern, Sunday–Thursday)
 * until `until` the next morning (Monday–Friday), e.g. "2026-09-24T00:15"; null outside.
 */
export function rssSlot(now: Date, until: string, every = 15): string | null {
  const e = eastern(now);
  const evening = e.minutes >= ANNOUNCE_MINUTES && (e.weekday === 7 || e.weekday <= 4);
  const morning = e.minutes < hhmmToMinutes(until) && e.weekday <= 5;
  if (!evening && !morning) return null;
  return `${e.day}T${hhmm(Math.floor(e.minutes / every) * every)}`;
}

/** HF poll slots: every `every` minutes all (Eastern) day, e.g. "2026-09-24T13:00"; the list synced is the slot's day. */
export function hfSlot(now: Date, every = 60): string {
  const e = eastern(now);
  return `${e.day}T${hhmm(Math.floor(e.minutes / every) * every)}`;
}

/** Yesterday's HF list once more for its final counts, from `time` (Eastern) on: "2026-09-23:final". */
export function hfFinalSlot(now: Date, time: string): string | null {
  const e = eastern(now);
  return e.minutes >= hhmmToMinutes(time) ? `${addDays(e.day, -1)}:final` : null;
}

/** The OAI catch-up runs once per Eastern day, at 03:00 Eastern (arXiv's quiet hours). */
export function oaiSlot(now: Date): string | null {
  const e = eastern(now);
  return e.minutes >= 180 ? e.day : null;
}

function withSource(pb: Paperboy, source: string, fn: (payload: Record<string, unknown>, signal: AbortSignal, jobId: number) => Promise<unknown>) {
  const health = pb.stores.sourceHealth;
  return async (job: { id: number; payload: unknown; attempts: number }, signal: AbortSignal) => {
    try {
      const result = await fn((job.payload ?? {}) as Record<string, unknown>, signal, job.id);
      pb.log.info({ source, result }, 'ingest sync done');
      await health.succeeded(source).catch((err) => pb.log.warn({ source, err: (err as Error).message }, 'sync health not recorded'));
      // New papers are embedded now, not at the next search upkeep slot.
      await requestSearchUpkeep(pb, `${source}:${job.id}`);
    } catch (err) {
      pb.log.warn({ source, attempt: job.attempts, err: (err as Error).message }, 'ingest sync failed; the queue retries it later');
      await health.failed(source, (err as Error).message).catch(() => {});
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
    withSource(pb, 'arxiv-oai', async (p, signal, jobId) => {
      const today = eastern(new Date()).day;
      const last = await pb.stores.kv.get(OAI_LAST_KEY);
      // One day of overlap: OAI datestamps are days, and a harvest may have run mid-day.
      const from = String(p.from ?? (last ? addDays(last, -1) : addDays(today, -pb.config.oaiCatchupDays)));
      const cats = Array.isArray(p.categories) ? (p.categories as string[]) : pb.config.syncCategories;
      const out: Record<string, unknown> = {};
      // Sets an earlier slice of this catch-up finished.
      const done = Array.isArray(p.done) ? (p.done as string[]) : [];
      for (const set of [...new Set(cats.map(oaiSetFor))].filter((s) => !done.includes(s))) {
        // One slice: a few pages, then a continuation job takes the harvest on from its saved token,
        // so the network lane is never held for hours by one job.
        const r = await ingestSources(pb).harvestOai({ metadataPrefix: 'arXivRaw', set, from }, { signal, daily: true, maxPages: OAI_SLICE_PAGES });
        out[set] = { pages: r.pages, inserted: r.inserted, updated: r.updated, status: r.status };
        if (r.status === 'partial') {
          await pb.jobs.enqueue(OAI_JOB, { ...p, from, categories: cats, done }, { uniqueKey: `arxiv-oai-catchup:more:${jobId}` });
          return { from, sets: out, continues: true };
        }
        done.push(set);
      }
      await pb.stores.kv.set(OAI_LAST_KEY, today);
      return { from, sets: out };
    }),
  );
}

export function registerIngestSchedules(scheduler: Scheduler, pb: Paperboy): void {
  if (!pb.config.syncEnabled) return;
  const cats = pb.config.syncCategories;
  const cfg = pb.config;
  scheduler.add({
    name: 'arxiv-rss',
    job: RSS_JOB,
    slot: (now) => rssSlot(now, cfg.rssSyncTime, cfg.rssPollMinutes),
    payload: (slot) => ({ slot, categories: cats }),
  });
  scheduler.add({ name: 'hf-daily', job: HF_JOB, slot: (now) => hfSlot(now, cfg.hfPollMinutes), payload: (slot) => ({ slot, date: slot.slice(0, 10) }) });
  scheduler.add({ name: 'hf-final', job: HF_JOB, slot: (now) => hfFinalSlot(now, cfg.hfSyncTime), payload: (slot) => ({ slot, date: slot.slice(0, 10) }) });
  scheduler.add({ name: 'arxiv-oai-catchup', job: OAI_JOB, slot: oaiSlot, payload: (slot) => ({ slot, categories: cats }) });
}
