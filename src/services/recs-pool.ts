// "For you" candidate pools: the worker builds, for each window (the daily list's latest day, last
// 7 and last 30 days), the inverted index of its papers' features (src/recs/pool.ts) and stores it
// (rec_pool_parts, named in the kv table) whenever the window's listing or the idf changed — a
// scheduled job every 10 minutes, after the idf is refitted, and when a web process finds its
// window stale. A web process loads a window's pool once per version, a part at a time, and checks
// for a newer one in the background every 30 s: a request never computes a feature.
import type { Logger } from '../logger.ts';
import { addDays } from '../domain/dates.ts';
import { buildPool, decodePool, encodePool, type CandidatePool } from '../recs/pool.ts';
import type { KvStore } from '../storage/kv.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { RecPaperStore } from '../storage/recs-papers.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { yieldLoop, type ReaderTrainer } from './recs-train.ts';

export const RECS_POOL_JOB = 'recs.pool';
export type RecWindow = 'day' | 'week' | 'month';
export const WINDOW_DAYS: Record<RecWindow, number> = { day: 1, week: 7, month: 30 };
/** Papers a pool holds at most (a month of 660 papers a day). */
export const MAX_POOL = 20_000;
/** How often a web process looks for a newer pool of a window it has. */
const CHECK_MS = 30_000;

interface PoolHead {
  /** "<window>:<built at>": the stored parts' name. */
  name: string;
  /** What it was built from: range, listing stamp, idf version. */
  key: string;
  parts: number;
  from: string;
  to: string;
  papers: number;
}

export interface LoadedPool {
  name: string;
  pool: CandidatePool;
  range: { from: string; to: string };
  checkedAt: number;
  refreshing?: Promise<unknown>;
}

const headKey = (w: RecWindow) => `recs.pool.${w}`;

export async function windowRange(daily: DailyStore, window: RecWindow, now: () => Date): Promise<{ from: string; to: string }> {
  const to = (await daily.latestDay()) ?? now().toISOString().slice(0, 10);
  return { from: addDays(to, 1 - WINDOW_DAYS[window]), to };
}

async function readHead(kv: KvStore, w: RecWindow): Promise<PoolHead | undefined> {
  const v = await kv.get(headKey(w));
  try {
    return v ? (JSON.parse(v) as PoolHead) : undefined;
  } catch {
    return undefined;
  }
}

/** The worker's side: (re)builds the pools whose window changed. */
export class PoolBuilder {
  constructor(
    private readonly papers: RecPaperStore,
    private readonly daily: DailyStore,
    private readonly kv: KvStore,
    private readonly trainer: ReaderTrainer,
    private readonly now: () => Date,
  ) {}

  async build(opts: { force?: boolean } = {}): Promise<{ window: RecWindow; papers: number; bytes: number; ms: number }[]> {
    const done = [];
    if (!(await this.trainer.currentIdf()).idf) await this.trainer.fitIdf();
    const { version } = await this.trainer.currentIdf();
    // Month first: the week's and the day's papers are among its features, computed once.
    for (const window of ['month', 'week', 'day'] as RecWindow[]) {
      const t = performance.now();
      const r = await windowRange(this.daily, window, this.now);
      const key = `${r.from}|${r.to}|${await this.papers.listedStamp(r.from, r.to)}|${version}`;
      const head = await readHead(this.kv, window);
      if (!opts.force && head?.key === key) continue;
      const rows = await this.papers.listed(r.from, r.to, MAX_POOL);
      const feats = await this.trainer.featuresOf(
        rows.map((x) => x.id),
        (await this.trainer.embedderInfo()).id,
      );
      const kept = rows.filter((x) => feats.has(x.id)).map((x) => x.id);
      const data = encodePool(
        buildPool(
          kept,
          kept.map((id) => feats.get(id)!.lex),
        ),
      );
      const name = `${window}:${this.now().toISOString()}`;
      const parts = await this.papers.savePool(name, data);
      await this.kv.set(headKey(window), JSON.stringify({ name, key, parts, from: r.from, to: r.to, papers: kept.length } satisfies PoolHead));
      await this.papers.prunePools(window, name);
      done.push({ window, papers: kept.length, bytes: data.length, ms: Math.round(performance.now() - t) });
    }
    return done;
  }
}

/** The web's side: each window's current pool, loaded once per version and checked every 30 s. */
export class PoolCache {
  private readonly pools = new Map<RecWindow, LoadedPool>();
  private readonly loading = new Map<RecWindow, Promise<LoadedPool | null>>();

  constructor(
    private readonly papers: RecPaperStore,
    private readonly daily: DailyStore,
    private readonly kv: KvStore,
    private readonly jobs: JobQueue,
    private readonly log: Logger,
  ) {}

  /** The window's pool, or null before the worker has built one (a build is then enqueued). */
  async get(window: RecWindow): Promise<LoadedPool | null> {
    const cur = this.pools.get(window);
    if (cur) {
      if (Date.now() - cur.checkedAt > CHECK_MS && !cur.refreshing)
        cur.refreshing = this.load(window, cur)
          .catch((err) => this.log.warn({ err: (err as Error).message }, 'recs: pool reload failed'))
          .finally(() => (cur.refreshing = undefined));
      return cur;
    }
    let p = this.loading.get(window);
    if (!p) {
      p = this.load(window).finally(() => this.loading.delete(window));
      this.loading.set(window, p);
    }
    return p;
  }

  private async load(window: RecWindow, cur?: LoadedPool): Promise<LoadedPool | null> {
    const head = await readHead(this.kv, window);
    const latest = await this.daily.latestDay();
    if (!head || (latest && head.to !== latest))
      await this.jobs.enqueue(
        RECS_POOL_JOB,
        {},
        {
          uniqueKey: `${RECS_POOL_JOB}:${latest ?? ''}:${head?.name ?? ''}`,
          priority: 3,
          maxAttempts: 3,
          unlessActive: { prefix: RECS_POOL_JOB, running: false },
        },
      );
    if (!head) return cur ?? null;
    if (cur && cur.name === head.name) {
      cur.checkedAt = Date.now();
      return cur;
    }
    const chunks: Uint8Array[] = [];
    for (let part = 0; part < head.parts; part++) {
      const c = await this.papers.poolPart(head.name, part);
      if (!c) return cur ?? null; // replaced meanwhile: the next check finds the newer one
      chunks.push(c);
      await yieldLoop(); // SQLite reads are synchronous: let other requests run between parts
    }
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
    let o = 0;
    for (const c of chunks) {
      bytes.set(c, o);
      o += c.byteLength;
    }
    const loaded: LoadedPool = { name: head.name, pool: decodePool(bytes), range: { from: head.from, to: head.to }, checkedAt: Date.now() };
    this.pools.set(window, loaded);
    return loaded;
  }
}
