// A submitter's edit of a paper's code and project links: whoever put the paper on a daily list
// (or a curator) may set or clear them. Links are http(s) only; a link to a code host is stored in
// its canonical repository form, so the GitHub sync can read its stars.
import { errors } from '../domain/errors.ts';
import { httpUrl, repoUrl } from '../domain/code-links.ts';
import type { PaperService } from './papers.ts';
import type { GithubStore } from '../storage/agents.ts';
import type { RateLimiter } from './rate-limit.ts';
import { isCurator } from './accounts.ts';

/** Edits one account may make per hour. */
const PER_HOUR = 30;

export interface LinkEdit {
  /** A URL, '' to clear, or absent to keep. */
  code?: string;
  project?: string;
}

function checked(raw: string | undefined, what: string, repo: boolean): string | null | undefined {
  if (raw === undefined) return undefined;
  const s = raw.trim();
  if (!s) return null;
  const url = (repo ? repoUrl(s) : null) ?? httpUrl(s);
  if (!url) throw errors.badRequest(`The ${what} link must be an http(s) URL.`);
  return url;
}

export async function editPaperLinks(
  d: { papers: PaperService; store: GithubStore; limiter: RateLimiter },
  viewer: { id: number; role: string },
  idOrUrl: string,
  edit: LinkEdit,
): Promise<void> {
  const v = await d.papers.get(idOrUrl);
  const submitterId = v.entry?.submitter?.userId ?? null;
  if (!isCurator(viewer) && (submitterId === null || submitterId !== viewer.id))
    throw errors.forbidden("Only the paper's submitter or a curator may edit its links.");
  const code = checked(edit.code, 'code', true);
  const project = checked(edit.project, 'project page', false);
  if (code === undefined && project === undefined) throw errors.badRequest('Give githubRepo and/or projectPage.');
  await d.limiter.consume(`links:${viewer.id}`, PER_HOUR, 3600, 'Too many link edits.');
  await d.store.setLinks(v.paper.id, { code, project });
}
