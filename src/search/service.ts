// Search as a use case: lexical and vector candidates fused by interpolation (max-normalised
// lexical score + w × cosine), exact arXiv id / title / near-title jumps, filters, sorts,
// pagination, snippets; similar papers; embedding the corpus and training the default embedder.
import { readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Db } from '../storage/db.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { Paper } from '../domain/paper.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import { nowIso } from '../storage/dialect.ts';
import { hasFilters, type Filters, type Hit, type LexicalIndex, type LexicalList } from './lexical.ts';
import { SqliteLexical } from './lexical-sqlite.ts';
import { PostgresLexical } from './lexical-pg.ts';
import { VectorIndex } from './vectors.ts';
import { documentText, fromBytes, toBytes, type Embedder } from './embedders/types.ts';
import {
  isStaticModelDir,
  loadStaticModel,
  readStaticModelFiles,
  saveStaticModel,
  staticModelVersion,
  writeStaticModelFiles,
  type StaticEmbedder,
} from './embedders/static.ts';
import { EmbedderModelStore, type StoredModel } from './model-store.ts';
import { trainStaticModel, type TrainOptions, type TrainStats } from './embedders/train.ts';
import { HttpEmbedder } from './embedders/http.ts';
import { OnnxEmbedder } from './embedders/onnx.ts';
import { editDistance, lightStem, normTitle, queryTerms, snippetHtml, words, STOPWORDS } from './text.ts';

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
  total: number;
  hits: { paper: Paper; score: number; match: RankedHit['match']; snippet: string }[];
}

/** Milliseconds spent in each step of a ranking (summed by step name), for benchmarks. */
export type Timings = Record<string, number>;

/** A lap timer adding the time since the previous lap to `t[step]`; does nothing without `t`. */
function stopwatch(t?: Timings): (step: string) => void {
  if (!t) return () => {};
  let last = performance.now();
  return (step) => {
    const now = performance.now();
    t[step] = (t[step] ?? 0) + now - last;
    last = now;
  };
}

/** Where the trained model lived before it was shared through the database (picked up once). */
const LEGACY_DIR = 'embedder';
/** Local copies of the shared models, one folder per version: <data dir>/embedders/<version>. */
const CACHE_DIR = 'embedders';
/** See SearchService.pendingCursor. */
const PENDING_MARGIN_MS = 5 * 60_000;

export class SearchService {
  readonly lexical: LexicalIndex;
  private embedderP?: Promise<Embedder | null>;
  private vectors?: VectorIndex;
  private vectorsReady?: Promise<VectorIndex | null>;
  /** Weight of the cosine in the fused score. */
  vectorWeight: number;
  /** The trained default models, shared by every process through the database. */
  readonly models: EmbedderModelStore;
  /** Database id of the shared model behind the loaded embedder; null when there was none. */
  private sharedModelId?: number | null;
  private sharedModelDir?: string;
  private modelCheckedAt = 0;
  private modelCheck?: Promise<void>;
  /** Bumped by reload(), so a vector index still being built for the previous embedder is not kept. */
  private generation = 0;

  constructor(
    private readonly config: Config,
    private readonly db: Db,
    private readonly papers: PaperStore,
    private readonly log: Logger,
  ) {
    this.lexical = db.dialect === 'sqlite' ? new SqliteLexical(db.sqlite!, db.bm25) : new PostgresLexical(db.kysely, db.pool!);
    this.vectorWeight = config.searchVectorWeight;
    this.models = new EmbedderModelStore(db.kysely);
  }

  /** Folder of the configured static model, or the local copy of the shared (trained) one. */
  get staticModelDir(): string {
    return this.config.searchStaticModel ?? this.sharedModelDir ?? join(this.config.dataDir, CACHE_DIR);
  }

