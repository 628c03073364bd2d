// Doing what a reader asked for before signing in (src/domain/pending.ts), once they are back.
import type { FastifyRequest } from 'fastify';
import { ctxOf } from '../context.ts';
import { parsePending } from '../../domain/pending.ts';
import { DEFAULT_PREFS } from '../../services/digest-util.ts';
import type { Viewer } from '../../services/accounts.ts';

export interface Completed {
  /** What was done, in words, or null when nothing was pending (or it could not be done). */
  done: string | null;
  /** Where to go instead of `next` (a comment form to finish). */
  next?: string;
}

/**
 * Does the pending action for a reader who has just signed in (and has a username). A failure
 * (the paper is gone, a rate limit) leaves the reader where they were going, with the reason.
 */
export async function completePending(req: FastifyRequest, viewer: Viewer, raw: string | null | undefined): Promise<Completed> {
  const a = parsePending(raw);
  if (!a) return { done: null };
  const { pb } = ctxOf(req);
  const c = pb.community;
  try {
    switch (a.kind) {
      case 'upvote': {
        const r = await c.votes.set(viewer, a.arxivId, true, req.ip);
        return { done: `Your upvote of arXiv:${r.arxivId} is counted.` };
      }
      case 'save': {
        const list = await c.collections.readingList(viewer.id);
        await c.collections.addPaper(viewer.id, list.id, a.arxivId);
        return { done: `Saved arXiv:${a.arxivId} to “${list.name}”.` };
      }
      case 'follow-author':
      case 'follow-category': {
        const subs = pb.digest.subscriptions;
        const s = await subs.forUser(viewer);
        const prefs = s && s.status !== 'unsubscribed' ? { frequency: s.frequency, categories: s.categories, keywords: s.keywords, authors: s.authors, timeZone: s.timeZone } : { ...DEFAULT_PREFS };
        if (a.kind === 'follow-author' && !prefs.authors.includes(a.name)) prefs.authors = [...prefs.authors, a.name].slice(-20);
        if (a.kind === 'follow-category' && !prefs.categories.includes(a.category)) prefs.categories = [...prefs.categories, a.category].slice(-20);
        await subs.saveForUser(viewer, prefs);
        return { done: `New papers ${a.kind === 'follow-author' ? `by ${a.name}` : `in ${a.category}`} are now in your digest.` };
      }
      case 'comment':
        return { done: null, next: `/papers/${a.arxivId}#comment-form` };
      case 'submit':
        return { done: null, next: `/submit?paper=${encodeURIComponent(a.paper)}` };
    }
  } catch (err) {
    req.log.info({ err: (err as Error).message, pending: a.kind }, 'pending action not done');
    return { done: `We could not finish that: ${(err as Error).message}` };
  }
}
