// The paper as every source normalises it before it is stored.
import { httpUrl, pickCodeLink } from './code-links.ts';

export interface PaperVersion {
  version: number;
  /** ISO time the version was submitted, when known. */
  date?: string;
}

export interface PaperInput {
  /** arXiv id without version. */
  arxivId: string;
  /** Latest known version number (1 when unknown). */
  version: number;
  title: string;
  abstract: string;
  /** Author names in paper order. */
  authors: string[];
  categories: string[];
  primaryCategory?: string | null;
  /** ISO time of the first version. */
  publishedAt?: string | null;
  /** ISO time of the latest version. */
  updatedAt?: string | null;
  comment?: string | null;
  journalRef?: string | null;
  doi?: string | null;
  license?: string | null;
  codeUrl?: string | null;
  projectUrl?: string | null;
  thumbnailUrl?: string | null;
  githubStars?: number | null;
  versions?: PaperVersion[];
  /** Which source produced this record: arxiv-oai, arxiv-atom, arxiv-rss, kaggle, hf, jsonl, sample, submission. */
  source: string;
}

export interface Paper {
  id: number;
  arxivId: string;
  version: number;
  title: string;
  abstract: string;
  authors: string[];
  categories: string[];
  primaryCategory: string | null;
  publishedAt: string | null;
  updatedAt: string | null;
  comment: string | null;
  journalRef: string | null;
  doi: string | null;
  license: string | null;
  codeUrl: string | null;
  projectUrl: string | null;
  thumbnailUrl: string | null;
  /** Content hash of the first-page image this instance rendered (src/services/thumbnails.ts), when there is one. */
  thumbnailKey?: string | null;
  githubStars: number | null;
  versions: PaperVersion[];
  /** The upvotes every page and answer shows: displayedUpvotes() of src/domain/counts.ts (local + source). */
  upvotes: number;
  /** Upvotes cast on this instance. */
  localUpvotes: number;
  /** Upvotes the listing source (Hugging Face) reported. */
  sourceUpvotes: number;
  /** Comments readable on this instance; see commentCount() in src/domain/counts.ts for what to show. */
  numComments: number;
  /** Comments the source reported (not imported). */
  sourceComments: number;
  source: string;
  createdAt: string;
  modifiedAt: string;
}

export interface Submitter {
  /** Username (HF `name`). */
  name: string;
  fullname?: string | null;
  avatarUrl?: string | null;
  userId?: number | null;
}

export interface DailyEntryInput {
  arxivId: string;
  day: string;
  /** hf, arxiv, submission, curator. */
  source: string;
  submittedAt: string;
  submitter?: Submitter | null;
  /** Rank inputs recorded with the entry: upvotes and comments seen at the source. */
  sourceUpvotes?: number;
  sourceComments?: number;
  mediaUrls?: string[];
  thumbnailUrl?: string | null;
  comment?: string | null;
}

export interface DailyEntry {
  id: number;
  paperId: number;
  day: string;
  source: string;
  submittedAt: string;
  submitter: Submitter | null;
  sourceUpvotes: number;
  sourceComments: number;
  mediaUrls: string[];
  thumbnailUrl: string | null;
  comment: string | null;
}

/** Sources whose placement on a day's list wins over an automatic arXiv listing. */
export const CURATED_SOURCES = new Set(['hf', 'submission', 'curator']);

export class InvalidRecord extends Error {}

/** Collapses white space the way arXiv metadata needs (titles and abstracts wrap lines). */
export function cleanText(s: string | null | undefined): string {
  // Only runs that are not already a single space are replaced (same result as /\s+/ → ' ', a third of the time).
  return (s ?? '').replace(/ \s+|[^\S ]\s*/g, ' ').trim();
}

/** Bounds of what a stored record may hold (arXiv's longest titles and abstracts are far below). */
export const RECORD_LIMITS = { title: 2000, abstract: 100_000, text: 10_000, author: 500, authors: 10_000, categories: 100, versions: 1000 };

