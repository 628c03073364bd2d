import { optional, parsers, setting } from './table.ts';

// Settings of the mail area. Add entries here; src/config/index.ts merges every area into one table.
export const mail = {
  smtpUrl: optional({
    env: 'SMTP_URL',
    parse: parsers.url,
    doc: 'smtp://user:pass@host:587 (or smtps://…) to send mail through SMTP. Unset: mail is written to <data dir>/outbox.',
    secret: true,
  }),
  smtpTlsRejectUnauthorized: setting({
    env: 'SMTP_TLS_REJECT_UNAUTHORIZED',
    default: 'true',
    parse: parsers.bool,
    doc: 'Verify the SMTP server certificate.',
  }),
  mailFrom: setting({ env: 'MAIL_FROM', default: 'Paperboy <paperboy@localhost>', parse: parsers.nonEmpty, doc: 'Sender of every mail.' }),
  mailReplyTo: optional({ env: 'MAIL_REPLY_TO', parse: parsers.nonEmpty, doc: 'Reply-To of every mail.' }),
};
