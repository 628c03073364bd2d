// "For you": the use cases of the recommender. Training (in a worker job) gathers a reader's
// signals and fits their model (src/recs/model.ts); serving scores the papers of the daily list's
// last day, week or month against the stored model, leaves out what the reader upvoted or
// dismissed, and says in one line why each paper is there.
//
// Freshness: each request compares the reader's newest signal with the one the model was trained
// through and, when newer, enqueues a retraining job (one per signal state, by its unique key),
// so any signal — a vote from the API, a page, a saved paper — reaches the list within one worker
// poll. Upvoted and dismissed papers leave the list at once, before any retraining.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Paper } from '../domain/paper.ts';
import { authorKey } from '../domain/paper.ts';
import { addDays } from '../domain/dates.ts';
import { errors } from '../domain/errors.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { CandidateRow, RecStore } from '../storage/recs.ts';
import type { Embedder } from '../search/embedders/types.ts';
import type { Hit } from '../search/lexical.ts';
import { applyIdf, decodeIdf, encodeIdf, fitIdf, hashedFeatures, paperText, type Idf } from '../recs/features.ts';
import type { KvStore } from '../storage/kv.ts';
import {
  DEFAULT_PARAMS,
  Scorer,
  decodeModel,
  recencyWeight,
  encodeModel,
  trainReaderModel,
  type Example,
  type PaperFeatures,
  type ReaderModel,
} from '../recs/model.ts';
import { sha256 } from './accounts.ts';

export const RECS_TRAIN_JOB = 'recs.train';
export const RECS_IDF_JOB = 'recs.idf';
const IDF_KEY = 'recs.idf';
/** Papers sampled to fit the idf (3,000: a second of CPU in the worker). */
const IDF_SAMPLE = 3000;
const IDF_RELOAD_MS = 10 * 60_000;
export type RecWindow = 'day' | 'week' | 'month';
export const WINDOW_DAYS: Record<RecWindow, number> = { day: 1, week: 7, month: 30 };

export type SourceKind = 'upvote' | 'saved' | 'author' | 'seed' | 'category';
interface Source {
  id: number;
  kind: SourceKind;
}

export interface Recommendation {
  paper: Paper;
  /** Upvotes shown: local votes plus those the listing's source reported. */
  upvotes: number;
  score: number;
  /** One line saying why, e.g. "Because you upvoted “Denoising Diffusion…”". */
  reason: string;
}

export interface RecList {
  items: Recommendation[];
  /** Whether the list comes from the reader's model (false: no signals yet, the day's most upvoted). */
  personal: boolean;
  /** Whether a newer signal is waiting for the worker to retrain. */
  pending: boolean;
  window: RecWindow;
  range: { from: string; to: string };
}

/** What the recommender needs from search: the embedder in use, and nearest neighbours by vector. */
export interface RecSearch {
  embedder(): Promise<Embedder | null>;
  neighbours(vec: Float32Array, k: number): Promise<Hit[]>;
}

interface Pool {
  key: string;
  builtAt: number;
  embedder: string;
  rows: CandidateRow[];
  feats: PaperFeatures[];
  authorKeys: string[][];
  /** Inverted index of the pool's lexical columns: a model scores by walking the postings of its own columns. */
  postings: Map<number, { doc: Int32Array; val: Float32Array }>;
  building?: Promise<Pool>;
}

/** Builds the pool's inverted index, yielding between chunks. */
async function invert(feats: PaperFeatures[]): Promise<Pool['postings']> {
  const lists = new Map<number, { doc: number[]; val: number[] }>();
  for (let i = 0; i < feats.length; i++) {
    const { idx, val } = feats[i].lex;
    for (let k = 0; k < idx.length; k++) {
      let l = lists.get(idx[k]);
      if (!l) lists.set(idx[k], (l = { doc: [], val: [] }));
      l.doc.push(i);
      l.val.push(val[k]);
    }
    if (i % 1000 === 999) await yieldLoop();
  }
  const out: Pool['postings'] = new Map();
  for (const [c, l] of lists) out.set(c, { doc: Int32Array.from(l.doc), val: Float32Array.from(l.val) });
  return out;
}

