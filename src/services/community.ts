// The community features as one bundle on the Paperboy instance (pb.community).
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { Config } from '../config/index.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { PaperService } from './papers.ts';
import { RateLimiter } from './rate-limit.ts';
import { Accounts } from './accounts.ts';
import { AuditLog } from './audit.ts';
import { Votes } from './votes.ts';
import { Comments } from './comments.ts';
import { Submissions, type PaperFetcher } from './submissions.ts';
import { Trending } from './trending.ts';
import { Collections } from './collections.ts';
import { Claims } from './claims.ts';
import { AuditStore } from '../storage/audit.ts';
import { ClaimStore } from '../storage/claims.ts';
import { RateLimitStore } from '../storage/rate-limits.ts';
import { PendingDraftStore } from '../storage/pending-drafts.ts';
import { PendingDrafts } from './pending-drafts.ts';

/** The clock of the community rules: the real time, PAPERBOY_NOW, or a time a test sets. */
export class Clock {
  private fixed?: number;
  constructor(fixed?: string) {
    if (fixed) this.fixed = Date.parse(fixed);
  }
  now = (): Date => new Date(this.fixed ?? Date.now());
  /** Fixes the time (ISO string or Date); undefined returns to the real time. */
  set(t: string | Date | undefined): void {
    this.fixed = t === undefined ? undefined : new Date(t).getTime();
  }
}

export interface Community {
  /** The clock every rule uses (PAPERBOY_NOW fixes it for tests and demos). */
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

export interface CommunityDeps {
  db: Kysely<Database>;
  config: Config;
  mail: MailTransport;
  stores: { papers: PaperStore; daily: DailyStore };
  papers: PaperService;
  /** Fetches unknown submitted papers (wiring passes the arXiv Atom API client, PAPERBOY_ARXIV_API_URL). */
  fetcher: PaperFetcher;
}

export function createCommunity(d: CommunityDeps): Community {
  const c = d.config;
  const clock = new Clock(c.communityNow);
  const now = clock.now;
  const fetcher = d.fetcher;
  const limiter = new RateLimiter(new RateLimitStore(d.db), now);
  const audit = new AuditLog(new AuditStore(d.db), now);
  return {
    now,
    clock,
    limiter,
    audit,
    accounts: new Accounts(
      d.db,
      d.mail,
      limiter,
      { linkMinutes: c.magicLinkMinutes, sessionDays: c.sessionDays, signinPerHour: c.limitSigninPerHour, publicUrl: c.publicUrl },
      now,
    ),
    votes: new Votes(d.db, d.papers, limiter, c.limitVotesPerHour, now),
    comments: new Comments(
      d.db,
      d.papers,
      limiter,
      audit,
      { editMinutes: c.commentEditMinutes, maxChars: c.commentMaxChars, perHour: c.limitCommentsPerHour },
      now,
    ),
    submissions: new Submissions(
      d.db,
      d.stores.papers,
      d.stores.daily,
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
      fetcher,
    ),
    trending: new Trending(
      d.db,
      { upvotes: c.trendingWeightUpvotes, comments: c.trendingWeightComments, stars: c.trendingWeightStars, gravity: c.trendingGravity },
      now,
      d.stores.daily,
    ),
    collections: new Collections(d.db, d.papers, now),
    claims: new Claims(new ClaimStore(d.db), d.papers, audit, now),
    drafts: new PendingDrafts(new PendingDraftStore(d.db), limiter, now),
  };
}
