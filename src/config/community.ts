// Settings of the community area: accounts, votes, comments, submissions, trending, abuse limits.
import { optional, parsers, setting } from './table.ts';

export const community = {
  magicLinkMinutes: setting({
    env: 'PAPERBOY_SIGNIN_LINK_MINUTES',
    old: 'SIGNIN_LINK_MINUTES',
    default: '15',
    parse: parsers.int(1, 1440),
    doc: 'Minutes a sign-in link stays valid (single use).',
  }),
  sessionDays: setting({ env: 'PAPERBOY_SESSION_DAYS', old: 'SESSION_DAYS', default: '30', parse: parsers.int(1, 3650), doc: 'Days a sign-in session lasts.' }),
  commentEditMinutes: setting({
    env: 'PAPERBOY_COMMENT_EDIT_MINUTES',
    old: 'COMMENT_EDIT_MINUTES',
    default: '30',
    parse: parsers.int(0, 100000),
    doc: 'Minutes during which an author may edit a comment.',
  }),
  commentMaxChars: setting({
    env: 'PAPERBOY_COMMENT_MAX_CHARS',
    old: 'COMMENT_MAX_CHARS',
    default: '10000',
    parse: parsers.int(1, 100000),
    doc: 'Longest comment accepted (Markdown source characters).',
  }),
  submitRequireSignin: setting({
    env: 'PAPERBOY_SUBMIT_REQUIRE_SIGNIN',
    old: 'SUBMIT_REQUIRE_SIGNIN',
    default: 'true',
    parse: parsers.bool,
    doc: 'Only signed-in users may submit papers to the daily list.',
  }),
  submitMaxAgeDays: setting({
    env: 'PAPERBOY_SUBMIT_MAX_AGE_DAYS',
    old: 'SUBMIT_MAX_AGE_DAYS',
    default: '14',
    parse: parsers.int(0, 100000),
    doc: 'A submitted paper must have been announced within this many days (0: no limit).',
  }),
  submitRejectListed: setting({
    env: 'PAPERBOY_SUBMIT_REJECT_LISTED',
    old: 'SUBMIT_REJECT_LISTED',
    default: 'true',
    parse: parsers.bool,
    doc: 'Refuse papers already on a daily list.',
  }),
  submitPerUserPerDay: setting({
    env: 'PAPERBOY_SUBMIT_PER_USER_PER_DAY',
    old: 'SUBMIT_PER_USER_PER_DAY',
    default: '5',
    parse: parsers.int(0, 100000),
    doc: 'Submissions per user per UTC day (curators and admins are unlimited).',
  }),
  submitCommentMaxChars: setting({
    env: 'PAPERBOY_SUBMIT_COMMENT_MAX_CHARS',
    old: 'SUBMIT_COMMENT_MAX_CHARS',
    default: '500',
    parse: parsers.int(0, 10000),
    doc: 'Longest optional comment on a submission.',
  }),
  communityNow: optional({
    env: 'PAPERBOY_NOW',
    parse: (raw: string) => {
      const d = new Date(raw);
      if (Number.isNaN(d.getTime())) throw new Error(`must be an ISO date-time, got "${raw}"`);
      return d.toISOString();
    },
    doc: 'Fixed clock for the community rules (tests and demos). Unset: the real time.',
  }),
  trendingGravity: setting({
    env: 'PAPERBOY_TRENDING_GRAVITY',
    old: 'TRENDING_GRAVITY',
    default: '1.5',
    parse: parsers.number(0, 10),
    doc: 'Trending: how fast age pulls a paper down (exponent of age_hours + 2).',
  }),
  trendingWeightUpvotes: setting({
    env: 'PAPERBOY_TRENDING_WEIGHT_UPVOTES',
    old: 'TRENDING_WEIGHT_UPVOTES',
    default: '1',
    parse: parsers.number(0, 100),
    doc: 'Trending: weight of ln(1 + upvotes in the window).',
  }),
  trendingWeightComments: setting({
    env: 'PAPERBOY_TRENDING_WEIGHT_COMMENTS',
    old: 'TRENDING_WEIGHT_COMMENTS',
    default: '0.5',
    parse: parsers.number(0, 100),
    doc: 'Trending: weight of ln(1 + comments in the window).',
  }),
  trendingWeightStars: setting({
    env: 'PAPERBOY_TRENDING_WEIGHT_STARS',
    old: 'TRENDING_WEIGHT_STARS',
    default: '0.3',
    parse: parsers.number(0, 100),
    doc: 'Trending: weight of ln(1 + GitHub stars gained in the window).',
  }),
  trendingRefreshMinutes: setting({
    env: 'PAPERBOY_TRENDING_REFRESH_MINUTES',
    old: 'TRENDING_REFRESH_MINUTES',
    default: '10',
    parse: parsers.int(1, 1440),
    doc: 'Trending: the job recomputes the cached scores this often.',
  }),
  limitSigninPerHour: setting({
    env: 'PAPERBOY_LIMIT_SIGNIN_MAILS_PER_HOUR',
    old: 'LIMIT_SIGNIN_MAILS_PER_HOUR',
    default: '5',
    parse: parsers.int(1, 100000),
    doc: 'Sign-in mails per address and per IP per hour (per IP: 4×).',
  }),
  limitVotesPerHour: setting({
    env: 'PAPERBOY_LIMIT_VOTES_PER_HOUR',
    old: 'LIMIT_VOTES_PER_HOUR',
    default: '120',
    parse: parsers.int(1, 100000),
    doc: 'Upvote changes per user and per IP per hour.',
  }),
  limitCommentsPerHour: setting({
    env: 'PAPERBOY_LIMIT_COMMENTS_PER_HOUR',
    old: 'LIMIT_COMMENTS_PER_HOUR',
    default: '20',
    parse: parsers.int(1, 100000),
    doc: 'Comments (and edits) per user and per IP per hour.',
  }),
  limitSubmitsPerHour: setting({
    env: 'PAPERBOY_LIMIT_SUBMISSIONS_PER_HOUR',
    old: 'LIMIT_SUBMISSIONS_PER_HOUR',
    default: '20',
    parse: parsers.int(1, 100000),
    doc: 'Submission attempts per user and per IP per hour.',
  }),
};
