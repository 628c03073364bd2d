// Domain → Hugging Face Papers API shapes (field names as HF's /api/daily_papers returns them).
import type { Paper } from '../../domain/paper.ts';
import { commentCount } from '../../domain/counts.ts';
import type { ListedPaper } from '../../storage/daily.ts';
import { safeLink, safeLinks } from '../../domain/links.ts';

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
}

export function hfAuthorId(paperArxivId: string, position: number): string {
  return `${paperArxivId}:${position}`;
}

/** A paper in HF's shape; `upvotes` is the displayed count (src/domain/counts.ts), as on every page. */
export function toHfPaper(p: Paper): HfPaper {
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
  };
}

export function toHfDailyItem(it: ListedPaper) {
  const s = it.entry.submitter;
  return {
    paper: toHfPaper(it.paper),
    publishedAt: it.entry.submittedAt,
    title: it.paper.title,
    summary: it.paper.abstract,
    mediaUrls: safeLinks(it.entry.mediaUrls),
    thumbnail: safeLink(it.entry.thumbnailUrl ?? it.paper.thumbnailUrl),
    // HF's field counts every comment: those here and those the source reported.
    numComments: commentCount({ localComments: it.paper.numComments, sourceComments: it.paper.sourceComments }, it.paper.arxivId).total,
    submittedBy: s ? { name: s.name, fullname: s.fullname ?? s.name, avatarUrl: safeLink(s.avatarUrl, 'https://huggingface.co'), type: 'user' } : null,
  };
}