interface LoadedModel {
  trainedAt: string;
  scorer: Scorer;
  sources: Source[];
  sourceVecs: Map<number, Float32Array>;
  sourceTitles: Map<number, string>;
  followed: Set<string>;
  followedNames: Map<string, string>;
  categories: Set<string>;
}

/** How long a window's candidate pool is reused before it is rebuilt in the background. */
const POOL_TTL_MS = 30_000;
/** Papers per chunk when computing features, between yields to the event loop. */
const CHUNK = 200;
const MAX_POOL = 20_000;
const MAX_FEATURE_CACHE = 60_000;
const MAX_MODEL_CACHE = 2_000;

const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

const clip = (s: string, n = 70) => (s.length > n ? `${s.slice(0, n - 1).trimEnd()}…` : s);

export class Recommender {
  private readonly pools = new Map<string, Pool>();
  private readonly features = new Map<number, PaperFeatures & { embedder: string }>();
  private idf: { version: string; idf: Idf | null; at: number; loading?: Promise<void> } = { version: '', idf: null, at: 0 };
  private readonly models = new Map<number, LoadedModel>();
  /** Signal states already enqueued by this process (saves an insert per request). */
  private readonly requested = new Map<number, string>();

  constructor(
    private readonly store: RecStore,
    private readonly papers: PaperStore,
    private readonly daily: DailyStore,
    private readonly search: RecSearch,
    private readonly jobs: JobQueue,
    private readonly kv: KvStore,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  // ---- idf (fitted by the worker on a sample, shared through the kv table) ------------------------

  /** The current idf, reloaded from the database every few minutes (in the background once loaded). */
  private async currentIdf(): Promise<{ version: string; idf: Idf | null }> {
    const load = async () => {
      const v = await this.kv.get(IDF_KEY);
      const version = v ? v.slice(0, v.indexOf(':')) : '';
      if (version !== this.idf.version) this.idf = { version, idf: v ? decodeIdf(v.slice(v.indexOf(':') + 1)) : null, at: Date.now() };
      else this.idf.at = Date.now();
    };
    if (!this.idf.at) await load();
    else if (Date.now() - this.idf.at > IDF_RELOAD_MS && !this.idf.loading) {
      this.idf.loading = load()
        .catch((err) => this.log.warn({ err: (err as Error).message }, 'recs: idf reload failed'))
        .finally(() => (this.idf.loading = undefined));
    }
    return this.idf;
  }

  /** Fits the idf on a random sample of papers and shares it (the worker's job; daily, and before a first training). */
  async fitIdf(): Promise<{ docs: number; terms: number }> {
    const ids = await this.store.randomPapers(IDF_SAMPLE, new Set(), Date.now());
    const texts = await this.store.texts(ids);
    const rows = [];
    let n = 0;
    for (const t of texts.values()) {
      rows.push(hashedFeatures(paperText(t.title, t.abstract)));
      if (++n % CHUNK === 0) await yieldLoop();
    }
    const idf = fitIdf(rows);
    const version = this.now().toISOString();
    await this.kv.set(IDF_KEY, `${version}:${encodeIdf(idf)}`);
    this.idf = { version, idf, at: Date.now() };
    return { docs: rows.length, terms: idf.weights.size };
  }

  // ---- signals -------------------------------------------------------------------------------

  async dismiss(userId: number, paperId: number): Promise<boolean> {
    const changed = await this.store.dismiss(userId, paperId, this.now().toISOString());
    await this.requestTraining(userId);
    return changed;
  }

  async undismiss(userId: number, paperId: number): Promise<boolean> {
    const changed = await this.store.undismiss(userId, paperId);
    await this.requestTraining(userId);
    return changed;
  }

  profile(userId: number) {
    return this.store.profile(userId);
  }

  /** Saves the first-visit choices (bounded: 20 categories, 20 authors, 20 seed papers). */
  async saveProfile(userId: number, p: { categories: string[]; authors: string[]; seeds: number[] }): Promise<void> {
    const clean = (xs: string[], max: number) => [...new Set(xs.map((x) => x.trim().slice(0, 100)).filter(Boolean))].slice(0, max);
    await this.store.saveProfile(
      userId,
      {
        categories: clean(p.categories, 20).filter((c) => /^[a-zA-Z-]+(\.[a-zA-Z-]+)?$/.test(c)),
        authors: clean(p.authors, 20),
        seeds: [...new Set(p.seeds)].slice(0, 20),
      },
      this.now().toISOString(),
    );
    await this.requestTraining(userId);
  }

  /** Enqueues a retraining when the reader has a signal newer than their model. */
  async requestTraining(userId: number, signalsAt?: string): Promise<boolean> {
    const at = signalsAt ?? (await this.store.signalsAt(userId));
    if (!at || this.requested.get(userId) === at) return false;
    const stamp = await this.store.modelStamp(userId);
    if (stamp && stamp.signals_at >= at) return false;
    this.requested.set(userId, at);
    if (this.requested.size > 10_000) this.requested.delete(this.requested.keys().next().value!);
    await this.jobs.enqueue(RECS_TRAIN_JOB, { userId }, { uniqueKey: `${RECS_TRAIN_JOB}:${userId}:${at}`, priority: 5, maxAttempts: 3 });
    return true;
  }

  // ---- training (the worker's job) --------------------------------------------------------------

  private async featuresOf(ids: number[], embedderId: string): Promise<Map<number, PaperFeatures>> {
    const { version, idf } = await this.currentIdf();
    const embedder = `${embedderId}|${version}`;
    const out = new Map<number, PaperFeatures>();
    const missing: number[] = [];
    for (const id of ids) {
      const f = this.features.get(id);
      if (f && f.embedder === embedder) out.set(id, f);
      else missing.push(id);
    }
    if (missing.length) {
      const texts = await this.store.texts(missing);
      const vecs = await this.store.vectors(missing, embedderId);
      let n = 0;
      for (const id of missing) {
        const t = texts.get(id);
        if (!t) continue;
        const f = { vec: vecs.get(id) ?? null, lex: applyIdf(hashedFeatures(paperText(t.title, t.abstract)), idf), embedder };
        this.remember(id, f);
        out.set(id, f);
        if (++n % CHUNK === 0) await yieldLoop();
      }
    }
    return out;
  }

  private remember(id: number, f: PaperFeatures & { embedder: string }): void {
    this.features.set(id, f);
    if (this.features.size > MAX_FEATURE_CACHE) this.features.delete(this.features.keys().next().value!);
  }

  /** The reader's positives, strongest first: upvotes, saved papers, seeds, followed authors' papers, chosen categories' papers. */
  private async positives(userId: number): Promise<{ sources: Source[]; weights: Map<number, number>; followed: string[]; categories: string[] }> {
    const sources: Source[] = [];
    const weights = new Map<number, number>();
    const add = (id: number, kind: SourceKind, w: number) => {
      if (weights.has(id)) return;
      weights.set(id, w);
      sources.push({ id, kind });
    };
    const ups = await this.store.upvotes(userId, 200); // newest first
    ups.forEach((u, k) => add(u.paper_id, 'upvote', recencyWeight(ups.length - 1 - k, ups.length, DEFAULT_PARAMS.recency)));
    for (const id of await this.store.saved(userId, 200)) add(id, 'saved', 1);
    const prof = await this.store.profile(userId);
    for (const id of prof.seeds) add(id, 'seed', 1);
    const followed = await this.store.followedAuthors(userId);
    for (const id of await this.store.papersByAuthors(followed, 40)) add(id, 'author', 0.5);
    if (sources.length < 10) for (const id of await this.store.papersInCategories(prof.categories, 20)) add(id, 'category', 0.3);
    return { sources, weights, followed, categories: prof.categories };
  }

  /** Retrains one reader's model from their signals now; returns what it learnt from. */
  async train(userId: number): Promise<{ positives: number; negatives: number; embedder: string; ms: number } | null> {
    const started = performance.now();
    const signalsAt = (await this.store.signalsAt(userId)) || this.now().toISOString();
    const { sources, weights } = await this.positives(userId);
    if (!sources.length) return null;
    if (!(await this.currentIdf()).idf) await this.fitIdf();
    const embedder = (await this.search.embedder().catch(() => null))?.id ?? '';
    const dims = (await this.search.embedder().catch(() => null))?.dims ?? 0;
    const dismissed = await this.store.dismissed(userId, 500);
    const exclude = new Set([...weights.keys(), ...dismissed]);
    const sampled = await this.store.randomPapers(DEFAULT_PARAMS.negatives, exclude, userId * 7919 + sources.length);
    const feats = await this.featuresOf([...weights.keys(), ...dismissed, ...sampled], embedder);
    const pos: Example[] = [];
    for (const [id, w] of weights) {
      const f = feats.get(id);
      if (f) pos.push({ f, weight: w });
    }
    const neg: Example[] = [];
    for (const id of dismissed) if (feats.get(id)) neg.push({ f: feats.get(id)!, weight: 3 });
    for (const id of sampled) if (feats.get(id)) neg.push({ f: feats.get(id)! });
    await yieldLoop();
    const model = trainReaderModel(pos, neg, embedder, dims);
    await this.store.saveModel({
      user_id: userId,
      model: encodeModel(model),
      embedder: model.embedder,
      positives: pos.length,
      negatives: neg.length,
      sources_json: JSON.stringify(sources.slice(0, 200).map((s) => [s.id, s.kind])),
      signals_at: signalsAt,
      trained_at: this.now().toISOString(),
    });
    this.models.delete(userId);
    return { positives: pos.length, negatives: neg.length, embedder: model.embedder, ms: Math.round(performance.now() - started) };
  }

  // ---- serving ---------------------------------------------------------------------------------

  private async range(window: RecWindow): Promise<{ from: string; to: string }> {
    const to = (await this.daily.latestDay()) ?? this.now().toISOString().slice(0, 10);
    return { from: addDays(to, 1 - WINDOW_DAYS[window]), to };
  }

  /** The window's candidates with their features, cached and rebuilt in the background when old. */
  private async pool(window: RecWindow): Promise<Pool> {
    const r = await this.range(window);
    const embedder = (await this.search.embedder().catch(() => null))?.id ?? '';
    const key = `${window}:${r.from}:${r.to}:${embedder}:${(await this.currentIdf()).version}`;
    const cur = this.pools.get(window);
    const build = async (): Promise<Pool> => {
      const rows = await this.store.listed(r.from, r.to, MAX_POOL);
      const feats = await this.featuresOf(
        rows.map((x) => x.id),
        embedder,
      );
      const kept = rows.filter((x) => feats.has(x.id));
      const pf = kept.map((x) => feats.get(x.id)!);
      return { key, builtAt: Date.now(), embedder, rows: kept, feats: pf, authorKeys: kept.map((x) => x.authors.map(authorKey)), postings: await invert(pf) };
    };
    if (cur && cur.key === key) {
      if (Date.now() - cur.builtAt > POOL_TTL_MS && !cur.building) {
        cur.building = build()
          .then((p) => {
            this.pools.set(window, p);
            return p;
          })
          .catch((err) => {
            this.log.warn({ err: (err as Error).message }, 'recs: pool rebuild failed');
            return cur;
          })
          .finally(() => (cur.building = undefined));
      }
      return cur;
    }
    const p = await build();
    this.pools.set(window, p);
    return p;
  }

  private async loaded(userId: number): Promise<LoadedModel | null> {
    const stamp = await this.store.modelStamp(userId);
    if (!stamp) return null;
    const hit = this.models.get(userId);
    if (hit && hit.trainedAt === stamp.trained_at) return hit;
    const row = await this.store.model(userId);
    if (!row) return null;
    const model: ReaderModel = decodeModel(row.model as Uint8Array);
    const sources = (JSON.parse(row.sources_json) as [number, SourceKind][]).map(([id, kind]) => ({ id, kind }));
    const explain = sources.filter((s) => s.kind !== 'author' && s.kind !== 'category').slice(0, 100);
    const vecs = await this.store.vectors(
      explain.map((s) => s.id),
      model.embedder,
    );
    const texts = await this.store.texts(explain.map((s) => s.id));
    const followed = await this.store.followedAuthors(userId);
    const prof = await this.store.profile(userId);
    const lm: LoadedModel = {
      trainedAt: row.trained_at,
      scorer: new Scorer(model),
      sources: explain,
      sourceVecs: vecs,
      sourceTitles: new Map([...texts.values()].map((t) => [t.id, t.title])),
      followed: new Set(followed.map(authorKey)),
      followedNames: new Map(followed.map((n) => [authorKey(n), n])),
      categories: new Set(prof.categories),
    };
    this.models.set(userId, lm);
    if (this.models.size > MAX_MODEL_CACHE) this.models.delete(this.models.keys().next().value!);
    return lm;
  }

  private reason(m: LoadedModel, row: CandidateRow, keys: string[], f: PaperFeatures): string {
    const k = keys.find((a) => m.followed.has(a));
    if (k) return `By an author you follow (${m.followedNames.get(k) ?? row.authors[keys.indexOf(k)]})`;
    let best: Source | undefined;
    let bestCos = -2;
    if (f.vec)
      for (const s of m.sources) {
        const v = m.sourceVecs.get(s.id);
        if (!v || v.length !== f.vec.length) continue;
        let c = 0;
        for (let i = 0; i < v.length; i++) c += v[i] * f.vec[i];
        if (c > bestCos) {
          bestCos = c;
          best = s;
        }
      }
    best ??= m.sources.find((s) => m.sourceTitles.has(s.id));
    if (best && m.sourceTitles.has(best.id)) {
      const t = clip(m.sourceTitles.get(best.id)!);
      const verb = best.kind === 'upvote' ? 'upvoted' : best.kind === 'saved' ? 'saved' : 'picked';
      return `Because you ${verb} “${t}”`;
    }
    const cat = row.categories.find((c) => m.categories.has(c));
    if (cat) return `In ${cat}, a category you chose`;
    return 'Close to what you read';
  }

  /** The reader's list: the window's papers best first, none upvoted or dismissed, each with a reason. */
  async recommend(userId: number, opts: { window?: RecWindow; limit?: number } = {}): Promise<RecList> {
    const window = opts.window ?? 'week';
    const limit = Math.max(1, Math.min(opts.limit ?? 20, 100));
    const signalsAt = await this.store.signalsAt(userId);
    const pending = signalsAt
      ? await this.requestTraining(userId, signalsAt).then(async () => ((await this.store.modelStamp(userId))?.signals_at ?? '') < signalsAt)
      : false;
    const [pool, m, excluded, range] = await Promise.all([this.pool(window), this.loaded(userId), this.store.excluded(userId), this.range(window)]);
    if (!m) {
      // No model yet: the window's most upvoted papers stand in (the page asks for first choices).
      const listed = await this.daily.list(range, { limit: limit + excluded.size, offset: 0, sort: 'upvotes' });
      const items = listed
        .filter((l) => !excluded.has(l.paper.id))
        .slice(0, limit)
        .map((l) => ({ paper: l.paper, upvotes: l.upvotes, score: 0, reason: 'Popular on this list' }));
      return { items, personal: false, pending, window, range };
    }
    // Every pool paper's score at once (the model's lexical columns walk the pool's postings), then
    // the top `limit` by a partial selection: the pool can be thousands of papers.
    const scores = m.scorer.scoreAll(pool.feats, pool.postings);
    const top: { i: number; s: number }[] = [];
    for (let i = 0; i < pool.rows.length; i++) {
      if (excluded.has(pool.rows[i].id)) continue;
      const s = scores[i];
      if (top.length < limit || s > top[top.length - 1].s) {
        let j = top.length < limit ? top.length : limit - 1;
        while (j > 0 && top[j - 1].s < s) {
          top[j] = top[j - 1];
          j--;
        }
        top[j] = { i, s };
      }
    }
    const byId = await this.papers.byIds(top.map((t) => pool.rows[t.i].id));
    const items: Recommendation[] = [];
    for (const t of top) {
      const row = pool.rows[t.i];
      const paper = byId.get(row.id);
      if (paper)
        items.push({
          paper,
          upvotes: paper.upvotes + row.sourceUpvotes,
          score: Math.round(t.s * 1e4) / 1e4,
          reason: this.reason(m, row, pool.authorKeys[t.i], pool.feats[t.i]),
        });
    }
    return { items, personal: true, pending, window, range };
  }

  /** The reader's model over given papers (the digest's "For you" section): [id, reason], best first; [] without a model. */
  async rankFor(userId: number, candidates: number[], limit: number): Promise<[number, string][]> {
    const m = await this.loaded(userId);
    if (!m || !candidates.length) return [];
    const excluded = await this.store.excluded(userId);
    const ids = candidates.filter((id) => !excluded.has(id)).slice(0, MAX_POOL);
    const embedder = (await this.search.embedder().catch(() => null))?.id ?? '';
    const feats = await this.featuresOf(ids, embedder);
    const top = ids
      .filter((id) => feats.has(id))
      .map((id) => ({ id, s: m.scorer.score(feats.get(id)!) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, limit);
    const rows = await this.store.texts(top.map((t) => t.id));
    return top.flatMap((t) => {
      const row = rows.get(t.id);
      return row ? [[t.id, this.reason(m, row, row.authors.map(authorKey), feats.get(t.id)!)] as [number, string]] : [];
    });
  }

  /**
   * More like this: a model with this one paper as its only positive (arxiv-sanity-lite's way),
   * ranking the paper's nearest neighbours by vector plus this month's list.
   */
  async moreLikeThis(paperId: number, limit = 10): Promise<Recommendation[]> {
    const e = await this.search.embedder().catch(() => null);
    const embedder = e?.id ?? '';
    const base = (await this.featuresOf([paperId], embedder)).get(paperId);
    if (!base) throw errors.notFound('No such paper.');
    const negIds = await this.negativeSample();
    const negF = await this.featuresOf(negIds, embedder);
    const model = trainReaderModel(
      [{ f: base }],
      negIds.filter((id) => id !== paperId && negF.has(id)).map((id) => ({ f: negF.get(id)! })),
      embedder,
      e?.dims ?? 0,
    );
    const scorer = new Scorer(model);
    // This month's list through its inverted index, plus the paper's nearest neighbours by vector.
    const scoredById = new Map<number, number>();
    const month = await this.pool('month');
    const all = scorer.scoreAll(month.feats, month.postings);
    month.rows.forEach((r, i) => scoredById.set(r.id, all[i]));
    const extra = base.vec ? (await this.search.neighbours(base.vec, 200).catch(() => [])).map((h) => h.id).filter((id) => !scoredById.has(id)) : [];
    for (const [id, f] of await this.featuresOf(extra, embedder)) scoredById.set(id, scorer.score(f));
    scoredById.delete(paperId);
    const scored = [...scoredById.entries()]
      .map(([id, sc]) => ({ id, s: sc }))
      .sort((a, b) => b.s - a.s)
      .slice(0, limit);
    const byId = await this.papers.byIds(scored.map((x) => x.id));
    const title = (await this.store.texts([paperId])).get(paperId)?.title ?? '';
    return scored
      .map((x) => ({ paper: byId.get(x.id)!, upvotes: byId.get(x.id)?.upvotes ?? 0, score: Math.round(x.s * 1e4) / 1e4, reason: `Like “${clip(title)}”` }))
      .filter((r) => r.paper);
  }

  private negatives?: { at: number; ids: number[] };
  /** One shared sample of random papers as the negatives of one-positive models (refreshed hourly). */
  private async negativeSample(): Promise<number[]> {
    if (!this.negatives || Date.now() - this.negatives.at > 3_600_000)
      this.negatives = { at: Date.now(), ids: await this.store.randomPapers(200, new Set(), Date.now()) };
    return this.negatives.ids;
  }

  // ---- feed tokens -----------------------------------------------------------------------------

  /** A new private feed token (shown once); earlier ones stop working. */
  async newFeedToken(userId: number): Promise<string> {
    const at = this.now().toISOString();
    await this.store.revokeFeedTokens(userId, at);
    const token = `pbf_${randomBytes(24).toString('base64url')}`;
    await this.store.createFeedToken(userId, sha256(token), at);
    return token;
  }

  async revokeFeedTokens(userId: number): Promise<number> {
    return this.store.revokeFeedTokens(userId, this.now().toISOString());
  }

  hasFeedToken(userId: number): Promise<boolean> {
    return this.store.hasFeedToken(userId);
  }

  async userByFeedToken(token: string): Promise<number | undefined> {
    if (!/^pbf_[\w-]{20,60}$/.test(token)) return undefined;
    return this.store.userByFeedToken(sha256(token));
  }
}
