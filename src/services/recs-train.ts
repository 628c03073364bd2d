// "For you", the worker's side: the shared idf of the lexical features, papers' features (cached),
// a reader's positives gathered from their signals, and training their model (src/recs/model.ts).
// Runs in the worker's jobs (recs.train, recs.idf); "more like this" uses the features and the
// one-positive model on the web, over a bounded set of papers.
import type { Logger } from '../logger.ts';
import { applyIdf, decodeIdf, encodeIdf, fitIdf, hashedFeatures, paperText, type Idf } from '../recs/features.ts';
import { DEFAULT_PARAMS, encodeModel, recencyWeight, trainReaderModel, type Example, type PaperFeatures } from '../recs/model.ts';
import type { KvStore } from '../storage/kv.ts';
import type { RecStore } from '../storage/recs.ts';
import type { RecPaperStore } from '../storage/recs-papers.ts';
import type { Embedder } from '../search/embedders/types.ts';

const IDF_KEY = 'recs.idf';
/** Papers sampled to fit the idf (3,000: a second of CPU in the worker). */
const IDF_SAMPLE = 3000;
const IDF_RELOAD_MS = 10 * 60_000;
/** Papers per chunk when computing features, between yields to the event loop. */
export const CHUNK = 100;
const MAX_FEATURE_CACHE = 60_000;
/**
 * Random papers shared by every training in a process for an hour; each reader's negatives are a
 * seeded draw from them, so their features are computed once an hour rather than for each training
 * (at 100k papers that was most of a retraining's time).
 */
const NEGATIVE_POOL = 2000;

export type SourceKind = 'upvote' | 'saved' | 'author' | 'seed' | 'category';
export interface Source {
  id: number;
  kind: SourceKind;
}

/** The reader's upvotes, newest first: the votes' own query (src/services/votes.ts). */
export interface UpvoteSource {
  recentIds(userId: number, limit: number): Promise<Iterable<number>>;
}

export const yieldLoop = () => new Promise<void>((r) => setImmediate(r));

export class ReaderTrainer {
  private readonly features = new Map<number, PaperFeatures & { key: string }>();
  private idf: { version: string; idf: Idf | null; at: number; loading?: Promise<void> } = { version: '', idf: null, at: 0 };

  constructor(
    private readonly store: RecStore,
    private readonly papers: RecPaperStore,
    private readonly votes: UpvoteSource,
    private readonly embedder: () => Promise<Embedder | null>,
    private readonly kv: KvStore,
    private readonly now: () => Date,
    private readonly log: Logger,
  ) {}

  /** The current idf, reloaded from the database every few minutes (in the background once loaded). */
  async currentIdf(): Promise<{ version: string; idf: Idf | null }> {
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
    const ids = await this.papers.randomPapers(IDF_SAMPLE, new Set(), Date.now());
    const texts = await this.papers.texts(ids);
    const rows = [];
    for (const t of texts.values()) {
      rows.push(hashedFeatures(paperText(t.title, t.abstract)));
      if (rows.length % CHUNK === 0) await yieldLoop();
    }
    const idf = fitIdf(rows);
    const version = this.now().toISOString();
    await this.kv.set(IDF_KEY, `${version}:${encodeIdf(idf)}`);
    this.idf = { version, idf, at: Date.now() };
    return { docs: rows.length, terms: idf.weights.size };
  }

  async embedderInfo(): Promise<{ id: string; dims: number }> {
    const e = await this.embedder().catch(() => null);
    return { id: e?.id ?? '', dims: e?.dims ?? 0 };
  }

  /** Papers' features under the current idf and embedder, computed in chunks between yields and cached. */
  async featuresOf(ids: number[], embedderId: string): Promise<Map<number, PaperFeatures>> {
    const { version, idf } = await this.currentIdf();
    const key = `${embedderId}|${version}`;
    const out = new Map<number, PaperFeatures>();
    const missing: number[] = [];
    for (const id of ids) {
      const f = this.features.get(id);
      if (f && f.key === key) out.set(id, f);
      else missing.push(id);
    }
    for (let i = 0; i < missing.length; i += 500) {
      const part = missing.slice(i, i + 500);
      const texts = await this.papers.texts(part);
      const vecs = await this.papers.vectors(part, embedderId);
      let n = 0;
      for (const id of part) {
        const t = texts.get(id);
        if (!t) continue;
        const f = { vec: vecs.get(id) ?? null, lex: applyIdf(hashedFeatures(paperText(t.title, t.abstract)), idf), key };
        this.features.set(id, f);
        if (this.features.size > MAX_FEATURE_CACHE) this.features.delete(this.features.keys().next().value!);
        out.set(id, f);
        if (++n % CHUNK === 0) await yieldLoop();
      }
    }
    return out;
  }

