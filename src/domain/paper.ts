// The paper as every source normalises it before it is stored.

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
  githubStars: number | null;
  versions: PaperVersion[];
  upvotes: number;
  numComments: number;
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

/** Checks and tidies a record before it is stored; throws InvalidRecord with the reason. */
export function normalisePaper(p: PaperInput): PaperInput {
  const title = cleanText(p.title);
  if (!p.arxivId) throw new InvalidRecord('missing arXiv id');
  if (!title) throw new InvalidRecord(`${p.arxivId}: missing title`);
  const authors = p.authors.map(cleanText).filter(Boolean);
  const categories = [...new Set(p.categories.map((c) => c.trim()).filter(Boolean))];
  return {
    ...p,
    version: p.version > 0 ? p.version : 1,
    title,
    abstract: cleanText(p.abstract),
    authors,
    categories,
    primaryCategory: p.primaryCategory || categories[0] || null,
    comment: cleanText(p.comment) || null,
    journalRef: cleanText(p.journalRef) || null,
    doi: cleanText(p.doi) || null,
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
