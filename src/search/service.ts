// Search as a use case: lexical and vector candidates fused by interpolation (max-normalised
// lexical score + w × cosine), exact arXiv id / title / near-title jumps first, filters, sorts,
// pagination, snippets; similar papers. The parts live beside it: query.ts (parsing), fusion.ts
// (pure fusion rules), jumps.ts (exact and typo-tolerant title jumps), models.ts (which embedder),
// indexer.ts (embedding the corpus), training.ts (training the default embedder).
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/db.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { Paper } from '../domain/paper.ts';
import { hasFilters, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { openLexical } from './lexical-open.ts';
import { VectorIndex } from './vectors.ts';
import type { Embedder } from './embedders/types.ts';
import type { EmbedderModelStore } from '../storage/search-models.ts';
import type { VectorStore } from '../storage/vectors.ts';
import type { SearchCorpusStore } from '../storage/search-corpus.ts';
import { createSearchStores } from '../storage/search-stores.ts';
import type { TrainOptions, TrainStats } from './embedders/train.ts';
import { snippetHtml } from './text.ts';
import { termShare } from './term-share.ts';
import { parseQuery } from './query.ts';
import { interpolate } from './fusion.ts';
import { findJumps } from './jumps.ts';
import { similarPapers } from './similar.ts';
import { EmbedderModels } from './models.ts';
import { Indexer } from './indexer.ts';
import { needsTraining, trainDefaultModel } from './training.ts';
import { LocalReplica, type VectorReplica } from './replica.ts';
import { stopwatch, type Timings } from './stopwatch.ts';
export type { Timings } from './stopwatch.ts';
import { matchesFilters } from './filters.ts';
import { startVectorThread, type VectorThread } from './vector-thread.ts';
import { deadline } from './deadline.ts';
import { storedCosines } from './cosines.ts';

/** How long a search (or similar papers) waits for a web process's first vector index before doing without. */
const FIRST_INDEX_WAIT_MS = 2000;
export type Mode = 'hybrid' | 'lexical' | 'vector';
export type Sort = 'relevance' | 'newest' | 'upvotes';

export interface SearchParams {
  q: string;
  limit?: number;
  offset?: number;
  sort?: Sort;
  filters?: Filters;
  mode?: Mode;
  /** Highlighted abstract snippets (default true); the JSON API shows none, and they cost 3.7 ms of CPU per 50 hits. */
  snippets?: boolean;
}

export interface RankedHit extends Hit {
  /** Why it is here: an exact id/title jump, or its lexical and vector scores. */
  match: 'id' | 'title' | 'near-title' | 'ranked';
  lexical?: number;
  cosine?: number;
}

export interface SearchResult {
  query: string;
  /** What actually ran: hybrid, or lexical when no embedder is ready or it failed. */
  mode: Mode;
  /** Set when semantic search was wanted but unavailable, saying why. */
  fallback?: string;
  /** The paper an exact arXiv id or URL named. */
  exact?: Paper;
  /** "Did you mean …": a spelling the index knows, when words of the query are unknown to it. */
  suggestion?: string;
  total: number;
  hits: { paper: Paper; score: number; match: RankedHit['match']; snippet: string }[];
}

export class SearchService {
  readonly lexical: LexicalIndex;
  private vectors?: VectorIndex;
  private vectorsReady?: Promise<VectorIndex | null>;
  /** Weight of the cosine in the fused score. */
  vectorWeight: number;
  /** Which embedder, and the trained default models shared by every process through the database. */
  private readonly selector: EmbedderModels;
  private readonly indexer: Indexer;
  /** The stored vectors and the papers' text, as search reads them (src/storage). */
  private readonly vectorStore: VectorStore;
  private readonly corpus: SearchCorpusStore;
  /** Web processes: the model and the vector index live in a thread of their own (vector-thread.ts). */
  private thread?: VectorThread;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly papers: PaperStore,
    private readonly log: Logger,
  ) {
    this.lexical = openLexical(db);
    const stores = createSearchStores(db);
    this.vectorWeight = config.searchVectorWeight;
    this.selector = new EmbedderModels(config, stores.models, log, async () => {
      const searching = !!this.vectorsReady;
      await this.reload();
      // A process that serves searches loads the new model and index now, not in a request.
      if (searching) await this.vectorIndex().catch(() => null);
    });
    this.vectorStore = stores.vectors;
    this.corpus = stores.corpus;
    this.indexer = new Indexer(this.vectorStore, () => this.embedder());
  }

  /** The trained default models, shared by every process through the database. */
  get models(): EmbedderModelStore {
    return this.selector.store;
  }

  /** Folder of the configured static model, or the local copy of the shared (trained) one. */
  get staticModelDir(): string {
    return this.selector.staticModelDir;
  }

  /** The configured embedder, or null when there is none (yet). In a web process, the vector thread's. */
  embedder(): Promise<Embedder | null> {
    return this.thread ? this.thread.embedder() : this.selector.embedder();
  }

  /**
   * For web processes: from now on the embedding model and the vector index are loaded, built and
   * searched in a thread (vector-thread.ts), never on this thread's event loop.
   */
  serveVectorsFromThread(): void {
    if (this.thread) return;
    const c = this.config;
    const schema = this.db.schema ?? c.databaseSchema;
    const db = { url: c.databaseUrl, dataDir: c.dataDir, schema, poolSize: 2, statementTimeoutMs: c.databaseStatementTimeoutMs };
    this.thread = startVectorThread(c, db, this.log);
  }

  /** What search and similar papers ask: the vector thread's replica (its first index awaited ≤ waitMs), or the local index. */
  async replica(waitMs = FIRST_INDEX_WAIT_MS): Promise<VectorReplica | null> {
    if (this.thread) return this.thread.replica(waitMs);
    const vi = await this.vectorIndex();
    return vi && new LocalReplica(vi, () => this.embedder());
  }

  /** Forgets the loaded embedder and index (after training a new model, or when another process did). */
  async reload(): Promise<void> {
    this.thread?.reload();
    const oldEmbedder = this.selector.loaded();
    this.selector.reset();
    const old = this.vectors;
    this.vectors = undefined;
    this.vectorsReady = undefined;
    await old?.close();
    // Its embedding threads, if it started any, stop once their current batch is done.
    await (await oldEmbedder?.catch(() => null))?.close?.();
  }

  /** The vector index of the current embedder, caught up and syncing; null without an embedder. */
  vectorIndex(): Promise<VectorIndex | null> {
    this.vectorsReady ??= (async () => {
      const e = await this.embedder();
      if (!e) {
        this.vectorsReady = undefined;
        return null;
      }
      const gen = this.selector.generation;
      const vi = new VectorIndex(this.vectorStore, join(this.config.dataDir, 'vectors'), e.id, e.dims, this.log);
      await vi.catchUp();
      // The embedder changed meanwhile: this index serves the callers that asked for it, and no one after.
      if (gen !== this.selector.generation) {
        await vi.close();
        return vi;
      }
      vi.startSync(this.config.searchSyncMs);
      this.vectors = vi;
      return vi;
    })().catch((err) => {
      this.vectorsReady = undefined;
      throw err;
    });
    return this.vectorsReady;
  }

  /**
   * For /readyz: resolves with a detail once this process can search by meaning (its vector index
   * replica caught up) or when there is no embedding model (lexical search); starts the catch-up and
   * throws while it runs, waiting at most `waitMs` for it.
   */
  async indexReadiness(waitMs = 1000): Promise<string> {
    if (this.thread) {
      if (!(await this.thread.started(waitMs))) throw new Error('the vector index is catching up with the database');
      const r = await this.thread.replica();
      return r ? `${r.size} vectors` : 'no embedding model yet: lexical search';
    }
    if (!this.vectors) {
      const vi = await deadline(this.vectorIndex(), waitMs);
      if (vi === undefined) throw new Error('the vector index is catching up with the database');
      if (!vi) return 'no embedding model yet: lexical search';
    }
    return `${this.vectors?.size ?? 0} vectors`;
  }

  async close(): Promise<void> {
    await this.thread?.close();
    await this.vectors?.close();
    const e = await this.selector.loaded()?.catch(() => null);
    await e?.close?.();
  }

  /** Ranked paper ids for a query (the core used by search, eval and the benchmark). */
  async rank(
    query: string,
    opts: { limit: number; mode?: Mode; filters?: Filters; depth?: number; timings?: Timings } = { limit: 10 },
  ): Promise<{ hits: RankedHit[]; mode: Mode; fallback?: string; suggestion?: string }> {
    const lap = stopwatch(opts.timings);
    const pq = parseQuery(query);
    const q = pq.text;
    const want = opts.mode ?? 'hybrid';
    const depth = Math.max(opts.depth ?? 100, opts.limit);
    let mode: Mode = want;
    let fallback: string | undefined;
    let qvec: Float32Array | undefined;
    let vec: Hit[] = [];
    let embedderId = '';
    // The lexical list is asked for first: the database ranks while this process embeds the query
    // and searches the vector index. (On SQLite the statement runs here, synchronously.)
    const lexical = want === 'vector' ? undefined : this.lexical.rank(q, depth, opts.filters);
    lexical?.catch(() => {}); // awaited below; an early throw must not leave it unhandled
    lap('lexical');
    if (want !== 'lexical') {
      try {
        const r = await this.replica();
        if (!r) fallback = 'search by meaning is not ready yet (a new site learns from its papers first, a few minutes); it switches on by itself';
        else {
          const answer = await deadline(r.query(q, hasFilters(opts.filters) ? depth * 4 : depth), this.config.searchVectorWaitMs);
          if (answer) ({ qvec, hits: vec, embedder: embedderId } = answer);
          else fallback = 'search by meaning is busy (the index is being updated); this answer is by words alone';
        }
      } catch (err) {
        fallback = `the embedding model failed (${(err as Error).message})`;
      }
      if (!qvec) {
        mode = 'lexical';
        this.log.debug({ fallback }, 'search falls back to lexical');
      }
    }
    lap('embed');
    if (vec.length && hasFilters(opts.filters)) vec = await this.keepMatching(vec, opts.filters!);
    lap('vector');
    const lexList = mode === 'vector' ? { hits: [], floor: 0 } : await (lexical ?? this.lexical.rank(q, depth, opts.filters));
    const lex = lexList.hits;
    lap('lexical_wait');

    // The jumps (title lookups) and the fusion (scores and cosines of single papers) ask the
    // database independently: at once, so that a search waits for fewer round trips in a row.
    const [{ jumps, suggestion }, ranked] = await Promise.all([
      findJumps({ papers: this.papers, lexical: this.lexical }, pq, lex, !!lexList.allWords),
      mode === 'lexical'
        ? lex.map((h): RankedHit => ({ ...h, match: 'ranked', lexical: h.score }))
        : mode === 'vector'
          ? vec.map((h): RankedHit => ({ ...h, match: 'ranked', cosine: h.score }))
          : this.fuse(q, lexList, vec, qvec!, embedderId),
    ]);
    lap('titles_and_fusion');

    // Exact id, exact title and near-title jumps go first, in that order.
    const jumpIds = new Set(jumps.map((j) => j.id));
    const allowed = jumps.length && hasFilters(opts.filters) ? new Set((await this.keepMatching(jumps, opts.filters!)).map((h) => h.id)) : undefined;
    const top = jumps.filter((j) => !allowed || allowed.has(j.id)).map((j): RankedHit => ({ id: j.id, score: Infinity, match: j.match }));
    const hits = [...top, ...ranked.filter((h) => !jumpIds.has(h.id))];
    lap('rest');
    return { hits, mode, fallback, suggestion };
  }

  /**
   * Interpolation (fusion.ts) of the lexical and vector lists; every candidate gets its exact cosine.
   * A vector candidate missing from the lexical list scores 0 when the list holds every match. When
   * the list was cut, it gets its own score where the index can score single papers (scoreIds, on
   * PostgreSQL); else at most the list's floor: the floor times the share of the query's words its
   * text has, since scoring single papers with bm25() costs a pass over each word's postings.
   */
  private async fuse(q: string, lexList: LexicalList, vec: Hit[], qvec: Float32Array, embedder: string): Promise<RankedHit[]> {
    const lex = lexList.hits;
    const inLex = new Set(lex.map((h) => h.id));
    const inVec = new Set(vec.map((h) => h.id));
    const missing = lexList.floor > 0 ? vec.filter((h) => !inLex.has(h.id)).map((h) => h.id) : [];
    // The lexical scores of vector-only candidates and the cosines of lexical-only ones: independent,
    // so both are asked for at once.
    const [outside, cosines] = await Promise.all([
      this.outsideScores(q, lexList, missing),
      storedCosines(this.vectorStore, lex.filter((h) => !inVec.has(h.id)).map((h) => h.id), qvec, embedder),
    ]);
    const byId = new Map<number, RankedHit>();
    for (const h of lex) byId.set(h.id, { id: h.id, score: 0, match: 'ranked', lexical: h.score, cosine: cosines.get(h.id) });
    for (const h of vec) {
      const r = byId.get(h.id);
      if (r) r.cosine = h.score;
      else byId.set(h.id, { id: h.id, score: 0, match: 'ranked', cosine: h.score, lexical: outside.get(h.id) ?? 0 });
    }
    return interpolate([...byId.values()], this.vectorWeight);
  }
  /** The lexical scores of papers outside a cut lexical list (see fuse). */
  private async outsideScores(q: string, lexList: LexicalList, ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    if (this.lexical.scoreIds) return this.lexical.scoreIds(q, ids);
    return new Map([...(await termShare(this.corpus, q, ids))].map(([id, share]) => [id, lexList.floor * share]));
  }

  private async keepMatching<T extends { id: number }>(hits: T[], f: Filters): Promise<T[]> {
    if (!hits.length) return hits;
    const papers = await this.papers.byIds(hits.map((h) => h.id));
    return hits.filter((h) => matchesFilters(papers.get(h.id), f));
  }

  /** The search use case: ranked, filtered, sorted, paginated papers with snippets. */
  async search(params: SearchParams): Promise<SearchResult> {
    const limit = params.limit ?? 20;
    const offset = params.offset ?? 0;
    const { hits, mode, fallback, suggestion } = await this.rank(params.q, {
      limit: offset + limit,
      mode: params.mode,
      filters: params.filters,
      depth: Math.max(100, offset + limit),
    });
    let list = hits;
    const sort = params.sort ?? 'relevance';
    let papers: Map<number, Paper> | undefined;
    if (sort !== 'relevance') {
      // Re-sorting a semantic tail by date would surface noise: keep the clearly relevant part.
      const best = list.find((h) => Number.isFinite(h.score))?.score ?? 0;
      list = list.filter((h) => !Number.isFinite(h.score) || h.score >= best * 0.5);
      const all = await this.papers.byIds(list.map((h) => h.id));
      papers = all;
      const key = (h: RankedHit) => {
        const p = all.get(h.id);
        return sort === 'newest' ? (p?.publishedAt ?? p?.createdAt ?? '') : String(p?.upvotes ?? 0).padStart(10, '0');
      };
      list = [...list].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.score - a.score));
    }
    const page = list.slice(offset, offset + limit);
    // The papers of the page: already read for a sort, else read now (once).
    papers ??= await this.papers.byIds(page.map((h) => h.id));
    const id = hits[0]?.match === 'id' ? papers.get(hits[0].id) ?? (await this.papers.byIds([hits[0].id])).get(hits[0].id) : undefined;
    return {
      query: params.q,
      mode,
      fallback,
      exact: id,
      suggestion,
      total: list.length,
      hits: page
        .filter((h) => papers.has(h.id))
        .map((h) => {
          const paper = papers.get(h.id)!;
          return { paper, score: Number.isFinite(h.score) ? h.score : 1e9, match: h.match, snippet: params.snippets === false ? '' : snippetHtml(paper.abstract, params.q) };
        }),
    };
  }

  /** Papers like this one: neighbours of its vector fused (RRF, k = 60) with a lexical more-like-this. */
  async similar(paperId: number, limit = 10): Promise<Paper[]> {
    return similarPapers({ vectors: this.vectorStore, papers: this.papers, lexical: this.lexical, replica: () => this.replica() }, paperId, limit);
  }

  /** Embeds up to `batch` papers that have no vector from the current embedder (or a stale one). */
  embedPending(batch = 500): Promise<number> {
    return this.indexer.embedPending(batch);
  }

  /** Embeds everything pending, batch by batch (each batch committed: resumable). */
  embedAll(batch = 500, onBatch?: (done: number) => void): Promise<number> {
    return this.indexer.embedAll(batch, onBatch);
  }

  /** Papers without a current vector (what the embed job still has to do). */
  pendingCount(): Promise<number> {
    return this.indexer.pendingCount();
  }

  /**
   * Trains the default static model on the stored papers, stores it in the database for every
   * process (each keeps a copy in its data dir), and switches this process to it.
   */
  async train(opts: TrainOptions & { maxDocs?: number } = {}): Promise<TrainStats> {
    const stats = await trainDefaultModel({ config: this.config, corpus: this.corpus, papers: this.papers, models: this.selector }, opts);
    await this.reload();
    return stats;
  }

  /** Whether the worker should (re)train the default model: none yet, or the corpus grew by the factor. */
  needsTraining(minDocs = 200): Promise<boolean> {
    return needsTraining({ config: this.config, corpus: this.corpus, papers: this.papers, models: this.selector }, minDocs);
  }
}
