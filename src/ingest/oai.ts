// arXiv OAI-PMH: ListRecords pages (metadataPrefix arXiv or arXivRaw), parsed one page at a time,
// harvested by resumptionToken. The token and position are saved after each page's records are
// committed, so a harvest killed at any moment resumes where it stopped; re-fetching the page in
// flight is harmless because upserts are idempotent.
import { readFile } from 'node:fs/promises';
import { parseArxivId } from '../domain/arxiv-id.ts';
import { announceDayAt } from '../domain/dates.ts';
import type { PaperInput, PaperVersion } from '../domain/paper.ts';
import type { PaperSink } from './types.ts';
import type { HarvestStore } from '../storage/harvest.ts';
import type { IngestCounts } from '../storage/ingest-log.ts';
import type { Logger } from '../logger.ts';
import type { HttpClient } from './http.ts';
import type { ImportOptions, IngestItem } from './types.ts';
import { assertWellFormed, attr, isoDate, list, parseXml, splitAuthors, text, type XmlNode } from './xml.ts';

export type MetadataPrefix = 'arXiv' | 'arXivRaw';

export interface OaiPage {
  items: IngestItem[];
  /** Records on the page, deleted ones included. */
  records: number;
  deleted: number;
  /** Token of the next page; null when this was the last. */
  token: string | null;
  completeListSize?: number;
  cursor?: number;
  /** An OAI-PMH error (noRecordsMatch, badResumptionToken, badArgument, …). */
  error?: { code: string; message: string };
}

export class OaiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`OAI-PMH ${code}: ${message}`);
    this.name = 'OaiError';
  }
}

function versionsOf(meta: XmlNode): PaperVersion[] {
  return list<XmlNode>(meta.version)
    .map((v) => ({ version: Number((attr(v, 'version') ?? '').replace(/^v/, '')), date: isoDate(text(v.date)) ?? undefined }))
    .filter((v) => v.version > 0)
    .sort((a, b) => a.version - b.version);
}

/** One arXivRaw metadata element as a paper. */
function arxivRawToPaper(meta: XmlNode): PaperInput {
  const parsed = parseArxivId(text(meta.id));
  if (!parsed) throw new Error(`bad arXiv id ${JSON.stringify(text(meta.id))}`);
  const versions = versionsOf(meta);
  const last = versions[versions.length - 1];
  const categories = text(meta.categories).split(/\s+/).filter(Boolean);
  return {
    arxivId: parsed.id,
    version: last?.version ?? 1,
    title: text(meta.title),
    abstract: text(meta.abstract),
    authors: splitAuthors(text(meta.authors)),
    categories,
    primaryCategory: categories[0] ?? null,
    publishedAt: versions[0]?.date ?? null,
    updatedAt: last?.date ?? null,
    comment: text(meta.comments) || null,
    journalRef: text(meta['journal-ref']) || null,
    doi: text(meta.doi) || null,
    license: text(meta.license) || null,
    versions,
    source: 'arxiv-oai',
  };
}

/** One metadataPrefix=arXiv element (created/updated dates, structured authors) as a paper. */
function arxivToPaper(meta: XmlNode): PaperInput {
  const parsed = parseArxivId(text(meta.id));
  if (!parsed) throw new Error(`bad arXiv id ${JSON.stringify(text(meta.id))}`);
  const authors = list<XmlNode>((meta.authors as XmlNode | undefined)?.author).map((a) =>
    [text(a.forenames), text(a.keyname), text(a.suffix)].filter(Boolean).join(' '),
  );
  const categories = text(meta.categories).split(/\s+/).filter(Boolean);
  const created = isoDate(text(meta.created));
  const updated = isoDate(text(meta.updated)) ?? created;
  return {
    arxivId: parsed.id,
    version: 1,
    title: text(meta.title),
    abstract: text(meta.abstract),
    authors,
    categories,
    primaryCategory: categories[0] ?? null,
    publishedAt: created,
    updatedAt: updated,
    comment: text(meta.comments) || null,
    journalRef: text(meta['journal-ref']) || null,
    doi: text(meta.doi) || null,
    license: text(meta.license) || null,
    versions: created ? [{ version: 1, date: created }] : [],
    source: 'arxiv-oai',
  };
}

