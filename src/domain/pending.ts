// An action a signed-out reader asked for (▲, save, follow, comment, submit): it waits through the
// sign-in mail, and is done when they come back signed in (issue 19: "sign-in returns you").
// Written as a short string so it can ride in a link or a hidden field: "upvote:2410.17243".

export type PendingAction =
  | { kind: 'upvote'; arxivId: string }
  | { kind: 'save'; arxivId: string }
  | { kind: 'follow-author'; name: string }
  | { kind: 'follow-category'; category: string }
  | { kind: 'comment'; arxivId: string }
  | { kind: 'submit'; paper: string };

const ARXIV = /^[\w./-]{4,40}$/;
const CATEGORY = /^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$/;

/** Parses "kind:argument"; null for anything else (the action is then just not done). */
export function parsePending(raw: unknown): PendingAction | null {
  const s = typeof raw === 'string' ? raw.slice(0, 200) : '';
  const at = s.indexOf(':');
  if (at < 0) return null;
  const kind = s.slice(0, at);
  const arg = s.slice(at + 1).trim();
  if (!arg) return null;
  switch (kind) {
    case 'upvote':
    case 'save':
    case 'comment':
      return ARXIV.test(arg) ? { kind, arxivId: arg } : null;
    case 'submit':
      return arg.length <= 120 ? { kind, paper: arg } : null;
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
    case 'comment':
      return `${a.kind}:${a.arxivId}`;
    case 'submit':
      return `submit:${a.paper}`;
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
      return `you can post your comment on arXiv:${a.arxivId}`;
    case 'submit':
      return `you can submit ${a.paper}`;
    case 'follow-author':
      return `new papers by ${a.name} are added to your digest`;
    case 'follow-category':
      return `new papers in ${a.category} are added to your digest`;
  }
}
