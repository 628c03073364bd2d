// An action a signed-out reader asked for (▲, save, follow, comment, submit): it waits through the
// sign-in mail, and is done when they come back signed in (issue 19: "sign-in returns you").
// Written as a short string so it can ride in a link or a hidden field: "upvote:2410.17243".
// What was typed (a comment, a submission's note) never rides: it waits on the server as a draft
// (src/storage/pending-drafts.ts) and the string carries the draft's random key after a "~":
// "comment:2410.17243~Zq0…" (22 characters of base64url).

export type PendingAction =
  | { kind: 'upvote'; arxivId: string }
  | { kind: 'save'; arxivId: string }
  | { kind: 'follow-author'; name: string }
  | { kind: 'follow-category'; category: string }
  | { kind: 'comment'; arxivId: string; draft?: string }
  | { kind: 'submit'; paper: string; draft?: string };

/** The kinds whose typed text waits as a draft. */
export type DraftKind = 'comment' | 'submit';

/**
 * How long a draft waits for its sign-in: long enough for a slow mail, a link that expired and a
 * new one sent from the expired page; short enough that unposted text does not linger.
 */
export const DRAFT_MINUTES = 24 * 60;
/** Drafts one network may leave per hour (they are kept without an account). */
export const DRAFTS_PER_IP_PER_HOUR = 30;
/** A draft's key: 16 random bytes in base64url. */
export const DRAFT_KEY = /^[A-Za-z0-9_-]{22}$/;

const ARXIV = /^[\w./-]{4,40}$/;
const CATEGORY = /^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$/;
const WITH_DRAFT = /^(.*)~([A-Za-z0-9_-]{22})$/s;

/** Parses "kind:argument"; null for anything else (the action is then just not done). */
export function parsePending(raw: unknown): PendingAction | null {
  const s = typeof raw === 'string' ? raw.slice(0, 200) : '';
  const at = s.indexOf(':');
  if (at < 0) return null;
  const kind = s.slice(0, at);
  let arg = s.slice(at + 1).trim();
  let draft: string | undefined;
  if (kind === 'comment' || kind === 'submit') {
    const m = WITH_DRAFT.exec(arg);
    if (m) [arg, draft] = [m[1].trim(), m[2]];
  }
  if (!arg) return null;
  switch (kind) {
    case 'upvote':
    case 'save':
      return ARXIV.test(arg) ? { kind, arxivId: arg } : null;
    case 'comment':
      return ARXIV.test(arg) ? { kind, arxivId: arg, ...(draft ? { draft } : {}) } : null;
    case 'submit':
      return arg.length <= 120 ? { kind, paper: arg, ...(draft ? { draft } : {}) } : null;
    case 'follow-author':
      return arg.length <= 100 ? { kind, name: arg } : null;
    case 'follow-category':
      return CATEGORY.test(arg) && arg.length <= 32 ? { kind, category: arg } : null;
    default:
      return null;
  }
}

export function formatPending(a: PendingAction): string {
  switch (a.kind) {
    case 'upvote':
    case 'save':
      return `${a.kind}:${a.arxivId}`;
    case 'comment':
      return `comment:${a.arxivId}${a.draft ? `~${a.draft}` : ''}`;
    case 'submit':
      return `submit:${a.paper.slice(0, 120)}${a.draft ? `~${a.draft}` : ''}`;
    case 'follow-author':
      return `follow-author:${a.name}`;
    case 'follow-category':
      return `follow-category:${a.category}`;
  }
}

/** What the sign-in page promises: "your upvote of 2410.17243 is counted". */
export function describePending(a: PendingAction): string {
  switch (a.kind) {
    case 'upvote':
      return `your upvote of arXiv:${a.arxivId} is counted`;
    case 'save':
      return `arXiv:${a.arxivId} is saved to your reading list`;
    case 'comment':
      return a.draft ? `your comment on arXiv:${a.arxivId} is posted` : `you can post your comment on arXiv:${a.arxivId}`;
    case 'submit':
      return a.draft ? `arXiv:${a.paper} is submitted to today's list` : `you can submit ${a.paper}`;
    case 'follow-author':
      return `new papers by ${a.name} are added to your digest`;
    case 'follow-category':
      return `new papers in ${a.category} are added to your digest`;
  }
}
