// Model selection: which embedder this process uses (none, an HTTP server, an ONNX model, a static
// model folder, or the default static model trained by a worker and shared through the database),
// and noticing when another process published a newer shared model.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Embedder } from './embedders/types.ts';
import { isStaticModelDir, loadStaticModel, readStaticModelFiles, staticModelVersion, writeStaticModelFiles, type StaticEmbedder } from './embedders/static.ts';
import { EmbedderModelStore, type StoredModel } from '../storage/search-models.ts';
import { HttpEmbedder } from './embedders/http.ts';
import { OnnxEmbedder } from './embedders/onnx.ts';

/** Where the trained model lived before it was shared through the database (picked up once). */
const LEGACY_DIR = 'embedder';
/** Local copies of the shared models, one folder per version: <data dir>/embedders/<version>. */
export const CACHE_DIR = 'embedders';

export class EmbedderModels {
  private embedderP?: Promise<Embedder | null>;
  /** Database id of the shared model behind the loaded embedder; null when there was none. */
  private sharedModelId?: number | null;
  private sharedModelDir?: string;
  private modelCheckedAt = 0;
  private modelCheck?: Promise<void>;
  /** Bumped by reset(), so that work started for the previous embedder is not kept. */
  generation = 0;

  constructor(
    private readonly config: Config,
    readonly store: EmbedderModelStore,
    private readonly log: Logger,
    /** Called when a newer shared model appeared (the owner reloads its index). */
    private readonly onNewModel: () => Promise<void>,
  ) {}

  /** Folder of the configured static model, or the local copy of the shared (trained) one. */
  get staticModelDir(): string {
    return this.config.searchStaticModel ?? this.sharedModelDir ?? join(this.config.dataDir, CACHE_DIR);
  }

  /** Whether the embedder is the default static model trained by a worker and shared through the database. */
  get sharesModel(): boolean {
    const c = this.config;
    return (c.searchEmbedder === 'auto' || c.searchEmbedder === 'static') && !c.searchStaticModel;
  }

  /** The configured embedder, or null when there is none (yet). */
  embedder(): Promise<Embedder | null> {
    this.watch();
    this.embedderP ??= this.make().catch((err) => {
      this.log.warn({ err: (err as Error).message }, 'embedder unavailable; lexical search only');
      this.embedderP = undefined;
      return null;
    });
    return this.embedderP;
  }

  /** The embedder if one was asked for already (for closing). */
  loaded(): Promise<Embedder | null> | undefined {
    return this.embedderP;
  }

  /** Forgets the loaded embedder: the next call loads the current one. */
  reset(): void {
    this.generation++;
    this.embedderP = undefined;
    this.sharedModelId = undefined;
  }

  private async make(): Promise<Embedder | null> {
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
        const e = await this.loadShared();
        if (!e && c.searchEmbedder === 'static') throw new Error('no static model yet: set PAPERBOY_SEARCH_STATIC_MODEL, or let the worker train one');
        return e; // auto without a model: lexical until the worker has trained one.
      }
    }
  }

  /** The newest shared model, from this process's local copy or else copied from the database. */
  private async loadShared(): Promise<StaticEmbedder | null> {
    const m = (await this.store.latest()) ?? (await this.publishLegacy());
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
      writeStaticModelFiles(dir, await this.store.files(m.id));
      e = loadStaticModel(dir);
      if (e.id !== m.embedder) throw new Error(`the shared model ${m.version} loads as ${e.id}, not ${m.embedder}`);
      this.log.info({ embedder: e.id, dir }, 'embedding model copied from the database');
    }
    this.sharedModelDir = dir;
    // Older local copies go (folders being written by another process are left alone).
    for (const f of readdirSync(cache)) if (f !== m.version && !f.includes('.tmp-') && !f.startsWith('.')) rmSync(join(cache, f), { recursive: true, force: true });
    return e;
  }

  /** The newest shared model, or a legacy one published now; undefined when there is none. */
  async latest(): Promise<StoredModel | undefined> {
    return (await this.store.latest()) ?? (await this.publishLegacy());
  }

  /** A model trained before models were shared (in <data dir>/embedder) is published once, keeping its vectors valid. */
  private async publishLegacy(): Promise<StoredModel | undefined> {
    const dir = join(this.config.dataDir, LEGACY_DIR);
    if (!isStaticModelDir(dir)) return undefined;
    const e = loadStaticModel(dir);
    const files = readStaticModelFiles(dir);
    const docs = await this.store.legacyTrainedDocs();
    this.log.info({ embedder: e.id, dir }, 'sharing the locally trained embedding model through the database');
    return this.store.publish({ embedder: e.id, version: staticModelVersion(files.weights), dims: e.dims, docs }, files);
  }

  /**
   * Notices a newer shared model (trained by a worker, perhaps in another process): at most every
   * PAPERBOY_SEARCH_SYNC_MS, in the background; the next caller then gets the new embedder and its index.
   */
  private watch(): void {
    if (!this.sharesModel || this.modelCheck || !this.embedderP || Date.now() - this.modelCheckedAt < this.config.searchSyncMs) return;
    this.modelCheckedAt = Date.now();
    const gen = this.generation;
    this.modelCheck = (async () => {
      await this.embedderP?.catch(() => null);
      const m = await this.store.latest();
      if (gen !== this.generation || this.sharedModelId === undefined || (m?.id ?? null) === this.sharedModelId) return;
      this.log.info({ embedder: m?.embedder ?? null }, 'the shared embedding model changed: loading the new one');
      await this.onNewModel();
    })()
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'checking for a newer embedding model failed'))
      .finally(() => (this.modelCheck = undefined));
  }
}