function withEntry(paper: PaperInput, opts: ImportOptions): IngestItem {
  const day = paper.publishedAt?.slice(0, 10);
  return {
    kind: 'paper',
    paper,
    entry: opts.daily && day ? { arxivId: paper.arxivId, day: announceDayAt(paper.publishedAt!), source: 'arxiv', submittedAt: paper.publishedAt! } : undefined,
  };
}

function recordsToItems(records: XmlNode[], opts: ImportOptions): { items: IngestItem[]; deleted: number } {
  const items: IngestItem[] = [];
  let deleted = 0;
  records.forEach((rec, i) => {
    const header = (rec.header ?? {}) as XmlNode;
    const ident = text(header.identifier);
    if (attr(header, 'status') === 'deleted') {
      deleted++;
      return;
    }
    const md = (rec.metadata ?? {}) as XmlNode;
    try {
      if (md.arXivRaw) items.push(withEntry(arxivRawToPaper(md.arXivRaw as XmlNode), opts));
      else if (md.arXiv) items.push(withEntry(arxivToPaper(md.arXiv as XmlNode), opts));
      else throw new Error('no arXiv or arXivRaw metadata');
    } catch (err) {
      items.push({ kind: 'error', message: `record ${i + 1} (${ident}): ${(err as Error).message}`, position: `record ${i + 1}` });
    }
  });
  return { items, deleted };
}

/** Parses one OAI-PMH response (ListRecords or GetRecord). */
export function parseOaiPage(xml: string, opts: ImportOptions = {}): OaiPage {
  const root = parseXml(xml)['OAI-PMH'] as XmlNode | undefined;
  if (!root) throw new Error('not an OAI-PMH response');
  const err = root.error;
  if (err) return { items: [], records: 0, deleted: 0, token: null, error: { code: attr(err, 'code') ?? 'unknown', message: text(err).trim() } };
  const container = (root.ListRecords ?? root.GetRecord ?? {}) as XmlNode;
  const records = list<XmlNode>(container.record);
  const { items, deleted } = recordsToItems(records, opts);
  const rt = container.resumptionToken;
  const token = text(rt).trim() || null;
  const size = attr(rt, 'completeListSize');
  const cursor = attr(rt, 'cursor');
  return {
    items,
    records: records.length,
    deleted,
    token,
    completeListSize: size ? Number(size) : undefined,
    cursor: cursor ? Number(cursor) : undefined,
  };
}

/** `import` of saved OAI-PMH responses. */
export async function* parseOaiFile(file: string, opts: ImportOptions = {}): AsyncGenerator<IngestItem> {
  const page = parseOaiPage(await readFile(file, 'utf8'), opts);
  if (page.error && page.error.code !== 'noRecordsMatch') yield { kind: 'error', message: `${file}: OAI-PMH error ${page.error.code}: ${page.error.message}` };
  yield* page.items;
}

// ---- harvesting ---------------------------------------------------------------------------

export interface OaiParams {
  metadataPrefix: MetadataPrefix;
  set?: string;
  /** Modification dates, YYYY-MM-DD. */
  from?: string;
  until?: string;
}

export interface HarvestDeps {
  http: HttpClient;
  importer: PaperSink;
  harvests: HarvestStore;
  /** OAI-PMH endpoint, e.g. https://oaipmh.arxiv.org/oai. */
  baseUrl: string;
  log?: Logger;
}

export interface HarvestSummary extends IngestCounts {
  key: string;
  pages: number;
  /** Records received (deleted ones included). */
  position: number;
  /** Whether this run continued a harvest an earlier run had started. */
  resumed: boolean;
  /** `partial`: stopped after `maxPages` with more to come; the next call continues from the saved token. */
  status: 'done' | 'partial';
}