  /** Whether the embedder is the default static model trained by a worker and shared through the database. */
  private get sharesModel(): boolean {
    const c = this.config;
    return (c.searchEmbedder === 'auto' || c.searchEmbedder === 'static') && !c.searchStaticModel;
  }

  /** The configured embedder, or null when there is none (yet). */
  embedder(): Promise<Embedder | null> {
    this.watchModel();
    this.embedderP ??= this.makeEmbedder().catch((err) => {
      this.log.warn({ err: (err as Error).message }, 'embedder unavailable; lexical search only');
      this.embedderP = undefined;
      return null;
    });
    return this.embedderP;
  }

  private async makeEmbedder(): Promise<Embedder | null> {
    const c = this.config;
    switch (c.searchEmbedder) {
      case 'none':
        return null;
      case 'http':
        if (!c.searchHttpUrl) throw new Error('PAPERBOY_SEARCH_EMBEDDER=http needs PAPERBOY_SEARCH_HTTP_URL');
        return HttpEmbedder.connect({
          url: c.searchHttpUrl,
          model: c.searchHttpModel,
          apiKey: c.searchHttpApiKey,
          timeoutMs: c.searchHttpTimeoutMs,
          queryPrefix: c.searchQueryPrefix,
          documentPrefix: c.searchDocumentPrefix,
        });
      case 'onnx':
        if (!c.searchOnnxModel) throw new Error('PAPERBOY_SEARCH_EMBEDDER=onnx needs PAPERBOY_SEARCH_ONNX_MODEL');
        return OnnxEmbedder.load({ model: c.searchOnnxModel, cacheDir: join(c.dataDir, 'models'), queryPrefix: c.searchQueryPrefix, documentPrefix: c.searchDocumentPrefix });
      default: {
        const dir = c.searchStaticModel;
        if (dir) {
          if (isStaticModelDir(dir)) return loadStaticModel(dir);
          if (c.searchEmbedder === 'static') throw new Error(`no static model in ${dir}`);
          return null;
        }
        const e = await this.loadSharedModel();
        if (!e && c.searchEmbedder === 'static') throw new Error('no static model yet: set PAPERBOY_SEARCH_STATIC_MODEL, or let the worker train one');
        return e; // auto without a model: lexical until the worker has trained one.
      }
    }
  }

  /** The newest shared model, from this process's local copy or else copied from the database. */
  private async loadSharedModel(): Promise<StaticEmbedder | null> {
    const m = (await this.models.latest()) ?? (await this.publishLegacyModel());
    this.sharedModelId = m?.id ?? null;
    this.modelCheckedAt = Date.now();
    if (!m) return null;
    const cache = join(this.config.dataDir, CACHE_DIR);
    const dir = join(cache, m.version);
    let e: StaticEmbedder | undefined;
    try {
      if (isStaticModelDir(dir)) e = loadStaticModel(dir);
    } catch {
      e = undefined; // a damaged copy is fetched again
    }
    if (e?.id !== m.embedder) {
      writeStaticModelFiles(dir, await this.models.files(m.id));
      e = loadStaticModel(dir);
      if (e.id !== m.embedder) throw new Error(`the shared model ${m.version} loads as ${e.id}, not ${m.embedder}`);
      this.log.info({ embedder: e.id, dir }, 'embedding model copied from the database');
    }
    this.sharedModelDir = dir;
    // Older local copies go (folders being written by another process are left alone).
    for (const f of readdirSync(cache)) if (f !== m.version && !f.includes('.tmp-') && !f.startsWith('.')) rmSync(join(cache, f), { recursive: true, force: true });
    return e;
  }

  /** A model trained before models were shared (in <data dir>/embedder) is published once, keeping its vectors valid. */
  private async publishLegacyModel(): Promise<StoredModel | undefined> {
    const dir = join(this.config.dataDir, LEGACY_DIR);
    if (!isStaticModelDir(dir)) return undefined;
    const e = loadStaticModel(dir);
    const files = readStaticModelFiles(dir);
    const kv = await this.db.kysely.selectFrom('kv').select('value').where('key', '=', 'search.trained_docs').executeTakeFirst();
    this.log.info({ embedder: e.id, dir }, 'sharing the locally trained embedding model through the database');
    return this.models.publish({ embedder: e.id, version: staticModelVersion(files.weights), dims: e.dims, docs: Number(kv?.value ?? 0) }, files);
  }

