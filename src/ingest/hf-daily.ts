// Hugging Face daily papers (GET /api/daily_papers): a bare JSON array of
// {paper: {id, title, summary, authors[{name}], publishedAt, upvotes, …}, publishedAt, title,
//  mediaUrls, thumbnail, numComments, submittedBy: {name, fullname, avatarUrl}}.
import { readFile } from 'node:fs/promises';
import { parseArxivId } from '../domain/arxiv-id.ts';
import type { PaperInput } from '../domain/paper.ts';
import { safeLink, safeLinks } from '../domain/links.ts';
import type { IngestItem } from './types.ts';

export interface HfDailyItem {
  paper?: {
    id?: string;
    title?: string;
    summary?: string;
    authors?: { name?: string; hidden?: boolean }[];
    publishedAt?: string;
    upvotes?: number;
    githubRepo?: string;
    githubStars?: number;
    projectPage?: string;
  };
  publishedAt?: string;
  title?: string;
  thumbnail?: string;
  mediaUrls?: string[];
  numComments?: number;
  submittedBy?: { name?: string; fullname?: string; avatarUrl?: string };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const obj = <T>(v: unknown): T | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as T) : undefined);
const validDate = (v: unknown): string | undefined => {
  const s = str(v);
  return s && s.length < 64 && !Number.isNaN(Date.parse(s)) ? s : undefined;
};

/** One HF item as an ingest item; a record of the wrong shape or types is an error item, never a throw. */
export function hfItemToIngest(raw: HfDailyItem, index: number): IngestItem {
  const item = obj<HfDailyItem>(raw) ?? {};
  const p = obj<NonNullable<HfDailyItem['paper']>>(item.paper);
  const parsed = parseArxivId(String(str(p?.id) ?? ''));
  if (!p || !parsed) return { kind: 'error', message: `item ${index}: no arXiv id in paper.id`, position: `item ${index}` };
  const listedAt = validDate(item.publishedAt) ?? validDate(p.publishedAt);
  if (!listedAt) return { kind: 'error', message: `item ${index} (${parsed.id}): no publishedAt`, position: `item ${index}` };
  const published = validDate(p.publishedAt);
  const paper: PaperInput = {
    arxivId: parsed.id,
    version: parsed.version ?? 1,
    title: str(p.title) ?? str(item.title) ?? '',
    abstract: str(p.summary) ?? '',
    authors: (Array.isArray(p.authors) ? p.authors : [])
      .map((a) => obj<{ name?: unknown; hidden?: unknown }>(a))
      .filter((a) => a && !a.hidden && str(a.name))
      .map((a) => str(a!.name)!),
    categories: [],
    publishedAt: published ? new Date(published).toISOString() : null,
    // Links: only http(s) is kept (src/domain/links.ts; storage applies the same rule).
    codeUrl: safeLink(p.githubRepo),
    projectUrl: safeLink(p.projectPage),
    githubStars: num(p.githubStars) ?? null,
    thumbnailUrl: safeLink(item.thumbnail),
    versions: [],
    source: 'hf',
  };
  const sub = obj<NonNullable<HfDailyItem['submittedBy']>>(item.submittedBy);
  return {
    kind: 'paper',
    paper,
    entry: {
      arxivId: parsed.id,
      day: new Date(listedAt).toISOString().slice(0, 10),
      source: 'hf',
      submittedAt: new Date(listedAt).toISOString(),
      // HF gives some avatars as paths on its own site ("/avatars/…"): made absolute, http(s) only.
      submitter: str(sub?.name) ? { name: sub!.name!, fullname: str(sub!.fullname) ?? null, avatarUrl: safeLink(sub!.avatarUrl, 'https://huggingface.co') } : null,
      sourceUpvotes: num(p.upvotes) ?? 0,
      sourceComments: num(item.numComments) ?? 0,
      mediaUrls: safeLinks(item.mediaUrls),
      thumbnailUrl: safeLink(item.thumbnail),
    },
  };
}

export function parseHfDaily(json: unknown): IngestItem[] {
  if (!Array.isArray(json)) return [{ kind: 'error', message: 'expected a JSON array of daily papers' }];
  return json.map((item, i) => hfItemToIngest(item as HfDailyItem, i));
}

export async function parseHfDailyFile(file: string): Promise<IngestItem[]> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    return [{ kind: 'error', message: `${file}: not JSON (${(err as Error).message})` }];
  }
  return parseHfDaily(json);
}