export type HarvestOptions = ImportOptions & {
  /** Start over even when an unfinished harvest with these parameters exists. */
  restart?: boolean;
  signal?: AbortSignal;
  onPage?: (s: { pages: number; position: number; counts: IngestCounts }) => void;
  /** Stop after this many pages in this call (a slice of a long harvest); the harvest stays resumable. */
  maxPages?: number;
};

export function harvestKey(p: OaiParams): string {
  return `oai:${p.metadataPrefix}:${p.set ?? ''}:${p.from ?? ''}:${p.until ?? ''}`;
}

function listRecordsUrl(baseUrl: string, p: OaiParams, token: string | null): string {
  const q = new URLSearchParams({ verb: 'ListRecords' });
  if (token) q.set('resumptionToken', token);
  else {
    q.set('metadataPrefix', p.metadataPrefix);
    if (p.set) q.set('set', p.set);
    if (p.from) q.set('from', p.from);
    if (p.until) q.set('until', p.until);
  }
  return `${baseUrl}?${q.toString()}`;
}

function addCounts(a: IngestCounts, b: IngestCounts): IngestCounts {
  return {
    read: a.read + b.read,
    inserted: a.inserted + b.inserted,
    updated: a.updated + b.updated,
    skipped: a.skipped + b.skipped,
    errors: a.errors + b.errors,
  };
}

/**
 * Harvests ListRecords for `params` to the end, resuming a harvest with the same parameters that
 * an earlier run left unfinished. A token the server no longer accepts restarts the list from the
 * beginning once (the records already stored come back as unchanged).
 */
export async function harvestOai(deps: HarvestDeps, params: OaiParams, opts: HarvestOptions = {}): Promise<HarvestSummary> {
  const key = harvestKey(params);
  let state = await deps.harvests.get(key);
  // A failed run (retries exhausted, process killed) keeps its token: the next run continues from it.
  const resumed = !!state && state.status !== 'done' && state.pages > 0 && !!state.token && !opts.restart;
  if (!resumed) state = await deps.harvests.begin(key, 'arxiv-oai', { ...params });
  let token = state!.token;
  let pages = state!.pages;
  let position = state!.position;
  let counts = state!.counts;
  let restarted = false;
  let fetched = 0;
  try {
    for (;;) {
      if (opts.maxPages !== undefined && fetched >= opts.maxPages && token) return { key, ...counts, pages, position, resumed, status: 'partial' };
      opts.signal?.throwIfAborted();
      const url = listRecordsUrl(deps.baseUrl, params, token);
      const res = await deps.http.get(url, { group: 'arxiv', accept: 'text/xml', validate: assertWellFormed, signal: opts.signal });
      fetched++;
      const page = parseOaiPage(res.body, opts);
      if (page.error) {
        if (page.error.code === 'noRecordsMatch') {
          token = null;
        } else if (page.error.code === 'badResumptionToken' && token && !restarted) {
          deps.log?.warn({ key, pages }, 'OAI-PMH resumption token expired; restarting the list from the beginning');
          restarted = true;
          token = null;
          pages = 0;
          position = 0;
          await deps.harvests.begin(key, 'arxiv-oai', { ...params });
          continue;
        } else {
          throw new OaiError(page.error.code, page.error.message);
        }
      } else {
        const s = await deps.importer.run('arxiv-oai', `${url} (page ${pages + 1})`, page.items);
        counts = addCounts(counts, s);
        position += page.records;
        pages++;
        token = page.token;
      }
      // Committed: remember where the next page starts.
      await deps.harvests.savePage(key, token, position, pages, counts);
      opts.onPage?.({ pages, position, counts });
      if (!token) break;
    }
  } catch (err) {
    await deps.harvests.fail(key, (err as Error).message).catch(() => {});
    throw err;
  }
  return { key, ...counts, pages, position, resumed, status: 'done' };
}
