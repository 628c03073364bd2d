// arXiv RSS (rss.arxiv.org/rss/cs.LG+cs.CL): each item carries arxiv:announce_type. `new` and
// `cross` items are that day's arXiv listing (daily entries, source 'arxiv'); `replace` and
// `replace-cross` only bring a paper's new version.
import { readFile } from 'node:fs/promises';
import { parseArxivId } from '../domain/arxiv-id.ts';
import type { PaperInput } from '../domain/paper.ts';
import type { ImportSummary, PaperSink } from './types.ts';
import { eastern } from './eastern.ts';
import type { HttpClient, ValidatorStore } from './http.ts';
import type { IngestItem } from './types.ts';
import { assertWellFormed, isoDate, list, parseXml, splitAuthors, text, type XmlNode } from './xml.ts';

export interface RssItem {
  announceType: string;
  paper: PaperInput;
  /** Announcement day (US Eastern) when the item is part of the day's listing. */
  listedOn?: string;
}

const LISTED = new Set(['new', 'cross']);

/** Parses a feed; `day` is the announcement day (from the channel's pubDate, US Eastern). */
export function parseRss(xml: string): { day: string | null; items: IngestItem[]; types: Record<string, number> } {
  const channel = ((parseXml(xml).rss as XmlNode | undefined)?.channel ?? null) as XmlNode | null;
  if (!channel) throw new Error('not an RSS feed');
  const pub = isoDate(text(channel.pubDate)) ?? isoDate(text(channel.lastBuildDate));
  const day = pub ? eastern(new Date(pub)).day : null;
  const items: IngestItem[] = [];
  const types: Record<string, number> = {};
  list<XmlNode>(channel.item).forEach((it, i) => {
    const pos = `item ${i + 1}`;
    const desc = text(it.description);
    const idText = desc.match(/^\s*arXiv:(\S+)/)?.[1] ?? text(it.guid).replace(/^oai:arXiv\.org:/, '');
    const parsed = parseArxivId(idText) ?? parseArxivId(text(it.link));
    if (!parsed) {
      items.push({ kind: 'error', message: `${pos}: no arXiv id`, position: pos });
      return;
    }
    const type = (text(it.announce_type) || desc.match(/Announce Type:\s*(\S+)/)?.[1] || 'new').trim();
    types[type] = (types[type] ?? 0) + 1;
    const itemPub = isoDate(text(it.pubDate)) ?? pub;
    const version = parsed.version ?? 1;
    const categories = list(it.category).map((c) => text(c).trim());
    const paper: PaperInput = {
      arxivId: parsed.id,
      version,
      title: text(it.title),
      abstract: desc.replace(/^[\s\S]*?Abstract:\s*/, ''),
      authors: list(it.creator).flatMap((c) => splitAuthors(text(c))),
      categories,
      primaryCategory: null,
      // A new v1 is first seen on its announcement; other types say nothing about the first version.
      publishedAt: type === 'new' && version === 1 ? itemPub : null,
      updatedAt: itemPub,
      doi: text(it.DOI) || null,
      journalRef: text(it.journal_reference) || null,
      license: text(it.rights) || null,
      versions: [{ version, date: itemPub ?? undefined }],
      source: 'arxiv-rss',
    };
    const itemDay = itemPub ? eastern(new Date(itemPub)).day : day;
    items.push({
      kind: 'paper',
      paper,
      entry: LISTED.has(type) && itemDay ? { arxivId: paper.arxivId, day: itemDay, source: 'arxiv', submittedAt: itemPub ?? `${itemDay}T00:00:00.000Z` } : undefined,
    });
  });
  return { day, items, types };
}

export async function* parseRssFile(file: string): AsyncGenerator<IngestItem> {
  yield* parseRss(await readFile(file, 'utf8')).items;
}

export interface RssSyncResult {
  url: string;
  notModified: boolean;
  day: string | null;
  types: Record<string, number>;
  summary?: ImportSummary;
}

/** Fetches the feed of `categories` (conditionally) and imports it. */
export async function syncRss(
  deps: { http: HttpClient; importer: PaperSink; rssUrl: string; validators?: ValidatorStore },
  categories: string[],
  opts: { signal?: AbortSignal } = {},
): Promise<RssSyncResult> {
  const url = `${deps.rssUrl}/${categories.map(encodeURIComponent).join('+')}`;
  const res = await deps.http.get(url, { group: 'arxiv', conditional: true, accept: 'application/rss+xml', validate: assertWellFormed, signal: opts.signal, validators: deps.validators });
  if (res.notModified) return { url, notModified: true, day: null, types: {} };
  const feed = parseRss(res.body);
  const summary = await deps.importer.run('arxiv-rss', url, feed.items);
  await res.commit();
  return { url, notModified: false, day: feed.day, types: feed.types, summary };
}
