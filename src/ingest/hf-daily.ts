// Hugging Face daily papers (GET /api/daily_papers): a bare JSON array of
// {paper: {id, title, summary, authors[{name}], publishedAt, upvotes, …}, publishedAt, title,
//  mediaUrls, thumbnail, numComments, submittedBy: {name, fullname, avatarUrl}}.
import { readFile } from 'node:fs/promises';
import { parseArxivId } from '../domain/arxiv-id.ts';
import type { PaperInput } from '../domain/paper.ts';
import { safeLink } from '../domain/links.ts';
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

export function hfItemToIngest(item: HfDailyItem, index: number): IngestItem {
  const p = item.paper;
  const parsed = parseArxivId(String(p?.id ?? ''));
  if (!p || !parsed) return { kind: 'error', message: `item ${index}: no arXiv id in paper.id`, position: `item ${index}` };
  const listedAt = item.publishedAt ?? p.publishedAt;
  if (!listedAt || Number.isNaN(Date.parse(listedAt)))
    return { kind: 'error', message: `item ${index} (${parsed.id}): no publishedAt`, position: `item ${index}` };
  const paper: PaperInput = {
    arxivId: parsed.id,
    version: parsed.version ?? 1,
    title: p.title ?? item.title ?? '',
    abstract: p.summary ?? '',
    authors: (p.authors ?? []).filter((a) => !a.hidden && a.name).map((a) => a.name!),
    categories: [],
    publishedAt: p.publishedAt ? new Date(p.publishedAt).toISOString() : null,
    codeUrl: p.githubRepo ?? null,
    projectUrl: p.projectPage ?? null,
    githubStars: typeof p.githubStars === 'number' ? p.githubStars : null,
    thumbnailUrl: item.thumbnail ?? null,
    versions: [],
    source: 'hf',
  };
  const sub = item.submittedBy;
  return {
    kind: 'paper',
    paper,
    entry: {
      arxivId: parsed.id,
      day: new Date(listedAt).toISOString().slice(0, 10),
      source: 'hf',
      submittedAt: new Date(listedAt).toISOString(),
      // HF gives some avatars as paths on its own site ("/avatars/…"): made absolute, http(s) only.
      submitter: sub?.name ? { name: sub.name, fullname: sub.fullname ?? null, avatarUrl: safeLink(sub.avatarUrl, 'https://huggingface.co') } : null,
      sourceUpvotes: p.upvotes ?? 0,
      sourceComments: item.numComments ?? 0,
      mediaUrls: item.mediaUrls ?? [],
      thumbnailUrl: item.thumbnail ?? null,
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
