// "For you": the use cases of the recommender. Training runs in the worker (src/services/recs-train.ts),
// which also precomputes each window's candidate pool (src/services/recs-pool.ts); serving scores
// the window's pool against the reader's stored model (the postings of the model's own columns),
// leaves out what the reader upvoted or dismissed, and says in one line why each paper is there.
//
// Freshness: each request compares the reader's newest signal with the one the model was trained
// through and, when newer, enqueues a retraining job (one per signal state, by its unique key, in
// the quick lane), so any signal — a vote from the API, a page, a saved paper — reaches the list
// within one worker poll and a training (a few hundred ms). Upvoted and dismissed papers leave the
// list at once, before any retraining.
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.ts';
import type { Paper } from '../domain/paper.ts';
import { authorKey } from '../domain/paper.ts';
import { errors } from '../domain/errors.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { RecStore } from '../storage/recs.ts';
import type { RecPaperStore } from '../storage/recs-papers.ts';
import type { KvStore } from '../storage/kv.ts';
import type { Embedder } from '../search/embedders/types.ts';
import type { Hit } from '../search/lexical.ts';
import { Scorer, decodeModel, trainReaderModel } from '../recs/model.ts';
import { scorePool, topPositions } from '../recs/pool.ts';
import { sha256 } from './accounts.ts';
import { ReaderTrainer, type Source, type SourceKind, type UpvoteSource } from './recs-train.ts';
import { PoolBuilder, PoolCache, windowRange, type RecWindow } from './recs-pool.ts';

export const RECS_TRAIN_JOB = 'recs.train';
export const RECS_IDF_JOB = 'recs.idf';
export { RECS_POOL_JOB, WINDOW_DAYS, type RecWindow } from './recs-pool.ts';
export type { SourceKind } from './recs-train.ts';

export interface Recommendation {
  paper: Paper;
  /** Upvotes shown (the displayed count: local votes plus the source's). */
  upvotes: number;
  score: number;
  /** One line saying why, e.g. "Because you upvoted “Denoising Diffusion…”". */
  reason: string;
}

export interface RecList {
  items: Recommendation[];
  /** Whether the list comes from the reader's model (false: no signals yet, the window's most upvoted). */
  personal: boolean;
  /** Whether a newer signal (or the window's candidates) is waiting for the worker. */
  pending: boolean;
  window: RecWindow;
  range: { from: string; to: string };
}

/** What the recommender needs from search: the embedder in use, and nearest neighbours by vector. */
export interface RecSearch {
  embedder(): Promise<Embedder | null>;
  neighbours(vec: Float32Array, k: number): Promise<Hit[]>;
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

const MAX_MODEL_CACHE = 2_000;
const clip = (s: string, n = 70) => (s.length > n ? `${s.slice(0, n - 1).trimEnd()}…` : s);

export class Recommender {
  private readonly models = new Map<number, LoadedModel>();
  /** Signal states already enqueued by this process (saves an insert per request). */
  private readonly requested = new Map<number, string>();
  private readonly trainer: ReaderTrainer;
  private readonly builder: PoolBuilder;
  private readonly pools: PoolCache;

  constructor(
    private readonly store: RecStore,
    private readonly recPapers: RecPaperStore,
    private readonly papers: PaperStore,
    private readonly daily: DailyStore,
    votes: UpvoteSource,
    private readonly search: RecSearch,
    private readonly jobs: JobQueue,
    kv: KvStore,
    private readonly now: () => Date,
    log: Logger,
  ) {
    this.trainer = new ReaderTrainer(store, recPapers, votes, () => search.embedder(), kv, now, log);
    this.builder = new PoolBuilder(recPapers, daily, kv, this.trainer, now);
    this.pools = new PoolCache(recPapers, daily, kv, jobs, log);
  }

  // ---- the worker's jobs -------------------------------------------------------------------------

  fitIdf() {
    return this.trainer.fitIdf();
  }

  /** Rebuilds the candidate pools whose window changed (recs.pool). */
  buildPools(opts: { force?: boolean } = {}) {
    return this.builder.build(opts);
  }