  /**
   * Notices a newer shared model (trained by a worker, perhaps in another process): at most every
   * PAPERBOY_SEARCH_SYNC_MS, in the background; the next caller then gets the new embedder and its index.
   */
  private watchModel(): void {
    if (!this.sharesModel || this.modelCheck || !this.embedderP || Date.now() - this.modelCheckedAt < this.config.searchSyncMs) return;
    this.modelCheckedAt = Date.now();
    const gen = this.generation;
    this.modelCheck = (async () => {
      await this.embedderP?.catch(() => null);
      const m = await this.models.latest();
      if (gen !== this.generation || this.sharedModelId === undefined || (m?.id ?? null) === this.sharedModelId) return;
      this.log.info({ embedder: m?.embedder ?? null }, 'the shared embedding model changed: loading the new one');
      const searching = !!this.vectorsReady;
      await this.reload();
      // A process that serves searches loads the new model and index now, not in a request.
      if (searching) await this.vectorIndex().catch(() => null);
    })()
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'checking for a newer embedding model failed'))
      .finally(() => (this.modelCheck = undefined));
  }

  /** Forgets the loaded embedder and index (after training a new model, or when another process did). */
  async reload(): Promise<void> {
    this.generation++;
    const old = this.vectors;
    this.vectors = undefined;
    this.vectorsReady = undefined;
    this.embedderP = undefined;
    this.sharedModelId = undefined;
    await old?.close();
  }

  /** The vector index of the current embedder, caught up and syncing; null without an embedder. */
  vectorIndex(): Promise<VectorIndex | null> {
    this.vectorsReady ??= (async () => {
      const e = await this.embedder();
      if (!e) {
        this.vectorsReady = undefined;
        return null;
      }
      const gen = this.generation;
      const vi = new VectorIndex(this.db.kysely, join(this.config.dataDir, 'vectors'), e.id, e.dims, this.log);
      await vi.catchUp();
      // The embedder changed meanwhile: this index serves the callers that asked for it, and no one after.
      if (gen !== this.generation) {
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
    if (!this.vectors) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), waitMs)));
      const vi = await Promise.race([this.vectorIndex(), late]).finally(() => clearTimeout(timer));
      if (vi === 'late') throw new Error('the vector index is catching up with the database');
      if (!vi) return 'no embedding model yet: lexical search';
    }
    return `${this.vectors?.size ?? 0} vectors`;
  }

  async close(): Promise<void> {
    await this.vectors?.close();
    const e = await this.embedderP?.catch(() => null);
    await e?.close?.();
  }

  /** Ranked paper ids for a query (the core used by search, eval and the benchmark). */
  async rank(
    q: string,
    opts: { limit: number; mode?: Mode; filters?: Filters; depth?: number; timings?: Timings } = { limit: 10 },
  ): Promise<{ hits: RankedHit[]; mode: Mode; fallback?: string }> {
    const lap = stopwatch(opts.timings);
    const want = opts.mode ?? 'hybrid';
    const depth = Math.max(opts.depth ?? 100, opts.limit);
    let mode: Mode = want;
    let fallback: string | undefined;
    let qvec: Float32Array | undefined;
    let vi: VectorIndex | null = null;
    // The lexical list is asked for first: the database ranks while this process embeds the query
    // and searches the vector index. (On SQLite the statement runs here, synchronously.)
    const lexical = want === 'vector' ? undefined : this.lexical.rank(q, depth, opts.filters);
    lexical?.catch(() => {}); // awaited below; an early throw must not leave it unhandled
    lap('lexical');
    if (want !== 'lexical') {
      try {
        vi = await this.vectorIndex();
        const e = await this.embedder();
        if (!vi || !e) fallback = 'no embedding model is ready yet';
        else [qvec] = await e.embed([q], 'query');
      } catch (err) {
        fallback = `the embedding model failed (${(err as Error).message})`;
      }
      if (!qvec) {
        mode = 'lexical';
        this.log.debug({ fallback }, 'search falls back to lexical');
      }
    }
    lap('embed');
    let vec = qvec && vi ? vi.search(qvec, hasFilters(opts.filters) ? depth * 4 : depth) : [];
    if (vec.length && hasFilters(opts.filters)) vec = await this.keepMatching(vec, opts.filters!);
    lap('vector');
    const lexList = mode === 'vector' ? { hits: [], floor: 0 } : await (lexical ?? this.lexical.rank(q, depth, opts.filters));
    const lex = lexList.hits;
    lap('lexical_wait');

    // The jumps (title lookups) and the fusion (scores and cosines of single papers) ask the
    // database independently: at once, so that a search waits for fewer round trips in a row.
    const [jumps, ranked] = await Promise.all([
      this.jumps(q, lex, !!lexList.allWords),
      mode === 'lexical'
        ? lex.map((h): RankedHit => ({ ...h, match: 'ranked', lexical: h.score }))
        : mode === 'vector'
          ? vec.map((h): RankedHit => ({ ...h, match: 'ranked', cosine: h.score }))
          : this.fuse(q, lexList, vec, qvec!),
    ]);
    lap('titles_and_fusion');

    // Exact id, exact title and near-title jumps go first, in that order.
    const jumpIds = new Set(jumps.map((j) => j.id));
    const allowed = jumps.length && hasFilters(opts.filters) ? new Set((await this.keepMatching(jumps, opts.filters!)).map((h) => h.id)) : undefined;
    const top = jumps.filter((j) => !allowed || allowed.has(j.id));
    const hits = [...top, ...ranked.filter((h) => !jumpIds.has(h.id))];
    lap('rest');
    return { hits, mode, fallback };
  }

  /**
   * Interpolation: max-normalised lexical score plus w × cosine. Every candidate gets its exact cosine.
   * A vector candidate missing from the lexical list scores 0 when the list holds every match. When
   * the list was cut, it gets its own score where the index can score single papers (scoreIds, on
   * PostgreSQL); else at most the list's floor: the floor times the share of the query's words its
   * text has, since scoring single papers with bm25() costs a pass over each word's postings.
   */
  private async fuse(q: string, lexList: LexicalList, vec: Hit[], qvec: Float32Array): Promise<RankedHit[]> {
    const lex = lexList.hits;
    const inLex = new Set(lex.map((h) => h.id));
    const inVec = new Set(vec.map((h) => h.id));
    const missing = lexList.floor > 0 ? vec.filter((h) => !inLex.has(h.id)).map((h) => h.id) : [];
    // The lexical scores of vector-only candidates and the cosines of lexical-only ones: independent,
    // so both are asked for at once.
    const [outside, cosines] = await Promise.all([
      this.outsideScores(q, lexList, missing),
      this.cosines(lex.filter((h) => !inVec.has(h.id)).map((h) => h.id), qvec),
    ]);
    const byId = new Map<number, RankedHit>();
    for (const h of lex) byId.set(h.id, { id: h.id, score: 0, match: 'ranked', lexical: h.score, cosine: cosines.get(h.id) });
    for (const h of vec) {
      const r = byId.get(h.id);
      if (r) r.cosine = h.score;
      else byId.set(h.id, { id: h.id, score: 0, match: 'ranked', cosine: h.score, lexical: outside.get(h.id) ?? 0 });
    }
    const maxLex = Math.max(1e-9, ...[...byId.values()].map((r) => r.lexical ?? 0));
    for (const r of byId.values()) r.score = (r.lexical ?? 0) / maxLex + this.vectorWeight * (r.cosine ?? 0);
    return [...byId.values()].sort((a, b) => b.score - a.score || a.id - b.id);
  }

  /** The lexical scores of papers outside a cut lexical list (see fuse). */
  private async outsideScores(q: string, lexList: LexicalList, ids: number[]): Promise<Map<number, number>> {
    if (!ids.length) return new Map();
    if (this.lexical.scoreIds) return this.lexical.scoreIds(q, ids);
    return new Map([...(await this.termShare(q, ids))].map(([id, share]) => [id, lexList.floor * share]));
  }

  /** The cosine of each paper's stored vector with `qvec`. */
  private async cosines(ids: number[], qvec: Float32Array): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (!ids.length) return out;
    const e = await this.embedder();
    const rows = await this.db.kysely.selectFrom('paper_vectors').select(['paper_id', 'vector']).where('paper_id', 'in', ids).where('embedder', '=', e!.id).execute();
    for (const r of rows) {
      const v = fromBytes(r.vector as Uint8Array);
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i] * qvec[i];
      out.set(r.paper_id, s);
    }
    return out;
  }

  /** For each paper, the share of the query's words (stemmed alike) found in its title or abstract. */
  private async termShare(q: string, ids: number[]): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    const terms = [...new Set(queryTerms(q).map(lightStem))];
    if (!ids.length || !terms.length) return out;
    const rows = await this.db.kysely.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', 'in', ids).execute();
    for (const r of rows) {
      // A stem is a prefix of its word: only words that start with a term's stem are stemmed.
      const left = new Set(terms);
      for (const w of new Set(words(`${r.title} ${r.abstract}`))) {
        for (const t of left)
          if (w.startsWith(t) && lightStem(w) === t) {
            left.delete(t);
            break;
          }
        if (!left.size) break;
      }
      out.set(r.id, (terms.length - left.size) / terms.length);
    }
    return out;
  }

  private async keepMatching<T extends { id: number }>(hits: T[], f: Filters): Promise<T[]> {
    if (!hits.length) return hits;
    const papers = await this.papers.byIds(hits.map((h) => h.id));
    return hits.filter((h) => {
      const p = papers.get(h.id);
      if (!p) return false;
      const day = p.publishedAt?.slice(0, 10);
      if (f.from && (!day || day < f.from)) return false;
      if (f.to && (!day || day > f.to)) return false;
      if (f.hasCode && !p.codeUrl) return false;
      if (f.category && !p.categories.includes(f.category)) return false;
      return true;
    });
  }

  /** Exact arXiv id or URL, exact title, then a title one or two letters off. */
  private async jumps(q: string, lex: Hit[], allWordsMatch = false): Promise<RankedHit[]> {
    const parsed = parseArxivId(q);
    if (parsed) {
      const p = await this.papers.byArxivId(parsed.id);
      return p ? [{ id: p.id, score: Infinity, match: 'id' }] : [];
    }
    const nq = normTitle(q);
    if (nq.length < 8) return [];
    // A title with a typo: the other words still match, so it is usually among the best lexical hits;
    // short titles, where one wrong word weighs more, also get trigram candidates. Their titles come
    // with the exact-title lookup.
    const max = Math.max(1, Math.min(3, Math.floor(nq.length / 12)));
    const { exact, titles } = await this.lexical.titles(q, lex.slice(0, 20).map((h) => h.id));
    if (exact.length) return exact.map((id) => ({ id, score: Infinity, match: 'title' }));
    let candidates = titles;
    const near = (cs: { id: number; title: string }[]) =>
      cs
        .map((c) => ({ id: c.id, d: editDistance(nq, normTitle(c.title), max) }))
        .filter((c) => c.d <= max)
        .sort((a, b) => a.d - b.d)
        .map((c): RankedHit => ({ id: c.id, score: Infinity, match: c.d === 0 ? 'title' : 'near-title' }));
    let found = near(candidates);
    // Trigram candidates cost a scan of many titles: only when a word matches nothing (a misspelling).
    // When papers have all the words, none is misspelt (and the lookup of each word is skipped).
    if (!found.length && !allWordsMatch && nq.split(' ').length <= 8 && (await this.lexical.hasUnknownTerm(q))) {
      candidates = await this.lexical.titleCandidates(q, 10);
      found = near(candidates);
    }
    return found.slice(0, 3);
  }

  /** The search use case: ranked, filtered, sorted, paginated papers with snippets. */
  async search(params: SearchParams): Promise<SearchResult> {
    const limit = params.limit ?? 20;
    const offset = params.offset ?? 0;
    const parsed = parseArxivId(params.q);
    const exact = parsed ? await this.papers.byArxivId(parsed.id) : undefined;
    const depth = Math.max(100, offset + limit);
    const { hits, mode, fallback } = await this.rank(params.q, { limit: offset + limit, mode: params.mode, filters: params.filters, depth });
    let list = hits;
    const sort = params.sort ?? 'relevance';
    let papers: Map<number, Paper>;
    if (sort !== 'relevance') {
      // Re-sorting a semantic tail by date would surface noise: keep the clearly relevant part.
      const best = list.find((h) => Number.isFinite(h.score))?.score ?? 0;
      list = list.filter((h) => !Number.isFinite(h.score) || h.score >= best * 0.5);
      papers = await this.papers.byIds(list.map((h) => h.id));
      const key = (h: RankedHit) => {
        const p = papers.get(h.id);
        return sort === 'newest' ? (p?.publishedAt ?? p?.createdAt ?? '') : String(p?.upvotes ?? 0).padStart(10, '0');
      };
      list = [...list].sort((a, b) => (key(a) < key(b) ? 1 : key(a) > key(b) ? -1 : b.score - a.score));
      papers = new Map([...papers].filter(([id]) => list.slice(offset, offset + limit).some((h) => h.id === id)));
    }
    const page = list.slice(offset, offset + limit);
    papers = await this.papers.byIds(page.map((h) => h.id));
    return {
      query: params.q,
      mode,
      fallback,
      exact,
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
    const base = (await this.papers.byIds([paperId])).get(paperId);
    if (!base) return [];
    const lists: { hits: Hit[]; weight: number }[] = [];
    const vi = await this.vectorIndex().catch(() => null);
    if (vi) {
      const row = await this.db.kysely.selectFrom('paper_vectors').select('vector').where('paper_id', '=', paperId).where('embedder', '=', vi.embedder).executeTakeFirst();
      if (row) lists.push({ hits: vi.search(fromBytes(row.vector as Uint8Array), limit * 3 + 1), weight: 1 });
    }
    lists.push({ hits: await this.moreLikeThis(base, limit * 3 + 1, !lists.length), weight: lists.length ? 0.7 : 1 });
    const score = new Map<number, number>();
    for (const { hits, weight } of lists)
      hits.forEach((h, i) => {
        if (h.id !== paperId) score.set(h.id, (score.get(h.id) ?? 0) + weight / (60 + i + 1));
      });
    const ids = [...score.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit).map(([id]) => id);
    const papers = await this.papers.byIds(ids);
    return ids.map((id) => papers.get(id)).filter((p): p is Paper => !!p);
  }

  /**
   * Lexical more-like-this: papers with all of the paper's distinctive words (newest first; the
   * fusion with the vector neighbours orders them). Alone (`widen`, no vector index), it then drops
   * the last word until it has `limit` papers; beside the vector neighbours it does not, since fewer
   * words match many more papers (1,200 for three words of a paper at 100k: 5 ms of PostgreSQL's
   * time, most of a paper page's) and the neighbours already bring the looser matches.
   * Only conjunctive queries: a disjunction of a paper's words scores a large part of the corpus
   * (100 ms at 100k papers).
   */
  private async moreLikeThis(base: Paper, limit: number, widen = true): Promise<Hit[]> {
    const terms = moreLikeThisTerms(base);
    const out = new Map<number, Hit>();
    const last = widen ? Math.min(2, terms.length) : terms.length;
    for (let k = terms.length; k >= last && out.size < limit; k--) {
      for (const h of await this.lexical.withAllWords(terms.slice(0, k).join(' '), limit)) if (!out.has(h.id)) out.set(h.id, h);
    }
    return [...out.values()].slice(0, limit);
  }

  /**
   * Where embedPending goes on. A first pass walks paper ids (`after`: the last one done). Once a pass
   * has found nothing pending, only papers modified since then (less a margin) can be pending: later
   * passes walk those by (modified_at, id) from `since`, so an idle check reads the papers changed
   * since instead of all of them (12.5 s at a million papers).
   */
  private pendingCursor: { embedder: string; after: number; since?: string; at?: string } = { embedder: '', after: 0 };

  /** Embeds up to `batch` papers that have no vector from the current embedder (or a stale one). */
  async embedPending(batch = 500): Promise<number> {
    const e = await this.embedder();
    if (!e) return 0;
    if (this.pendingCursor.embedder !== e.id) this.pendingCursor = { embedder: e.id, after: 0 };
    const c = this.pendingCursor;
    const pending = (after: number) => {
      const q = this.db.kysely
        .selectFrom('papers as p')
        .leftJoin('paper_vectors as v', 'v.paper_id', 'p.id')
        .select(['p.id', 'p.title', 'p.abstract', 'p.modified_at'])
        .where((eb) => eb.or([eb('v.paper_id', 'is', null), eb('v.embedder', '<>', e.id), eb('v.source_modified_at', '<', eb.ref('p.modified_at'))]))
        .limit(batch);
      if (c.since === undefined) return q.where('p.id', '>', after).orderBy('p.id').execute();
      const at = c.at ?? c.since;
      return q
        .where('p.modified_at', '>=', c.since)
        .where((eb) => eb.or([eb('p.modified_at', '>', at), eb.and([eb('p.modified_at', '=', at), eb('p.id', '>', after)])]))
        .orderBy('p.modified_at')
        .orderBy('p.id')
        .execute();
    };
    let checkedAt = Date.now();
    let rows = await pending(c.after);
    if (!rows.length && c.since === undefined && c.after > 0) {
      // The id walk started after the first papers: they are looked at again from the first id.
      checkedAt = Date.now();
      rows = await pending(0);
    }
    if (!rows.length) {
      // Nothing was pending at checkedAt: only papers written since can be. The margin covers a
      // transaction that committed after its papers' modified_at, and clocks a little behind.
      c.since = new Date(checkedAt - PENDING_MARGIN_MS).toISOString();
      c.at = undefined;
      c.after = 0;
      return 0;
    }
    const vecs = await e.embed(
      rows.map((r) => documentText(r.title, r.abstract)),
      'document',
    );
    const now = nowIso();
    const values = rows.map((r, i) => ({
      paper_id: r.id,
      embedder: e.id,
      dims: e.dims,
      vector: toBytes(vecs[i]),
      source_modified_at: r.modified_at,
      updated_at: now,
    }));
    // One transaction per batch: a process killed mid-batch leaves the whole batch pending, and
    // the next run (any process) starts again from the papers without a current vector.
    await this.db.kysely.transaction().execute(async (trx) => {
      for (let i = 0; i < values.length; i += 200) {
        await trx
          .insertInto('paper_vectors')
          .values(values.slice(i, i + 200))
          .onConflict((oc) =>
            oc.column('paper_id').doUpdateSet((eb) => ({
              embedder: eb.ref('excluded.embedder'),
              dims: eb.ref('excluded.dims'),
              vector: eb.ref('excluded.vector'),
              source_modified_at: eb.ref('excluded.source_modified_at'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
    // Moved on only once the batch is stored: a batch that failed is taken again.
    const last = rows[rows.length - 1];
    c.after = last.id;
    if (c.since !== undefined) c.at = last.modified_at;
    return rows.length;
  }

  /** Embeds everything pending, batch by batch (each batch committed: resumable). */
  async embedAll(batch = 500, onBatch?: (done: number) => void): Promise<number> {
    let done = 0;
    for (;;) {
      const n = await this.embedPending(batch);
      if (!n) break;
      done += n;
      onBatch?.(done);
    }
    return done;
  }

  /**
   * Trains the default static model on the stored papers, stores it in the database for every
   * process (each keeps a copy in its data dir), and switches this process to it.
   */
  async train(opts: TrainOptions & { maxDocs?: number } = {}): Promise<TrainStats> {
    const maxDocs = opts.maxDocs ?? 200_000;
    const n = await this.papers.count();
    // Large corpora: train on an even sample of the papers (every k-th id).
    const step = Math.max(1, Math.ceil(n / maxDocs));
    const texts: string[] = [];
    let lastId = 0;
    for (;;) {
      const rows = await this.db.kysely.selectFrom('papers').select(['id', 'title', 'abstract']).where('id', '>', lastId).orderBy('id').limit(5000).execute();
      if (!rows.length) break;
      for (const r of rows) if (r.id % step === 0) texts.push(documentText(r.title, r.abstract));
      lastId = rows[rows.length - 1].id;
    }
    const { model, stats } = trainStaticModel(texts, opts);
    const tmp = join(this.config.dataDir, CACHE_DIR, `.trained-${process.pid}`);
    saveStaticModel(tmp, model);
    const files = readStaticModelFiles(tmp);
    const version = staticModelVersion(files.weights);
    const dir = join(this.config.dataDir, CACHE_DIR, version);
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
    const e = loadStaticModel(dir);
    await this.models.publish({ embedder: e.id, version, dims: e.dims, docs: n }, files);
    await this.reload();
    return stats;
  }

  /** Whether the worker should (re)train the default model: none yet, or the corpus grew by the factor. */
  async needsTraining(minDocs = 200): Promise<boolean> {
    if (this.config.searchEmbedder !== 'auto' || this.config.searchStaticModel) return false;
    const n = await this.papers.count();
    if (n < minDocs) return false;
    const m = (await this.models.latest()) ?? (await this.publishLegacyModel());
    return !m || n >= m.docs * this.config.searchRetrainFactor;
  }

  /** Papers without a current vector (what the embed job still has to do). */
  async pendingCount(): Promise<number> {
    const e = await this.embedder();
    if (!e) return 0;
    const r = await sql<{ n: number }>`select count(*) as n from papers p left join paper_vectors v on v.paper_id = p.id
      where v.paper_id is null or v.embedder <> ${e.id} or v.source_modified_at < p.modified_at`.execute(this.db.kysely);
    return Number(r.rows[0].n);
  }
}

/**
 * The words of a paper to look for in others: the longest content words of its title (long words are
 * the rarer ones), then its most frequent abstract words when the title has few.
 */
export function moreLikeThisTerms(p: Paper, max = 4): string[] {
  const title = [...new Set(queryTerms(p.title).filter((w) => w.length > 2 && !/^\d+$/.test(w)))].sort((a, b) => b.length - a.length);
  const counts = new Map<string, number>();
  for (const w of words(p.abstract)) if (w.length > 3 && !STOPWORDS.has(w) && !/^\d+$/.test(w) && !title.includes(w)) counts.set(w, (counts.get(w) ?? 0) + 1);
  const top = [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([w]) => w);
  return [...title, ...top].slice(0, max);
}
