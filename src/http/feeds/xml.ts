// RSS 2.0 and Atom 1.0 documents from a list of papers. Every text is entity-escaped and stripped
// of characters XML 1.0 forbids; GUIDs are the arXiv abstract URLs (stable across instances and
// rebuilds); every link is absolute, from the instance's public URL.
import type { Paper } from '../../domain/paper.ts';
import { arxivLinks } from '../../domain/arxiv-id.ts';
import { plainText } from '../present/math.ts';
import { escapeHtml } from '../../domain/text.ts';

export interface FeedItem {
  paper: Paper;
  /** When the paper entered this list (daily lists: its submission time); else its publication. */
  date?: string | null;
  upvotes?: number;
}

export interface FeedMeta {
  title: string;
  description: string;
  /** Absolute URL of the page this feed mirrors. */
  pageUrl: string;
  /** Absolute URL of the feed itself. */
  selfUrl: string;
}

// XML 1.0 allows tab, LF, CR and U+0020 upward, minus surrogates and U+FFFE/U+FFFF.
const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** The one escaper (src/domain/text.ts), after dropping the characters XML 1.0 cannot carry. */
export function xmlEscape(s: unknown): string {
  return escapeHtml(String(s ?? '').replace(INVALID_XML, ''));
}

const itemDate = (it: FeedItem) => it.date ?? it.paper.publishedAt ?? it.paper.modifiedAt;

/** The newest item date, else now: the feed's lastBuildDate / updated. */
function newest(items: FeedItem[]): Date {
  const times = items.map((i) => Date.parse(itemDate(i) ?? '')).filter((t) => Number.isFinite(t));
  return new Date(times.length ? Math.max(...times) : Date.now());
}

function summary(it: FeedItem): string {
  const p = it.paper;
  const authors = p.authors.length > 12 ? `${p.authors.slice(0, 12).join(', ')} et al.` : p.authors.join(', ');
  return `${authors}\n\n${p.abstract.trim()}`;
}

export function rss(meta: FeedMeta, items: FeedItem[], base: string): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">',
    '<channel>',
    `<title>${xmlEscape(meta.title)}</title>`,
    `<link>${xmlEscape(meta.pageUrl)}</link>`,
    `<description>${xmlEscape(meta.description)}</description>`,
    `<atom:link href="${xmlEscape(meta.selfUrl)}" rel="self" type="application/rss+xml"/>`,
    '<language>en</language>',
    `<lastBuildDate>${newest(items).toUTCString()}</lastBuildDate>`,
    '<generator>Paperboy</generator>',
    '<ttl>60</ttl>',
  ];
  for (const it of items) {
    const p = it.paper;
    const d = itemDate(it);
    out.push(
      '<item>',
      `<title>${xmlEscape(plainText(p.title))}</title>`,
      `<link>${xmlEscape(`${base}/papers/${p.arxivId}`)}</link>`,
      `<guid isPermaLink="true">${xmlEscape(arxivLinks(p.arxivId).abs)}</guid>`,
      `<description>${xmlEscape(summary(it))}</description>`,
      ...(d ? [`<pubDate>${new Date(d).toUTCString()}</pubDate>`] : []),
      ...p.authors.map((a) => `<dc:creator>${xmlEscape(a)}</dc:creator>`),
      ...p.categories.map((c) => `<category domain="https://arxiv.org/archive">${xmlEscape(c)}</category>`),
      `<comments>${xmlEscape(`${base}/papers/${p.arxivId}#comments`)}</comments>`,
      '</item>',
    );
  }
  out.push('</channel>', '</rss>', '');
  return out.join('\n');
}

export function atom(meta: FeedMeta, items: FeedItem[], base: string): string {
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom">',
    `<id>${xmlEscape(meta.selfUrl)}</id>`,
    `<title>${xmlEscape(meta.title)}</title>`,
    `<subtitle>${xmlEscape(meta.description)}</subtitle>`,
    `<updated>${newest(items).toISOString()}</updated>`,
    `<link rel="self" type="application/atom+xml" href="${xmlEscape(meta.selfUrl)}"/>`,
    `<link rel="alternate" type="text/html" href="${xmlEscape(meta.pageUrl)}"/>`,
    '<author><name>Paperboy</name></author>',
    '<generator>Paperboy</generator>',
  ];
  for (const it of items) {
    const p = it.paper;
    const d = itemDate(it);
    const published = p.publishedAt ? new Date(p.publishedAt).toISOString() : undefined;
    out.push(
      '<entry>',
      `<id>${xmlEscape(arxivLinks(p.arxivId).abs)}</id>`,
      `<title>${xmlEscape(plainText(p.title))}</title>`,
      `<link rel="alternate" type="text/html" href="${xmlEscape(`${base}/papers/${p.arxivId}`)}"/>`,
      `<link rel="related" type="application/pdf" href="${xmlEscape(arxivLinks(p.arxivId).pdf)}"/>`,
      `<updated>${new Date(d ?? Date.now()).toISOString()}</updated>`,
      ...(published ? [`<published>${published}</published>`] : []),
      ...p.authors.map((a) => `<author><name>${xmlEscape(a)}</name></author>`),
      ...p.categories.map((c) => `<category term="${xmlEscape(c)}"/>`),
      `<summary type="text">${xmlEscape(summary(it))}</summary>`,
      '</entry>',
    );
  }
  out.push('</feed>', '');
  return out.join('\n');
}
