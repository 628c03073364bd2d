// Domain → Hugging Face Papers API shapes (field names as HF's /api/daily_papers returns them).
import type { Paper } from '../../domain/paper.ts';
import { commentCount } from '../../domain/counts.ts';
import type { ListedPaper } from '../../storage/daily.ts';
import { safeLink, safeLinks } from '../../domain/links.ts';
import type { AiSummary } from '../../storage/agents.ts';
import { thumbnailPath } from '../../services/thumbnails.ts';

export interface HfAuthor {
  _id: string;
  name: string;
  hidden: boolean;
}

export interface HfPaper {
  id: string;
  authors: HfAuthor[];
  publishedAt: string | null;
  title: string;
  summary: string;
  upvotes: number;
  discussionId: string;
  githubRepo?: string;
  githubStars?: number;
  projectPage?: string;
  /** Paperboy's additions: HF clients ignore unknown fields. */
  categories: string[];
  primaryCategory: string | null;
  version: number;
  comment: string | null;
  journalRef: string | null;
  doi: string | null;
  /** HF's AI summary and keywords, with the model that wrote them (Paperboy: ai_model). */
  ai_summary?: string;
  ai_keywords?: string[];
  ai_model?: string;
}

/** The AI fields of a paper, in HF's names, when it has a summary. */
export function aiFields(ai?: AiSummary): Pick<HfPaper, 'ai_summary' | 'ai_keywords' | 'ai_model'> {
  return ai ? { ai_summary: ai.summary, ai_keywords: ai.keywords, ai_model: ai.model } : {};
}

/** The thumbnail of a listed paper: this instance's rendered first page, else the source's image. */
export function thumbnailUrl(p: Paper, entryThumb: string | null | undefined, base: string): string | null {
  if (p.thumbnailKey) return `${base}${thumbnailPath(p.arxivId, p.thumbnailKey)}`;
  return safeLink(entryThumb ?? p.thumbnailUrl);
}

export function hfAuthorId(paperArxivId: string, position: number): string {
  return `${paperArxivId}:${position}`;
}

/** A paper in HF's shape; `upvotes` is the displayed count (src/domain/counts.ts), as on every page. */
export function toHfPaper(p: Paper, ai?: AiSummary): HfPaper {
  return {
    id: p.arxivId,
    authors: p.authors.map((name, i) => ({ _id: hfAuthorId(p.arxivId, i), name, hidden: false })),
    publishedAt: p.publishedAt,
    title: p.title,
    summary: p.abstract,
    upvotes: p.upvotes,
    discussionId: `paper-${p.id}`,
    // Links again through the one rule (rows stored before it existed may hold others).
    ...(safeLink(p.codeUrl) ? { githubRepo: p.codeUrl! } : {}),
    ...(p.githubStars != null ? { githubStars: p.githubStars } : {}),
    ...(safeLink(p.projectUrl) ? { projectPage: p.projectUrl! } : {}),
    categories: p.categories,
    primaryCategory: p.primaryCategory,
    version: p.version,
    comment: p.comment,
    journalRef: p.journalRef,
    doi: p.doi,
    ...aiFields(ai),
  };
}

/**
 * Fields HF's client (huggingface_hub's PaperInfo) reads from the top level of a list item rather
 * than from `paper`: the code and project links and the AI summary.
 */
function topLevelExtras(p: Paper, ai?: AiSummary) {
  return {
    ...(safeLink(p.codeUrl) ? { githubRepo: p.codeUrl! } : {}),
    ...(p.githubStars != null ? { githubStars: p.githubStars } : {}),
    ...(safeLink(p.projectUrl) ? { projectPage: p.projectUrl! } : {}),
    ...(ai ? { ai_summary: ai.summary, ai_keywords: ai.keywords } : {}),
  };
}

export function toHfDailyItem(it: ListedPaper, x: { ai?: AiSummary; base?: string } = {}) {
  const s = it.entry.submitter;
  return {
    paper: toHfPaper(it.paper, x.ai),
    publishedAt: it.entry.submittedAt,
    title: it.paper.title,
    summary: it.paper.abstract,
    mediaUrls: safeLinks(it.entry.mediaUrls),
    thumbnail: thumbnailUrl(it.paper, it.entry.thumbnailUrl, x.base ?? ''),
    // HF's field counts every comment: those here and those the source reported.
    numComments: commentCount({ localComments: it.paper.numComments, sourceComments: it.paper.sourceComments }, it.paper.arxivId).total,
    // `user` is the user name as HF's User object reads it.
    submittedBy: s ? { name: s.name, user: s.name, fullname: s.fullname ?? s.name, avatarUrl: safeLink(s.avatarUrl, 'https://huggingface.co'), type: 'user' } : null,
    ...topLevelExtras(it.paper, x.ai),
  };
}

/**
 * A search hit in HF's /api/papers/search shape: the paper, and its title, summary, dates,
 * thumbnail and comment count at the top level too, plus where the query matched (`highlights`,
 * escaped text with <mark>…</mark>).
 */
export function toHfSearchItem(
  h: { paper: Paper; snippet?: string },
  x: { ai?: AiSummary; base: string; highlightedTitle?: string },
) {
  const p = h.paper;
  return {
    paper: toHfPaper(p, x.ai),
    title: p.title,
    summary: p.abstract,
    publishedAt: p.publishedAt,
    thumbnail: thumbnailUrl(p, null, x.base),
    numComments: commentCount({ localComments: p.numComments, sourceComments: p.sourceComments }, p.arxivId).total,
    mediaUrls: [] as string[],
    highlights: { title: x.highlightedTitle ?? null, summary: h.snippet || null },
    ...topLevelExtras(p, x.ai),
  };
}