  /** The reader's positives, strongest first: upvotes, saved papers, seeds, followed authors' papers, chosen categories' papers. */
  async positives(userId: number): Promise<{ sources: Source[]; weights: Map<number, number> }> {
    const sources: Source[] = [];
    const weights = new Map<number, number>();
    const add = (id: number, kind: SourceKind, w: number) => {
      if (weights.has(id)) return;
      weights.set(id, w);
      sources.push({ id, kind });
    };
    const ups = [...(await this.votes.recentIds(userId, 200))]; // newest first
    ups.forEach((id, k) => add(id, 'upvote', recencyWeight(ups.length - 1 - k, ups.length, DEFAULT_PARAMS.recency)));
    for (const id of await this.store.saved(userId, 200)) add(id, 'saved', 1);
    const prof = await this.store.profile(userId);
    for (const id of prof.seeds) add(id, 'seed', 1);
    const followed = await this.store.followedAuthors(userId);
    for (const id of await this.papers.papersByAuthors(followed, 40)) add(id, 'author', 0.5);
    if (sources.length < 10) for (const id of await this.papers.papersInCategories(prof.categories, 20)) add(id, 'category', 0.3);
    return { sources, weights };
  }

  private negativePool?: { at: number; ids: number[] };
  /** `n` papers drawn (by `seed`) from the process's shared random papers, none of `exclude`. */
  async negatives(n: number, exclude: Set<number>, seed: number): Promise<number[]> {
    if (!this.negativePool || Date.now() - this.negativePool.at > 3_600_000) {
      const ids = await this.papers.randomPapers(NEGATIVE_POOL, new Set(), Date.now());
      await this.featuresOf(ids, (await this.embedderInfo()).id); // computed once, in chunks
      this.negativePool = { at: Date.now(), ids };
    }
    const ids = this.negativePool.ids.filter((id) => !exclude.has(id));
    let s = seed >>> 0 || 1;
    for (let i = ids.length - 1; i > 0 && i >= ids.length - n; i--) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const j = (s >>> 0) % (i + 1);
      [ids[i], ids[j]] = [ids[j], ids[i]];
    }
    return ids.slice(Math.max(0, ids.length - n));
  }

  /** Retrains one reader's model from their signals now; returns what it learnt from. */
  async train(userId: number): Promise<{ positives: number; negatives: number; embedder: string; ms: number } | null> {
    const started = performance.now();
    const signalsAt = (await this.store.signalsAt(userId)) || this.now().toISOString();
    const { sources, weights } = await this.positives(userId);
    if (!sources.length) return null;
    if (!(await this.currentIdf()).idf) await this.fitIdf();
    const { id: embedder, dims } = await this.embedderInfo();
    const dismissed = await this.store.dismissed(userId, 500);
    const exclude = new Set([...weights.keys(), ...dismissed]);
    const sampled = await this.negatives(DEFAULT_PARAMS.negatives, exclude, userId * 7919 + sources.length);
    const feats = await this.featuresOf([...weights.keys(), ...dismissed, ...sampled], embedder);
    const pos: Example[] = [];
    for (const [id, w] of weights) if (feats.has(id)) pos.push({ f: feats.get(id)!, weight: w });
    const neg: Example[] = [];
    for (const id of dismissed) if (feats.has(id)) neg.push({ f: feats.get(id)!, weight: 3 });
    for (const id of sampled) if (feats.has(id)) neg.push({ f: feats.get(id)! });
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
    return { positives: pos.length, negatives: neg.length, embedder: model.embedder, ms: Math.round(performance.now() - started) };
  }
}
