// The community features as one bundle on the Paperboy instance (pb.community). src/wiring.ts
// makes the stores and the clock and passes them in.
import type { Config } from '../config/index.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { UserStore } from '../storage/users.ts';
import type { VoteStore } from '../storage/votes.ts';
import type { CommentStore } from '../storage/comments.ts';
import type { CollectionStore } from '../storage/collections.ts';
import type { TrendingStore } from '../storage/trending.ts';
import type { AuditStore } from '../storage/audit.ts';
import type { ClaimStore } from '../storage/claims.ts';
import type { RateLimitStore } from '../storage/rate-limits.ts';
import type { PendingDraftStore } from '../storage/pending-drafts.ts';
import type { PaperService } from './papers.ts';
import type { Clock } from './clock.ts';
import { RateLimiter } from './rate-limit.ts';
import { Accounts } from './accounts.ts';
import { AuditLog } from './audit.ts';
import { Votes } from './votes.ts';
import { Comments } from './comments.ts';
import { Submissions, type PaperFetcher, type SubmissionQueue } from './submissions.ts';
import { Trending } from './trending.ts';
import { Collections } from './collections.ts';
import { Claims } from './claims.ts';
import { PendingDrafts } from './pending-drafts.ts';

export { Clock } from './clock.ts';

export interface Community {
  /** The clock every rule uses (PAPERBOY_NOW fixes it for tests and demos); the instance's one clock. */
  now: () => Date;
  clock: Clock;
  limiter: RateLimiter;
  accounts: Accounts;
  audit: AuditLog;
  votes: Votes;
  comments: Comments;
  submissions: Submissions;
  trending: Trending;
  collections: Collections;
  claims: Claims;
  /** What signed-out readers typed, waiting through sign-in. */
  drafts: PendingDrafts;
}

export interface CommunityStores {
  papers: PaperStore;
  daily: DailyStore;
  users: UserStore;
  votes: VoteStore;
  comments: CommentStore;
  collections: CollectionStore;
  trending: TrendingStore;
  audit: AuditStore;
  claims: ClaimStore;
  rateLimits: RateLimitStore;
  drafts: PendingDraftStore;
}

export interface CommunityDeps {
  config: Config;
  clock: Clock;
  mail: MailTransport;
  stores: CommunityStores;
  papers: PaperService;
  /** Fetches unknown submitted papers (wiring passes the arXiv Atom API client, PAPERBOY_ARXIV_API_URL). */
  fetcher: PaperFetcher;
  /** Submissions arXiv does not answer in time finish in a job (src/jobs/tasks/community.ts). */
  queue: SubmissionQueue;
  /** After a reader's vote changed (wiring: the For you retraining of src/services/recs.ts). */
  afterVote?: (userId: number) => Promise<void>;
}

export function createCommunity(d: CommunityDeps): Community {
  const c = d.config;
  const s = d.stores;
  const clock = d.clock;
  const now = clock.now;
  const limiter = new RateLimiter(s.rateLimits, now);
  const audit = new AuditLog(s.audit, now);
  return {
    now,
    clock,
    limiter,
    audit,
    accounts: new Accounts(
      s.users,
      d.mail,
      limiter,
      { linkMinutes: c.magicLinkMinutes, sessionDays: c.sessionDays, signinPerHour: c.limitSigninPerHour, publicUrl: c.publicUrl },
      now,
    ),
    votes: new Votes(s.votes, d.papers, limiter, c.limitVotesPerHour, now, d.afterVote),
    comments: new Comments(
      s.comments,
      d.papers,
      limiter,
      audit,
      { editMinutes: c.commentEditMinutes, maxChars: c.commentMaxChars, perHour: c.limitCommentsPerHour },
      now,
    ),
    submissions: new Submissions(
      s.papers,
      s.daily,
      limiter,
      {
        requireSignin: c.submitRequireSignin,
        maxAgeDays: c.submitMaxAgeDays,
        rejectListed: c.submitRejectListed,
        perUserPerDay: c.submitPerUserPerDay,
        perHour: c.limitSubmitsPerHour,
        commentMaxChars: c.submitCommentMaxChars,
      },
      now,
      d.fetcher,
      d.queue,
    ),
    trending: new Trending(
      s.trending,
      { upvotes: c.trendingWeightUpvotes, comments: c.trendingWeightComments, stars: c.trendingWeightStars, gravity: c.trendingGravity },
      now,
      s.daily,
    ),
    collections: new Collections(s.collections, d.papers, now),
    claims: new Claims(s.claims, d.papers, audit, now),
    drafts: new PendingDrafts(s.drafts, limiter, now),
  };
}
