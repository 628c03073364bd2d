// Doing what a reader asked for before signing in (src/domain/pending.ts), once they are back.
import type { FastifyRequest } from 'fastify';
import { ctxOf } from '../context.ts';
import { html, type SafeHtml } from '../html.ts';
import { AppError } from '../../domain/errors.ts';
import { parsePending, type PendingAction } from '../../domain/pending.ts';
import { DEFAULT_PREFS } from '../../services/digest-util.ts';
import { isQueued } from '../../services/submissions.ts';
import type { Viewer } from '../../services/accounts.ts';

export interface Completed {
  /** What was done, in words, or null when nothing was pending (or it could not be done). */
  done: string | null;
  /** Where to go instead of `next` (the posted comment, the submitted paper, a form to finish). */
  next?: string;
}

const enc = encodeURIComponent;

/**
 * The pending action as the pages on the way show it: with its draft's text when one is kept, or
 * without the draft (the reader can still write it again) when it has expired.
 */
export async function pendingShown(req: FastifyRequest, raw: string | null | undefined): Promise<{ action: PendingAction | null; preview: SafeHtml | '' }> {
  const action = parsePending(raw);
  if (!action || (action.kind !== 'comment' && action.kind !== 'submit') || !action.draft) return { action, preview: '' };
  const d = await ctxOf(req).pb.community.drafts.peek(action.draft, action.kind, req.viewer?.id);
  if (!d) return { action: { ...action, draft: undefined }, preview: '' };
  if (!d.body) return { action, preview: '' };
  const text = d.body.length > 600 ? `${d.body.slice(0, 600)}…` : d.body;
  return { action, preview: html`<blockquote class="draft-preview"><p>${text}</p></blockquote>` };
}

/**
 * Does the pending action for a reader who has just signed in (and has a username). A failure
 * (the paper is gone, a rate limit) leaves the reader where they were going, with the reason; a
 * refused comment or submission waits as a draft on its form, text kept, with the reason.
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
      case 'comment': {
        const form = `/papers/${a.arxivId}`;
        if (!a.draft) return { done: null, next: `${form}#comment-form` };
        const d = await c.drafts.claim(a.draft, 'comment', viewer.id);
        // Gone (expired, or posted by an earlier click): the form says so.
        if (!d) return { done: null, next: `${form}?draft=${enc(a.draft)}#comment-form` };
        try {
          const cm = await c.comments.add(viewer, d.target, { body: d.body }, req.ip);
          await c.drafts.done(d.key);
          return { done: 'Your comment is posted.', next: `/papers/${d.target}#comment-${cm.id}` };
        } catch (err) {
          await c.drafts.release(d.key, err instanceof AppError ? err.message : 'Something went wrong; please try again.');
          if (!(err instanceof AppError)) throw err;
          return { done: `Your comment is not posted yet: ${err.message}`, next: `/papers/${d.target}?draft=${enc(d.key)}#comment-form` };
        }
      }
      case 'submit': {
        if (!a.draft) return { done: null, next: `/submit?paper=${enc(a.paper)}` };
        const d = await c.drafts.claim(a.draft, 'submit', viewer.id);
        if (!d) return { done: null, next: `/submit?paper=${enc(a.paper)}&draft=${enc(a.draft)}` };
        try {
          const r = await c.submissions.submit(viewer, d.target, d.body || null, req.ip);
          await c.drafts.done(d.key);
          if (isQueued(r)) return { done: `arXiv:${r.arxivId} will be added once arXiv answers.`, next: `/submit?received=${enc(r.arxivId)}` };
          return { done: `Submitted arXiv:${r.paper.arxivId}.`, next: `/papers/${r.paper.arxivId}?submitted=1` };
        } catch (err) {
          await c.drafts.release(d.key, err instanceof AppError ? err.message : 'Something went wrong; please try again.');
          if (!(err instanceof AppError)) throw err;
          return { done: `Not submitted yet: ${err.message}`, next: `/submit?draft=${enc(d.key)}` };
        }
      }
    }
  } catch (err) {
    req.log.info({ err: (err as Error).message, pending: a.kind }, 'pending action not done');
    return { done: `We could not finish that: ${(err as Error).message}` };
  }
}
