// One SMTP connection that sends messages one at a time and lets the caller record, durably,
// the moment a message becomes deliverable: `beforeCommit` runs after the whole message body has
// been handed to the server and BEFORE the terminating "<CRLF>.<CRLF>" is written. An SMTP server
// discards a DATA transfer that never saw its terminator, so:
//   - a crash before beforeCommit finished  → the server has no message: safe to send again;
//   - a crash after it                      → the server most likely has it: do not send again.
// nodemailer's pooled sendMail() buffers the message stream before DATA, so it cannot offer this
// ordering; SMTPConnection pipes the message only after the server's 354 reply.
import { Readable } from 'node:stream';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';

export interface CommittedSend {
  messageId: string;
  response: string;
}

/** An SMTP failure with the server's reply code when there was one (undefined: connection trouble). */
export class SmtpSendError extends Error {
  constructor(
    message: string,
    readonly responseCode: number | undefined,
    /** The SMTP stage that failed: CONN, MAIL FROM, RCPT TO, DATA… */
    readonly command?: string,
  ) {
    super(message);
    this.name = 'SmtpSendError';
  }
  /** 5xx: the server will never accept this message for this address. */
  get permanent(): boolean {
    return this.responseCode !== undefined && this.responseCode >= 500 && this.responseCode < 600;
  }
}

/** Builds the full RFC 5322 message (headers, multipart body) in memory. */
export async function compose(options: Mail.Options): Promise<{ raw: Buffer; envelope: { from: string; to: string[] } }> {
  const node = new MailComposer(options).compile();
  const raw = await node.build();
  const env = node.getEnvelope() as { from: string | false; to: string[] };
  return { raw, envelope: { from: env.from || '', to: env.to } };
}

/** A readable that yields `raw`, then waits for `beforeCommit` before ending (see the file comment). */
function committingStream(raw: Buffer, beforeCommit: () => Promise<void>): Readable {
  let stage = 0;
  return new Readable({
    read() {
      if (stage === 0) {
        stage = 1;
        this.push(raw);
      } else if (stage === 1) {
        stage = 2;
        beforeCommit().then(
          () => this.push(null),
          (err: Error) => this.destroy(err),
        );
      }
    },
  });
}

export class CommittedSmtp {
  /** Idle connections, reused for the next message; one message per connection at a time. */
  private idle: SMTPConnection[] = [];
  private readonly open = new Set<SMTPConnection>();
  private readonly options: SMTPConnection.Options & { auth?: { user: string; pass: string } };

  constructor(url: string, rejectUnauthorized: boolean) {
    const parsed = parseConnectionUrl(url) as SMTPConnection.Options & { auth?: { user: string; pass: string } };
    this.options = { ...parsed, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, tls: { rejectUnauthorized } };
  }

  private async connection(): Promise<SMTPConnection> {
    const reuse = this.idle.pop();
    if (reuse) return reuse;
    const conn = new SMTPConnection(this.options);
    await new Promise<void>((resolve, reject) => {
      conn.once('error', reject);
      conn.connect(() => {
        conn.removeListener('error', reject);
        resolve();
      });
    });
    // The final "." goes out as its own small write after the commit record; without TCP_NODELAY
    // Nagle's algorithm holds it back until the server's delayed ACK (about 40 ms per message).
    (conn as unknown as { _socket?: { setNoDelay?: (on: boolean) => void } })._socket?.setNoDelay?.(true);
    // Later socket errors surface through send(); keep the emitter from throwing them.
    conn.on('error', () => {});
    conn.once('end', () => {
      this.open.delete(conn);
      this.idle = this.idle.filter((c) => c !== conn);
    });
    if (this.options.auth) {
      await new Promise<void>((resolve, reject) =>
        conn.login({ user: this.options.auth!.user, pass: this.options.auth!.pass }, (err) => (err ? reject(err) : resolve())),
      );
    }
    this.open.add(conn);
    return conn;
  }

  async send(options: Mail.Options, beforeCommit: () => Promise<void>): Promise<CommittedSend> {
    const { raw, envelope } = await compose(options);
    let conn: SMTPConnection;
    try {
      conn = await this.connection();
    } catch (err) {
      throw new SmtpSendError(`SMTP connection failed: ${(err as Error).message}`, undefined, 'CONN');
    }
    try {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        conn.send(envelope, committingStream(raw, beforeCommit), (err, i) => (err ? reject(err) : resolve(i))),
      );
      if (this.open.has(conn)) this.idle.push(conn);
      return { messageId: String(options.messageId ?? ''), response: String(info.response ?? '') };
    } catch (err) {
      // After any failure the session state is unknown: start the next message on a fresh connection.
      this.drop(conn);
      const e = err as Error & { responseCode?: number; command?: string };
      throw new SmtpSendError(e.message, e.responseCode, e.command);
    }
  }

  private drop(c: SMTPConnection): void {
    this.open.delete(c);
    this.idle = this.idle.filter((x) => x !== c);
    try {
      c.quit();
      c.close();
    } catch {
      /* already closed */
    }
  }

  close(): void {
    for (const c of [...this.open]) this.drop(c);
  }
}
