// The numbers a reader sees next to a paper, one rule each, used by every page, card, feed, digest
// and API answer (issue 19: 2410.17243 showed 64 upvotes on the daily list and 0 in search).
//
// - Upvotes: the votes cast here plus those the listing source (Hugging Face) reported. One
//   number: a reader cannot tell where a vote came from and HF's own count is what they know.
// - Comments: the comments here, which the page shows and a reader can open, and separately the
//   source's count as "N on Hugging Face ↗" linking there: those comments are not imported, so
//   adding them to the local count would promise comments that the page cannot show. The API's
//   numComments (HF's field) is the total, as HF's clients expect one number.

/** The counts stored with a paper: local counters and what the source reported. */
export interface PaperCounts {
  /** Upvotes cast on this instance. */
  localUpvotes: number;
  /** Upvotes the source reported when it listed the paper. */
  sourceUpvotes: number;
  /** Comments on this instance. */
  localComments: number;
  /** Comments the source reported (not imported). */
  sourceComments: number;
}

/** The upvote count every page and answer shows. */
export function displayedUpvotes(c: Pick<PaperCounts, 'localUpvotes' | 'sourceUpvotes'>): number {
  return Math.max(0, c.localUpvotes) + Math.max(0, c.sourceUpvotes);
}

export interface CommentCount {
  /** Comments readable here (the page's "Comments (N)"). */
  here: number;
  /** Comments at the source, with where to read them; null when the source reported none. */
  elsewhere: { count: number; source: string; url: string } | null;
  /** Both together: the API's numComments. */
  total: number;
}

/** The comment counts every page and answer shows, for the paper `arxivId`. */
export function commentCount(c: Pick<PaperCounts, 'localComments' | 'sourceComments'>, arxivId: string): CommentCount {
  const here = Math.max(0, c.localComments);
  const source = Math.max(0, c.sourceComments);
  return {
    here,
    elsewhere: source ? { count: source, source: 'Hugging Face', url: `https://huggingface.co/papers/${arxivId}` } : null,
    total: here + source,
  };
}

/** "1 upvote", "12 upvotes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
