// arXiv Atom query API: id_list lookups in batches and search_query paging. The API reports some
// errors (a malformed id, a bad query) as an HTTP 200 feed whose one entry is the error: that is
// an error, never a paper.
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import { announceDayAt } from '../domain/dates.ts';
import type { PaperInput, PaperVersion } from '../domain/paper.ts';
import { sharedSourceClient, type HttpClient } from './http.ts';
import type { ImportOptions, IngestItem } from './types.ts';
import { assertWellFormed, attr, isoDate, list, parseXml, text, type XmlNode } from './xml.ts';

export interface AtomPage {
  items: IngestItem[];
  papers: PaperInput[];
  /** Error entries the API sent with HTTP 200. */
  errors: string[];
  totalResults?: number;
  startIndex?: number;
  itemsPerPage?: number;
}

export class ArxivApiError extends Error {
  constructor(message: string) {
    super(`arXiv API: ${message}`);
    this.name = 'ArxivApiError';
  }
}

function isErrorEntry(e: XmlNode): boolean {
  return /\/api\/errors/.test(text(e.id)) || text(e.title).trim() === 'Error';
}

function atomEntryToPaper(e: XmlNode): PaperInput {
  const parsed = parseArxivId(text(e.id).trim());
  if (!parsed) throw new Error(`bad entry id ${JSON.stringify(text(e.id))}`);
  const version = parsed.version ?? 1;
  const published = isoDate(text(e.published));
  const updated = isoDate(text(e.updated)) ?? published;
  const versions: PaperVersion[] = [];
  if (published) versions.push({ version: 1, date: published });
  if (version > 1) versions.push({ version, date: updated ?? undefined });
  const categories = list(e.category)
    .map((c) => attr(c, 'term') ?? '')
    .filter(Boolean);
  return {
    arxivId: parsed.id,
    version,
    title: text(e.title),
    abstract: text(e.summary),
    authors: list<XmlNode>(e.author).map((a) => text(a.name)),
    categories,
    primaryCategory: attr(e.primary_category, 'term') ?? categories[0] ?? null,
    publishedAt: published,
    updatedAt: updated,
    comment: text(e.comment) || null,
    journalRef: text(e.journal_ref) || null,
    doi: text(e.doi) || null,
    versions,
    source: 'arxiv-atom',
  };
}

/** Parses one API response page. */
export function parseAtomPage(xml: string, opts: ImportOptions = {}): AtomPage {
  const feed = parseXml(xml).feed as XmlNode | undefined;
  if (!feed) throw new Error('not an Atom feed');
  const page: AtomPage = { items: [], papers: [], errors: [] };
  const num = (v: unknown) => (text(v).trim() ? Number(text(v)) : undefined);
  page.totalResults = num(feed.totalResults);
  page.startIndex = num(feed.startIndex);
  page.itemsPerPage = num(feed.itemsPerPage);
  list<XmlNode>(feed.entry).forEach((e, i) => {
    if (isErrorEntry(e)) {
      const msg = text(e.summary).trim() || text(e.id);
      page.errors.push(msg);
      page.items.push({ kind: 'error', message: `entry ${i + 1}: arXiv API error: ${msg}`, position: `entry ${i + 1}` });
      return;
    }
    try {
      const paper = atomEntryToPaper(e);
      page.papers.push(paper);
      const day = paper.publishedAt?.slice(0, 10);
      page.items.push({
        kind: 'paper',
        paper,
        entry: opts.daily && day ? { arxivId: paper.arxivId, day: announceDayAt(paper.publishedAt!), source: 'arxiv', submittedAt: paper.publishedAt! } : undefined,
      });
    } catch (err) {
      page.items.push({ kind: 'error', message: `entry ${i + 1}: ${(err as Error).message}`, position: `entry ${i + 1}` });
    }
  });
  return page;
}

export async function* parseAtomFile(file: string, opts: ImportOptions = {}): AsyncGenerator<IngestItem> {
  yield* parseAtomPage(await readFile(file, 'utf8'), opts).items;
}

// ---- network --------------------------------------------------------------------------------

export interface AtomClient {
  http: HttpClient;
  /** e.g. https://export.arxiv.org/api/query */
  apiUrl: string;
}

export function atomClient(cfg: Config, http?: HttpClient): AtomClient {
  return { http: http ?? sharedSourceClient(cfg), apiUrl: cfg.arxivApiUrl };
}

async function getPage(client: AtomClient, params: URLSearchParams, signal?: AbortSignal): Promise<AtomPage> {
  const res = await client.http.get(`${client.apiUrl}?${params.toString()}`, {
    group: 'arxiv',
    accept: 'application/atom+xml',
    validate: assertWellFormed,
    signal,
  });
  return parseAtomPage(res.body);
}

/** Looks papers up by id (with or without version), `batch` ids per request. Unknown ids are left out. */
export async function fetchArxivPapers(ids: string[], client: AtomClient, batch = 100): Promise<PaperInput[]> {
  const clean: string[] = [];
  for (const raw of ids) {
    const p = parseArxivId(raw);
    if (!p) throw new ArxivApiError(`not an arXiv id: ${JSON.stringify(raw)}`);
    clean.push(p.version ? `${p.id}v${p.version}` : p.id);
  }
  const out: PaperInput[] = [];
  for (let i = 0; i < clean.length; i += batch) {
    const chunk = clean.slice(i, i + batch);
    const page = await getPage(client, new URLSearchParams({ id_list: chunk.join(','), start: '0', max_results: String(chunk.length) }));
    if (page.errors.length) throw new ArxivApiError(page.errors.join('; '));
    out.push(...page.papers);
  }
  return out;
}

/** Pages through a search_query (e.g. "cat:cs.CL AND all:retrieval"), up to `max` results. */
export async function* searchArxiv(
  client: AtomClient,
  query: string,
  opts: { start?: number; max?: number; pageSize?: number; sortBy?: 'relevance' | 'lastUpdatedDate' | 'submittedDate'; signal?: AbortSignal } = {},
): AsyncGenerator<AtomPage> {
  const pageSize = opts.pageSize ?? 100;
  const max = opts.max ?? 1000;
  let start = opts.start ?? 0;
  const end = start + max;
  while (start < end) {
    const params = new URLSearchParams({ search_query: query, start: String(start), max_results: String(Math.min(pageSize, end - start)) });
    if (opts.sortBy) {
      params.set('sortBy', opts.sortBy);
      params.set('sortOrder', 'descending');
    }
    const page = await getPage(client, params, opts.signal);
    if (page.errors.length) throw new ArxivApiError(page.errors.join('; '));
    yield page;
    const got = page.items.length;
    start += got;
    if (got === 0 || (page.totalResults !== undefined && start >= page.totalResults)) break;
  }
}
