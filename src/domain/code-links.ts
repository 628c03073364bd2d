// Code links: repository URLs found in an abstract, an arXiv comment ("Code: https://github.com/…"),
// a Hugging Face record or a submitter's edit, and the GitHub repository they name. No I/O.
//
// Whether a link may be kept at all is src/domain/links.ts's rule (http(s) only); this module adds
// what a code link is.
import { safeLink } from './links.ts';

/** Longest text scanned for links (abstracts are ~1,900 characters; comments ~300). */
const MAX_SCAN = 20_000;
/** Longest URL kept as a code link. */
const MAX_URL = 300;

/** The URL when links.ts accepts it (absolute http(s), no credentials) and it is at most MAX_URL long, else null. */
export function httpUrl(raw: string | null | undefined): string | null {
  const s = safeLink(raw);
  return s && s.length <= MAX_URL ? s : null;
}

/** Hosts whose /owner/repo paths are code repositories. */
const CODE_HOSTS = new Set(['github.com', 'www.github.com', 'gitlab.com', 'www.gitlab.com', 'bitbucket.org', 'codeberg.org']);
/** First path segments of those hosts that are not owners. */
const NOT_OWNERS = new Set([
  'about',
  'apps',
  'blog',
  'collections',
  'enterprise',
  'explore',
  'features',
  'login',
  'marketplace',
  'orgs',
  'pricing',
  'search',
  'settings',
  'sponsors',
  'topics',
  'users',
  'join',
]);
const SEGMENT = /^[A-Za-z0-9_.-]{1,100}$/;

/**
 * The canonical repository URL (https://host/owner/repo, no ".git", no deeper path) of a link to a
 * code host, or null when the link is not one.
 */
export function repoUrl(raw: string | null | undefined): string | null {
  const s = httpUrl(raw);
  if (!s) return null;
  const u = new URL(s);
  const host = u.hostname.toLowerCase();
  if (!CODE_HOSTS.has(host)) return null;
  const [owner, repo] = u.pathname.split('/').filter(Boolean);
  if (!owner || !repo || !SEGMENT.test(owner) || !SEGMENT.test(repo) || NOT_OWNERS.has(owner.toLowerCase())) return null;
  const name = repo.replace(/\.git$/i, '');
  if (!name || name === '.' || name === '..') return null;
  return `https://${host.replace(/^www\./, '')}/${owner}/${name}`;
}

/** "owner/repo" of a GitHub repository URL, or null for any other link. */
export function githubRepo(url: string | null | undefined): { owner: string; repo: string; fullName: string } | null {
  const r = repoUrl(url);
  if (!r) return null;
  const m = r.match(/^https:\/\/github\.com\/([^/]+)\/([^/]+)$/);
  return m ? { owner: m[1], repo: m[2], fullName: `${m[1]}/${m[2]}` } : null;
}

/**
 * Repository links in free text, in order of appearance, without duplicates. Authors write
 * "Code: https://github.com/a/b.", "(github.com/a/b)", "available at https://github.com/a/b/tree/main":
 * trailing punctuation is dropped and a missing scheme is taken as https.
 */
export function findRepoLinks(text: string | null | undefined): string[] {
  if (!text) return [];
  const s = text.slice(0, MAX_SCAN);
  const out: string[] = [];
  // Bounded pieces only: a host among a few, then up to 200 URL characters.
  const re = /(?:https?:\/\/)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org)\/[\w.\-/~%#?=&+]{1,200}/gi;
  for (const m of s.matchAll(re)) {
    const raw = m[0].replace(/[.,;:)\]}>'"]+$/, '');
    const url = repoUrl(/^https?:\/\//i.test(raw) ? raw : `https://${raw}`);
    if (url && !out.includes(url)) out.push(url);
    if (out.length >= 10) break;
  }
  return out;
}

/** The code link a paper should carry: the source's own (when a repository), else the first one in the comment, then the abstract. */
export function pickCodeLink(given: string | null | undefined, comment: string | null | undefined, abstract: string | null | undefined): string | null {
  return repoUrl(given) ?? findRepoLinks(comment)[0] ?? findRepoLinks(abstract)[0] ?? null;
}
