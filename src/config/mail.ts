import { optional, parsers, setting } from './table.ts';

// E-mail digests (issue 6).
const digest = {
  digestHour: setting({
    env: 'PAPERBOY_DIGEST_HOUR',
    old: 'DIGEST_HOUR',
    default: '7',
    parse: parsers.int(0, 23),
    doc: "Local hour (in each subscriber's time zone) at which a digest is sent.",
  }),
  digestWeeklyDay: setting({
    env: 'PAPERBOY_DIGEST_WEEKLY_DAY',
    old: 'DIGEST_WEEKLY_DAY',
    default: '1',
    parse: parsers.int(1, 7),
    doc: 'ISO weekday (1 = Monday) on which the weekly digest of the previous week goes out.',
  }),
  digestBuildHourUtc: setting({
    env: 'PAPERBOY_DIGEST_BUILD_HOUR_UTC',
    old: 'DIGEST_BUILD_HOUR_UTC',
    default: '3',
    parse: parsers.int(0, 23),
    doc: "UTC hour from which the scheduler builds the day's edition (after arXiv's announcement at about 00:00–01:00 UTC).",
  }),
  digestRate: setting({
    env: 'PAPERBOY_DIGEST_RATE',
    old: 'DIGEST_RATE',
    default: '5',
    parse: parsers.number(0.01, 10_000),
    doc: 'Digest sending throttle, messages per second.',
  }),
  digestConnections: setting({
    env: 'PAPERBOY_DIGEST_CONNECTIONS',
    old: 'DIGEST_CONNECTIONS',
    default: '2',
    parse: parsers.int(1, 32),
    doc: 'Digest messages in flight at once, each on its own SMTP connection.',
  }),
  digestTopPapers: setting({
    env: 'PAPERBOY_DIGEST_TOP_PAPERS',
    old: 'DIGEST_TOP_PAPERS',
    default: '5',
    parse: parsers.int(0, 50),
    doc: "How many of the day's (or week's) top papers every digest holds.",
  }),
  digestTrendingPapers: setting({
    env: 'PAPERBOY_DIGEST_TRENDING_PAPERS',
    old: 'DIGEST_TRENDING_PAPERS',
    default: '3',
    parse: parsers.int(0, 50),
    doc: 'How many trending papers every digest holds.',
  }),
  digestPersonalPapers: setting({
    env: 'PAPERBOY_DIGEST_PERSONAL_PAPERS',
    old: 'DIGEST_PERSONAL_PAPERS',
    default: '10',
    parse: parsers.int(0, 100),
    doc: "At most this many papers matching a subscriber's categories, keywords and authors.",
  }),
  digestConfirmHours: setting({
    env: 'PAPERBOY_DIGEST_CONFIRM_HOURS',
    old: 'DIGEST_CONFIRM_HOURS',
    default: '48',
    parse: parsers.int(1, 24 * 30),
    doc: 'A confirmation link expires after this many hours; within that window an address gets no second confirmation mail.',
  }),
  digestSubscribePerHour: setting({
    env: 'PAPERBOY_DIGEST_SUBSCRIBE_PER_HOUR',
    old: 'DIGEST_SUBSCRIBE_PER_HOUR',
    default: '10',
    parse: parsers.int(1, 100_000),
    doc: 'Subscribe requests allowed per client IP and hour.',
  }),
  digestLeaseSeconds: setting({
    env: 'PAPERBOY_DIGEST_LEASE_SECONDS',
    old: 'DIGEST_LEASE_SECONDS',
    default: '300',
    parse: parsers.int(1, 86_400),
    doc: 'A claimed delivery whose sender died is retried after this many seconds.',
  }),
  digestRetrySeconds: setting({
    env: 'PAPERBOY_DIGEST_RETRY_SECONDS',
    old: 'DIGEST_RETRY_SECONDS',
    default: '60',
    parse: parsers.number(0.1, 86_400),
    doc: 'First backoff after a transient (4xx) SMTP error; doubles on each retry.',
  }),
  digestMaxAttempts: setting({
    env: 'PAPERBOY_DIGEST_MAX_ATTEMPTS',
    old: 'DIGEST_MAX_ATTEMPTS',
    default: '8',
    parse: parsers.int(1, 100),
    doc: 'A delivery that failed transiently this many times is given up.',
  }),
  digestUnsubscribeMailto: optional({
    env: 'PAPERBOY_DIGEST_UNSUBSCRIBE_MAILTO',
    old: 'DIGEST_UNSUBSCRIBE_MAILTO',
    parse: parsers.nonEmpty,
    doc: 'Address for the mailto: form of List-Unsubscribe. Unset: the Reply-To, else the sender address.',
  }),
  digestAdminToken: optional({
    env: 'PAPERBOY_DIGEST_ADMIN_TOKEN',
    old: 'DIGEST_ADMIN_TOKEN',
    parse: (raw: string) => {
      if (raw.length < 16) throw new Error('must be at least 16 characters');
      return raw;
    },
    doc: 'Opens the digest preview page (/admin/digests?token=…) when no signed-in admin role exists.',
    secret: true,
  }),
};

// Settings of the mail area. Add entries here; src/config/index.ts merges every area into one table.
export const mail = {
  smtpUrl: optional({
    env: 'SMTP_URL',
    parse: parsers.url,
    doc: 'smtp://user:pass@host:587 (or smtps://…) to send mail through SMTP. Unset: mail is written to <data dir>/outbox.',
    secret: true,
  }),
  smtpTlsRejectUnauthorized: setting({
    env: 'PAPERBOY_SMTP_TLS_REJECT_UNAUTHORIZED',
    old: 'SMTP_TLS_REJECT_UNAUTHORIZED',
    default: 'true',
    parse: parsers.bool,
    doc: 'Verify the SMTP server certificate.',
  }),
  mailFrom: setting({
    env: 'PAPERBOY_MAIL_FROM',
    old: 'MAIL_FROM',
    default: 'Paperboy <paperboy@localhost>',
    parse: parsers.nonEmpty,
    doc: 'Sender of every mail.',
  }),
  mailReplyTo: optional({ env: 'PAPERBOY_MAIL_REPLY_TO', old: 'MAIL_REPLY_TO', parse: parsers.nonEmpty, doc: 'Reply-To of every mail.' }),
  ...digest,
};
