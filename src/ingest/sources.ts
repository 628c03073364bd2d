// The network sources wired to one Paperboy instance: the process-wide polite client, this
// instance's harvest cursors and HTTP validators, and its importer.
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { HarvestStore, HttpCacheStore } from '../storage/harvest.ts';
import { sharedSourceClient, type HttpClient } from './http.ts';
import { harvestOai, type HarvestOptions, type OaiParams } from './oai.ts';
import { syncRss } from './rss.ts';
import { syncHfDaily, type HfPeriod } from './hf-client.ts';
import { fetchArxivPapers, searchArxiv, type AtomClient } from './atom.ts';
import type { PaperSink } from './types.ts';

/** What the sources need of an instance (a Paperboy has all of it). */
export interface SourceDeps {
  config: Config;
  log: Logger;
  stores: { harvests: HarvestStore; httpCache: HttpCacheStore };
  importer: PaperSink;
}

export class IngestSources {
  readonly http: HttpClient;
  readonly harvests: HarvestStore;
  readonly validators: HttpCacheStore;
  readonly atom: AtomClient;

  constructor(
    private readonly pb: SourceDeps,
    http?: HttpClient,
  ) {
    this.http = http ?? sharedSourceClient(pb.config, { log: pb.log });
    this.harvests = pb.stores.harvests;
    this.validators = pb.stores.httpCache;
    this.atom = { http: this.http, apiUrl: pb.config.arxivApiUrl };
  }

  harvestOai(params: OaiParams, opts: HarvestOptions = {}) {
    const deps = { http: this.http, importer: this.pb.importer, harvests: this.harvests, baseUrl: this.pb.config.arxivOaiUrl, log: this.pb.log };
    return harvestOai(deps, params, opts);
  }

  syncRss(categories: string[], opts: { signal?: AbortSignal } = {}) {
    return syncRss({ http: this.http, importer: this.pb.importer, rssUrl: this.pb.config.arxivRssUrl, validators: this.validators }, categories, opts);
  }

  syncHfDaily(period: HfPeriod, opts: { limit?: number; signal?: AbortSignal } = {}) {
    return syncHfDaily({ http: this.http, importer: this.pb.importer, hfUrl: this.pb.config.hfApiUrl, validators: this.validators }, period, opts);
  }

  /** Looks ids up with the Atom API and stores them. */
  async importIds(ids: string[]) {
    const papers = await fetchArxivPapers(ids, this.atom);
    return this.pb.importer.run('arxiv-atom', `id_list ${ids.length} ids`, papers.map((paper) => ({ kind: 'paper' as const, paper })));
  }

  /** Runs a search_query and stores up to `max` results. */
  async importSearch(query: string, max: number) {
    const atom = this.atom;
    async function* items() {
      for await (const page of searchArxiv(atom, query, { max })) yield* page.items;
    }
    return this.pb.importer.run('arxiv-atom', `search_query ${query}`, items());
  }
}

const bySource = new WeakMap<SourceDeps, IngestSources>();

export function ingestSources(pb: SourceDeps): IngestSources {
  let s = bySource.get(pb);
  if (!s) {
    s = new IngestSources(pb);
    bySource.set(pb, s);
  }
  return s;
}

/** arXiv category → OAI-PMH set ("cs.CL" → "cs:cs:CL", "hep-th" → "physics:hep-th"). */
export function oaiSetFor(category: string): string {
  const PHYSICS = new Set(['astro-ph', 'cond-mat', 'gr-qc', 'hep-ex', 'hep-lat', 'hep-ph', 'hep-th', 'math-ph', 'nlin', 'nucl-ex', 'nucl-th', 'physics', 'quant-ph']);
  const [archive, sub] = category.split('.');
  const group = PHYSICS.has(archive) ? 'physics' : archive;
  if (!sub) return group === archive ? archive : `${group}:${archive}`;
  return `${group}:${archive}:${sub}`;
}
