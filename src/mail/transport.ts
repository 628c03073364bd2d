// Mail transports: SMTP through nodemailer, or a file outbox (one .eml per message) in the data dir.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { FILE_MODE, privateDir } from '../storage/private-files.ts';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { Config } from '../config/index.ts';
import { CommittedSmtp } from './committed-smtp.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html?: string;
  /** Stable Message-ID, e.g. <digest-daily-2026-11-27-42@paperboy.example>. */
  messageId?: string;
  headers?: Record<string, string>;
  /** Structured List-Unsubscribe (nodemailer builds the header). */
  listUnsubscribe?: Mail.Options['list'];
  /**
   * Runs after the whole message has reached the server and before it is committed (SMTP: before
   * the final "."; outbox: before the file is written). Senders that must not mail twice record
   * there that the message is on its way (see committed-smtp.ts).
   */
  beforeCommit?: () => Promise<void>;
}

export interface SentMail {
  messageId: string;
  /** SMTP response or the outbox file. */
  response: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'outbox';
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

function toNodemailer(cfg: Pick<Config, 'mailFrom' | 'mailReplyTo'>, m: OutgoingMail): Mail.Options {
  return {
    from: cfg.mailFrom,
    replyTo: cfg.mailReplyTo,
    to: m.to,
    subject: m.subject,
    text: m.text,
    html: m.html,
    messageId: m.messageId,
    headers: m.headers,
    list: m.listUnsubscribe,
  };
}

export class SmtpTransport implements MailTransport {
  readonly kind = 'smtp' as const;
  private readonly t: Transporter;
  private committed?: CommittedSmtp;

  constructor(
    private readonly cfg: Pick<Config, 'mailFrom' | 'mailReplyTo' | 'smtpTlsRejectUnauthorized'>,
    private readonly url: string,
  ) {
    this.t = nodemailer.createTransport({
      url,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      socketTimeout: 30_000,
      tls: { rejectUnauthorized: cfg.smtpTlsRejectUnauthorized },
    } as never);
  }

  async send(m: OutgoingMail): Promise<SentMail> {
    if (m.beforeCommit) {
      this.committed ??= new CommittedSmtp(this.url, this.cfg.smtpTlsRejectUnauthorized);
      return this.committed.send(toNodemailer(this.cfg, m), m.beforeCommit);
    }
    const info = await this.t.sendMail(toNodemailer(this.cfg, m));
    return { messageId: info.messageId, response: String(info.response ?? '') };
  }

  close(): void {
    this.t.close();
    this.committed?.close();
  }
}

/** Writes each message as an .eml file under <dataDir>/outbox/ (the default without SMTP_URL). */
export class OutboxTransport implements MailTransport {
  readonly kind = 'outbox' as const;
  private readonly t = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  readonly dir: string;

  constructor(
    private readonly cfg: Pick<Config, 'mailFrom' | 'mailReplyTo'>,
    dataDir: string,
  ) {
    this.dir = join(dataDir, 'outbox');
    // Live sign-in links: readable by the account running Paperboy only.
    privateDir(this.dir);
  }

  async send(m: OutgoingMail): Promise<SentMail> {
    const info = (await this.t.sendMail(toNodemailer(this.cfg, m))) as { messageId: string; message: Buffer };
    await m.beforeCommit?.();
    const safe = info.messageId.replace(/[^\w.@-]+/g, '_');
    const file = join(this.dir, `${new Date().toISOString().replace(/[:.]/g, '-')}_${safe}.eml`);
    writeFileSync(file, info.message, { mode: FILE_MODE });
    return { messageId: info.messageId, response: file };
  }

  /** The newest messages first (for the admin preview and tests). */
  list(limit = 50): { file: string; raw: string; mtime: Date }[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.eml'))
      .map((f) => ({ file: join(this.dir, f), mtime: statSync(join(this.dir, f)).mtime }))
      .sort((a, b) => (a.file < b.file ? 1 : -1))
      .slice(0, limit)
      .map((x) => ({ ...x, raw: readFileSync(x.file, 'utf8') }));
  }

  close(): void {}
}

export function createTransport(cfg: Config): MailTransport {
  return cfg.smtpUrl ? new SmtpTransport(cfg, cfg.smtpUrl) : new OutboxTransport(cfg, cfg.dataDir);
}