/** A text field: a string, a number written out, else nothing (objects, arrays and booleans are not text). */
const textOf = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' && Number.isFinite(v) ? String(v) : null);
const isoOf = (v: unknown): string | null => {
  const s = textOf(v);
  if (!s || s.length > 64) return null;
  // Kept as the source wrote it (sources give ISO times); only unreadable values are dropped.
  return Number.isNaN(Date.parse(s)) ? null : s;
};

/**
 * Checks and tidies a record before it is stored; throws InvalidRecord with the reason. Records
 * come from files and services that may hold anything: every field is type-checked here, so a
 * field of the wrong type skips its record (counted) instead of aborting the import.
 */
export function normalisePaper(p: PaperInput): PaperInput {
  if (!p || typeof p !== 'object') throw new InvalidRecord('not a record');
  if (!p.arxivId || typeof p.arxivId !== 'string') throw new InvalidRecord('missing arXiv id');
  const title = cleanText(textOf(p.title));
  if (!title) throw new InvalidRecord(`${p.arxivId}: missing title`);
  if (title.length > RECORD_LIMITS.title) throw new InvalidRecord(`${p.arxivId}: title longer than ${RECORD_LIMITS.title} characters`);
  const abstract = cleanText(textOf(p.abstract));
  if (abstract.length > RECORD_LIMITS.abstract) throw new InvalidRecord(`${p.arxivId}: abstract longer than ${RECORD_LIMITS.abstract} characters`);
  const list = (v: unknown, max: number) => (Array.isArray(v) ? v.slice(0, max).map(textOf).filter((x): x is string => x !== null) : []);
  const authors = list(p.authors, RECORD_LIMITS.authors)
    .map(cleanText)
    .filter((a) => a && a.length <= RECORD_LIMITS.author);
  const categories = [...new Set(list(p.categories, RECORD_LIMITS.categories).map((c) => c.trim()).filter((c) => c && c.length <= 64))];
  const short = (v: unknown) => cleanText(textOf(v)).slice(0, RECORD_LIMITS.text) || null;
  const version = Number.isInteger(p.version) && p.version > 0 && p.version < 10_000 ? p.version : 1;
  const versions = Array.isArray(p.versions)
    ? p.versions
        .slice(0, RECORD_LIMITS.versions)
        .filter((v) => v && typeof v === 'object' && Number.isInteger(v.version) && v.version > 0 && v.version < 10_000)
        .map((v) => ({ version: v.version, ...(isoOf(v.date) ? { date: isoOf(v.date)! } : {}) }))
    : undefined;
  const primary = textOf(p.primaryCategory)?.trim();
  const comment = short(p.comment);
  return {
    ...p,
    version,
    title,
    abstract,
    authors,
    categories,
    primaryCategory: (primary && primary.length <= 64 ? primary : null) || categories[0] || null,
    publishedAt: p.publishedAt === undefined ? undefined : isoOf(p.publishedAt),
    updatedAt: p.updatedAt === undefined ? undefined : isoOf(p.updatedAt),
    comment,
    journalRef: short(p.journalRef),
    doi: short(p.doi),
    license: p.license === undefined ? undefined : short(p.license),
    // Imported links are http(s) only; a paper without a code link gets the repository its comment or abstract names.
    codeUrl: pickCodeLink(textOf(p.codeUrl), comment, abstract) ?? (p.codeUrl === undefined ? undefined : httpUrl(textOf(p.codeUrl))),
    projectUrl: p.projectUrl === undefined ? undefined : textOf(p.projectUrl),
    thumbnailUrl: p.thumbnailUrl === undefined ? undefined : textOf(p.thumbnailUrl),
    githubStars: typeof p.githubStars === 'number' && Number.isFinite(p.githubStars) ? Math.max(0, Math.round(p.githubStars)) : p.githubStars === undefined ? undefined : null,
    versions,
    source: textOf(p.source) || 'unknown',
  };
}

/** Normalised key for an author name: case, accents and spacing folded. */
export function authorKey(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}