  async train(userId: number) {
    const r = await this.trainer.train(userId);
    this.models.delete(userId);
    return r;
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

  /**
   * After a vote: a reader who already has a model is retrained now (quick lane), so the list they
   * see next has changed without waiting for a request to notice. Readers without one are trained on
   * their first "For you" request, so votes of readers who never open it cost nothing.
   */
  async afterSignal(userId: number): Promise<void> {
    const stamp = await this.store.modelStamp(userId);
    if (stamp) await this.requestTraining(userId, undefined, stamp);
  }

  /**
   * Enqueues a retraining when the reader has a signal newer than their model; returns whether the
   * model is behind (a training is waiting).
   */
  async requestTraining(userId: number, signalsAt?: string, stamp?: { signals_at: string } | null): Promise<boolean> {
    const at = signalsAt ?? (await this.store.signalsAt(userId));
    if (!at) return false;
    const trainedThrough = (stamp === undefined ? await this.store.modelStamp(userId) : stamp)?.signals_at ?? '';
    if (trainedThrough >= at) return false;
    if (this.requested.get(userId) !== at) {
      this.requested.set(userId, at);
      if (this.requested.size > 10_000) this.requested.delete(this.requested.keys().next().value!);
      await this.jobs.enqueue(RECS_TRAIN_JOB, { userId }, { uniqueKey: `${RECS_TRAIN_JOB}:${userId}:${at}`, priority: 5, maxAttempts: 3 });
    }
    return true;
  }

  // ---- serving ---------------------------------------------------------------------------------

  private async loaded(userId: number, stamp: { trained_at: string } | undefined): Promise<LoadedModel | null> {
    if (!stamp) return null;
    const hit = this.models.get(userId);
    if (hit && hit.trainedAt === stamp.trained_at) return hit;
    const row = await this.store.model(userId);
    if (!row) return null;
    const model = decodeModel(row.model as Uint8Array);
    const sources = (JSON.parse(row.sources_json) as [number, SourceKind][]).map(([id, kind]) => ({ id, kind }));
    const explain = sources.filter((s) => s.kind !== 'author' && s.kind !== 'category').slice(0, 100);
    const ids = explain.map((s) => s.id);
    const [vecs, titles, followed, prof] = await Promise.all([
      this.recPapers.vectors(ids, model.embedder),
      this.recPapers.titles(ids),
      this.store.followedAuthors(userId),
      this.store.profile(userId),
    ]);
    const lm: LoadedModel = {
      trainedAt: row.trained_at,
      scorer: new Scorer(model),
      sources: explain,
      sourceVecs: vecs,
      sourceTitles: titles,
      followed: new Set(followed.map(authorKey)),
      followedNames: new Map(followed.map((n) => [authorKey(n), n])),
      categories: new Set(prof.categories),
    };
    this.models.set(userId, lm);
    if (this.models.size > MAX_MODEL_CACHE) this.models.delete(this.models.keys().next().value!);
    return lm;
  }

  /** "By an author you follow", else the reader's positive nearest to the paper by embedding. */
  private reason(m: LoadedModel, p: Pick<Paper, 'authors' | 'categories'>, vec: Float32Array | undefined): string {
    const followed = p.authors.find((a) => m.followed.has(authorKey(a)));
    if (followed) return `By an author you follow (${m.followedNames.get(authorKey(followed)) ?? followed})`;
    let best: Source | undefined;
    let bestCos = -2;
    if (vec)
      for (const s of m.sources) {
        const v = m.sourceVecs.get(s.id);
        if (!v || v.length !== vec.length) continue;
        let c = 0;
        for (let i = 0; i < v.length; i++) c += v[i] * vec[i];
        if (c > bestCos) {
          bestCos = c;
          best = s;
        }
      }
    best ??= m.sources.find((s) => m.sourceTitles.has(s.id));
    if (best && m.sourceTitles.has(best.id)) {
      const verb = best.kind === 'upvote' ? 'upvoted' : best.kind === 'saved' ? 'saved' : 'picked';
      return `Because you ${verb} “${clip(m.sourceTitles.get(best.id)!)}”`;
    }
    const cat = p.categories.find((c) => m.categories.has(c));
    return cat ? `In ${cat}, a category you chose` : 'Close to what you read';
  }

  /** The papers with reasons, in the order given. */
  private async present(m: LoadedModel, scored: { id: number; s: number }[]): Promise<Recommendation[]> {
    const ids = scored.map((x) => x.id);
    const [byId, vecs] = await Promise.all([this.papers.byIds(ids), this.recPapers.vectors(ids, m.scorer.model.embedder)]);
    return scored.flatMap(({ id, s }) => {
      const paper = byId.get(id);
      return paper ? [{ paper, upvotes: paper.upvotes, score: Math.round(s * 1e4) / 1e4, reason: this.reason(m, paper, vecs.get(id)) }] : [];
    });
  }

  /** The reader's list: the window's papers best first, none upvoted or dismissed, each with a reason. */
  async recommend(userId: number, opts: { window?: RecWindow; limit?: number } = {}): Promise<RecList> {
    const window = opts.window ?? 'week';
    const limit = Math.max(1, Math.min(opts.limit ?? 20, 100));
    const [signalsAt, stamp, pool, excluded] = await Promise.all([
      this.store.signalsAt(userId),
      this.store.modelStamp(userId),
      this.pools.get(window),
      this.store.excluded(userId),
    ]);
    const behind = signalsAt ? await this.requestTraining(userId, signalsAt, stamp ?? null) : false;
    const m = await this.loaded(userId, stamp);
    if (!m || !pool) {
      // No model yet (or no pool yet): the window's most upvoted papers stand in.
      const range = pool?.range ?? (await windowRange(this.daily, window, this.now));
      const listed = await this.daily.list(range, { limit: limit + excluded.size, offset: 0, sort: 'upvotes' });
      const items = listed
        .filter((l) => !excluded.has(l.paper.id))
        .slice(0, limit)
        .map((l) => ({ paper: l.paper, upvotes: l.upvotes, score: 0, reason: 'Popular on this list' }));
      return { items, personal: false, pending: behind || (!!m && !pool), window, range };
    }
    // Every pool paper's score at once through its inverted index, then the best `limit`.
    const ids = pool.pool.ids;
    const top = topPositions(scorePool(m.scorer.model, pool.pool), limit, (i) => excluded.has(ids[i]));
    const items = await this.present(
      m,
      top.map((t) => ({ id: ids[t.i], s: t.s })),
    );
    return { items, personal: true, pending: behind, window, range: pool.range };
  }

  /** The reader's model over given papers (the digest's "For you" section, in the worker): [id, reason], best first. */
  async rankFor(userId: number, candidates: number[], limit: number): Promise<[number, string][]> {
    const m = await this.loaded(userId, await this.store.modelStamp(userId));
    if (!m || !candidates.length) return [];
    const excluded = await this.store.excluded(userId);
    const ids = candidates.filter((id) => !excluded.has(id)).slice(0, 20_000);
    const feats = await this.trainer.featuresOf(ids, (await this.trainer.embedderInfo()).id);
    const top = ids
      .filter((id) => feats.has(id))
      .map((id) => ({ id, s: m.scorer.score(feats.get(id)!) }))
      .sort((a, b) => b.s - a.s)
      .slice(0, limit);
    const rows = await this.recPapers.texts(top.map((t) => t.id));
    return top.flatMap((t) => {
      const row = rows.get(t.id);
      return row ? [[t.id, this.reason(m, row, feats.get(t.id)!.vec ?? undefined)] as [number, string]] : [];
    });
  }

  /**
   * More like this: a model with this one paper as its only positive (arxiv-sanity-lite's way)
   * against 200 of the shared random papers, ranking this month's pool plus the paper's 200 nearest neighbours by vector.
   */
  async moreLikeThis(paperId: number, limit = 10): Promise<Recommendation[]> {
    const { id: embedder, dims } = await this.trainer.embedderInfo();
    const base = (await this.trainer.featuresOf([paperId], embedder)).get(paperId);
    if (!base) throw errors.notFound('No such paper.');
    const negIds = await this.trainer.negatives(200, new Set([paperId]), paperId);
    const negF = await this.trainer.featuresOf(negIds, embedder);
    const model = trainReaderModel(
      [{ f: base }],
      negIds.filter((id) => negF.has(id)).map((id) => ({ f: negF.get(id)! })),
      embedder,
      dims,
    );
    const scorer = new Scorer(model);
    const scoredById = new Map<number, number>();
    const month = await this.pools.get('month');
    if (month) {
      const all = scorePool(model, month.pool);
      for (const t of topPositions(all, limit + 1, () => false)) scoredById.set(month.pool.ids[t.i], t.s);
    }
    const extra = base.vec ? (await this.search.neighbours(base.vec, 200).catch(() => [])).map((h) => h.id).filter((id) => !scoredById.has(id)) : [];
    for (const [id, f] of await this.trainer.featuresOf(extra, embedder)) scoredById.set(id, scorer.score(f));
    scoredById.delete(paperId);
    const scored = [...scoredById.entries()]
      .map(([id, s]) => ({ id, s }))
      .sort((a, b) => b.s - a.s)
      .slice(0, limit);
    const byId = await this.papers.byIds(scored.map((x) => x.id));
    const title = byId.size ? ((await this.recPapers.texts([paperId])).get(paperId)?.title ?? '') : '';
    return scored.flatMap((x) => {
      const paper = byId.get(x.id);
      return paper ? [{ paper, upvotes: paper.upvotes, score: Math.round(x.s * 1e4) / 1e4, reason: `Like “${clip(title)}”` }] : [];
    });
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
