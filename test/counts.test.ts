// The domain's rules for the numbers next to a paper, the trending formula and its wording, and the
// actions that wait through sign-in (src/domain/counts.ts, trending.ts, pending.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { commentCount, displayedUpvotes } from '../src/domain/counts.ts';
import { FALLBACK_BELOW, fallbackReason, trendingFormula, trendingReason, trendingScore } from '../src/domain/trending.ts';
import { describePending, formatPending, parsePending } from '../src/domain/pending.ts';

test('displayed upvotes are the local votes plus those the source reported, never negative', () => {
  assert.equal(displayedUpvotes({ localUpvotes: 1, sourceUpvotes: 64 }), 65);
  assert.equal(displayedUpvotes({ localUpvotes: 0, sourceUpvotes: 0 }), 0);
  assert.equal(displayedUpvotes({ localUpvotes: -1, sourceUpvotes: 3 }), 3);
});

test('comment counts: those readable here, and the source\'s apart with a link there; the API total is both', () => {
  assert.deepEqual(commentCount({ localComments: 0, sourceComments: 3 }, '2410.17243'), {
    here: 0,
    elsewhere: { count: 3, source: 'Hugging Face', url: 'https://huggingface.co/papers/2410.17243' },
    total: 3,
  });
  assert.deepEqual(commentCount({ localComments: 2, sourceComments: 0 }, '2410.17243'), { here: 2, elsewhere: null, total: 2 });
});

test('the trending score rewards the first votes most and lets new papers through', () => {
  const w = { upvotes: 1, comments: 0.5, stars: 0.3, gravity: 1.5 };
  const s = (upvotes: number, ageHours: number) => trendingScore(w, { upvotes, comments: 0, starsGained: null, ageHours });
  assert.equal(s(0, 1), 0);
  assert.ok(s(1, 1) - s(0, 1) > s(11, 1) - s(10, 1), 'diminishing returns');
  assert.ok(s(5, 2) > s(50, 200), 'a fresh paper beats an old one with ten times the votes');
  assert.equal(trendingScore(w, { upvotes: 1, comments: 1, starsGained: 1, ageHours: 0 }), (Math.log(2) * (1 + 0.5 + 0.3)) / Math.pow(2, 1.5));
  assert.equal(trendingFormula(w), 'score = (1·ln(1 + upvotes) + 0.5·ln(1 + comments) + 0.3·ln(1 + stars gained)) / (age in hours + 2)^1.5');
  assert.ok(FALLBACK_BELOW >= 10);
});

test('a trending place is told in words, numbers left to the hover', () => {
  assert.equal(trendingReason({ upvotes: 12, comments: 3, starsGained: null, ageHours: 5 }, 'day'), '12 upvotes and 3 comments since yesterday, listed 5 hours ago');
  assert.equal(trendingReason({ upvotes: 1, comments: 0, starsGained: 4, ageHours: 50 }, 'week'), '1 upvote and 4 new GitHub stars in the last 7 days, listed 2 days ago');
  assert.equal(trendingReason({ upvotes: 2, comments: 1, starsGained: 1, ageHours: 0.2 }, 'month'), '2 upvotes, 1 comment and 1 new GitHub star in the last 30 days, listed within the hour');
  assert.equal(fallbackReason(64, '2024-10-25'), '64 upvotes on the list of 25 Oct 2024');
});

test('pending actions: parsed from a short string, anything else ignored, described to the reader', () => {
  assert.deepEqual(parsePending('upvote:2410.17243'), { kind: 'upvote', arxivId: '2410.17243' });
  assert.deepEqual(parsePending('follow-author:Zesen Cheng'), { kind: 'follow-author', name: 'Zesen Cheng' });
  assert.deepEqual(parsePending('follow-category:cs.CL'), { kind: 'follow-category', category: 'cs.CL' });
  for (const bad of ['', 'upvote:', 'delete:1', 'follow-category:not a cat', 'upvote:<script>', 42, null, `upvote:${'9'.repeat(500)}`]) assert.equal(parsePending(bad), null, String(bad));
  const a = parsePending('save:2410.17243')!;
  assert.equal(formatPending(a), 'save:2410.17243');
  assert.equal(describePending(a), 'arXiv:2410.17243 is saved to your reading list');
});
