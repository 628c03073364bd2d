// Sending: claim due deliveries with a lease, consult the send log, send, record.
//
// Exactly once, step by step, for one delivery (its Message-ID never changes between attempts):
//   1. claim        status pending → sending, lease_until = now + lease (a dead sender's rows come back after it)
//   2. check log    digest_send_log[message_id]: accepted/assumed → just mark sent; committing → the
//                   previous attempt died after the message reached the server: mark it 'assumed', do not resend
//   3. prepared     log row written before connecting
//   4. committing   written after the server has the whole body and BEFORE the final "." (committed-smtp.ts);
//                   an SMTP server drops a DATA transfer that never got its terminator, so a crash before
//                   this write leaves nothing at the server and the retry is safe
//   5. accepted     the server's 250, then the delivery is marked sent
// A crash between 4 and 5 is the one window where the outcome is unknown; there we choose
// "delivered" (the server holds the complete message, and a duplicate would carry the same
// Message-ID for receivers to fold). Transient errors (4xx, lost connection) go back to pending
// with exponential backoff; a 5xx to RCPT or DATA suspends the address with the server's reason.
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { DeliveryRow, DigestStore, EditionRow } from '../storage/digest.ts';
import type { SubscriberStore } from '../storage/digest-subscribers.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { Config } from '../config/index.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { Logger } from '../logger.ts';
import { renderDigest, type MailPaper, type MailSection } from '../mail/digest-render.ts';
import { rowToSubscriber, type Subscriber } from './digest-subscriptions.ts';
import { unsubscribeToken } from './digest-util.ts';
import { deliveryPaperIds, type DeliveryPapers } from './digest-build.ts';

export interface SendResult {
  claimed: number;
  sent: number;
  /** Marked sent from the send log without a second mail (recovery after a crash). */
  recovered: number;
  retried: number;
  failed: number;
  skipped: number;
  seconds: number;
}

export interface SendOptions {
  /** Stop after this many deliveries were handled. */
  limit?: number;
  signal?: AbortSignal;
  /** Called after each handled delivery. */
  onDelivery?: (d: { id: number; outcome: string }) => void;
}

const BATCH = 10;

/** The address part of "Name <a@b>". */
export function addressOf(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

function smtpDetails(err: unknown): { code?: number; command?: string; message: string } {
  const e = err as Error & { responseCode?: number; command?: string; permanent?: boolean };
  return { code: e.responseCode, command: e.command, message: e.message };
}

export class DigestSender {
  readonly workerId = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  private nextSlot = 0;
  private readonly papers = new Map<number, MailPaper>();
  private readonly editions = new Map<number, EditionRow>();

  constructor(
    private readonly store: DigestStore,
    private readonly subscribers: SubscriberStore,
    private readonly paperStore: PaperStore,
    private readonly config: Config,
    private readonly secret: string,
    private readonly mail: MailTransport,
    private readonly log: Logger,
    private readonly now: () => Date,
  ) {}

  private iso(offsetMs = 0): string {
    return new Date(this.now().getTime() + offsetMs).toISOString();
  }

  private leaseUntil(): string {
    return this.iso(this.config.digestLeaseSeconds * 1000);
  }

  /** Claims up to `n` due deliveries (pending and due, or sending with an expired lease). */
  async claim(n: number): Promise<DeliveryRow[]> {
    return this.store.claim(this.workerId, n, this.iso(), this.leaseUntil());
  }

  /** Sends every due delivery (or `limit` of them), throttled to PAPERBOY_DIGEST_RATE messages per second. */
  async run(opts: SendOptions = {}): Promise<SendResult> {
    const started = performance.now();
    const r: SendResult = { claimed: 0, sent: 0, recovered: 0, retried: 0, failed: 0, skipped: 0, seconds: 0 };
    let handled = 0;
    while (!opts.signal?.aborted && (opts.limit === undefined || handled < opts.limit)) {
      const batch = await this.claim(Math.min(BATCH, opts.limit === undefined ? BATCH : opts.limit - handled));
      if (!batch.length) break;
      r.claimed += batch.length;
      // A few messages in flight at once (PAPERBOY_DIGEST_CONNECTIONS), each on its own SMTP connection;
      // the throttle still spaces their starts to PAPERBOY_DIGEST_RATE per second.
      let next = 0;
      const lane = async () => {
        while (next < batch.length && !opts.signal?.aborted) {
          const d = batch[next++];
          const outcome = await this.deliver(d);
          r[outcome]++;
          handled++;
          opts.onDelivery?.({ id: d.id, outcome });
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.config.digestConnections, batch.length) }, lane));
    }
    // Rows claimed but not handled (stopped mid-batch) are given back at once.
    await this.store.releaseHeld(this.workerId);
    r.seconds = Math.round(performance.now() - started) / 1000;
    return r;
  }

  private async throttle(): Promise<void> {
    const gap = 1000 / this.config.digestRate;
    const now = performance.now();
    const at = Math.max(now, this.nextSlot);
    this.nextSlot = at + gap;
    if (at > now) await new Promise((res) => setTimeout(res, at - now));
  }

  private async finish(d: DeliveryRow, status: string, extra: { last_error?: string | null; sent_at?: string | null } = {}): Promise<void> {
    await this.store.finish(d.id, status, this.iso(), extra);
  }

  /** Papers that were reserved for a delivery that will never go out may be sent later after all. */
  private async releasePapers(d: DeliveryRow): Promise<void> {
    const p = JSON.parse(d.papers_json) as DeliveryPapers;
    // By primary key (subscriber, paper); only the rows this delivery reserved.
    await this.store.releasePapers(d.id, d.subscriber_id, deliveryPaperIds(p));
  }

  private async setLog(d: DeliveryRow, to: string, state: string, response: string | null = null): Promise<void> {
    await this.store.setLog({ messageId: d.message_id, deliveryId: d.id, recipient: to, state, response, at: this.iso() });
  }

  async deliver(d: DeliveryRow): Promise<'sent' | 'recovered' | 'retried' | 'failed' | 'skipped'> {
    const subRow = await this.subscribers.get(d.subscriber_id);
    const sub = subRow && rowToSubscriber(subRow);
    if (!sub || sub.status !== 'confirmed') {
      await this.finish(d, 'skipped', { last_error: `subscriber ${sub?.status ?? 'gone'}` });
      await this.releasePapers(d);
      return 'skipped';
    }
    const log = await this.store.logFor(d.message_id);
    if (log && ['accepted', 'assumed', 'committing'].includes(log.state)) {
      if (log.state === 'committing') {
        await this.setLog(d, sub.email, 'assumed', 'sender stopped after the message reached the server; not sent again');
        this.log.warn({ delivery: d.id }, 'digest: previous attempt died after commit; treated as delivered');
      }
      await this.finish(d, 'sent', { sent_at: log.updated_at, last_error: null });
      return 'recovered';
    }
    if (log?.state === 'rejected') {
      await this.finish(d, 'failed', { last_error: log.response });
      return 'failed';
    }
    // Still ours? A sender slower than its lease may have lost the row to another one.
    if (!(await this.store.renewLease(d.id, this.workerId, this.leaseUntil()))) return 'skipped';

    const content = await this.render(d, sub);
    await this.throttle();
    await this.setLog(d, sub.email, 'prepared');
    try {
      const res = await this.mail.send({
        to: sub.email,
        subject: content.subject,
        text: content.text,
        html: content.html,
        messageId: d.message_id,
        headers: content.headers,
        beforeCommit: () => this.setLog(d, sub.email, 'committing'),
      });
      await this.setLog(d, sub.email, 'accepted', res.response.slice(0, 500));
      await this.finish(d, 'sent', { sent_at: this.iso(), last_error: null });
      return 'sent';
    } catch (err) {
      const e = smtpDetails(err);
      const reason = `${e.code ?? ''} ${e.message}`.trim().slice(0, 1000);
      const addressLevel = e.command === undefined || /RCPT|DATA|message/i.test(e.command ?? '');
      if (e.code !== undefined && e.code >= 500 && e.code < 600 && addressLevel) {
        await this.setLog(d, sub.email, 'rejected', reason);
        await this.finish(d, 'failed', { last_error: reason });
        await this.releasePapers(d);
        await this.subscribers.suspend(sub.id, reason, this.iso());
        this.log.warn({ delivery: d.id, subscriber: sub.id, code: e.code }, 'digest: permanent failure, address suspended');
        return 'failed';
      }
      await this.setLog(d, sub.email, 'transient', reason);
      if (d.attempts >= this.config.digestMaxAttempts) {
        await this.finish(d, 'failed', { last_error: `gave up after ${d.attempts} attempts: ${reason}` });
        await this.releasePapers(d);
        return 'failed';
      }
      const wait = this.config.digestRetrySeconds * 1000 * 2 ** (d.attempts - 1);
      await this.store.retryLater(d.id, this.iso(wait), reason, this.iso());
      this.log.info({ delivery: d.id, code: e.code, retryInMs: wait }, 'digest: transient failure, will retry');
      return 'retried';
    }
  }

  /** The mail for a delivery: deterministic from the stored paper choice, so every attempt is the same message. */
  async render(d: DeliveryRow, sub: Subscriber) {
    const ed = await this.edition(d.edition_id);
    const chosen = JSON.parse(d.papers_json) as DeliveryPapers;
    await this.loadPapers(deliveryPaperIds(chosen));
    const get = (id: number, why?: string): MailPaper[] => {
      const p = this.papers.get(id);
      return p ? [{ ...p, why }] : [];
    };
    const daily = ed.kind === 'daily';
    const sections: MailSection[] = [
      { title: daily ? 'Top papers of the day' : 'Top papers of the week', papers: chosen.top.flatMap((id) => get(id)) },
      { title: 'Trending now', papers: chosen.trending.flatMap((id) => get(id)) },
      { title: 'Picked for you', papers: chosen.personal.flatMap(([id, why]) => get(id, why)) },
      { title: 'For you', papers: (chosen.forYou ?? []).flatMap(([id, why]) => get(id, why)) },
    ];
    const base = this.config.publicUrl.replace(/\/$/, '');
    const token = unsubscribeToken(this.secret, sub.id, sub.email);
    const unsubscribeUrl = `${base}/unsubscribe/${token}`;
    const label = daily
      ? new Date(`${ed.edition_key}T00:00:00Z`).toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
      : `week ${Number(ed.edition_key.slice(6))} of ${ed.edition_key.slice(0, 4)}`;
    const m = renderDigest({
      siteName: 'Paperboy',
      publicUrl: base,
      kind: ed.kind as 'daily' | 'weekly',
      editionLabel: label,
      listUrl: daily ? `${base}/papers/date/${ed.edition_key}` : `${base}/papers/week/${ed.edition_key}`,
      sections,
      unsubscribeUrl,
      manageUrl: `${base}/subscribe/manage/${token}`,
    });
    const mailto = addressOf(this.config.digestUnsubscribeMailto ?? this.config.mailReplyTo ?? this.config.mailFrom);
    const host = new URL(base).hostname || 'localhost';
    return {
      ...m,
      headers: {
        // RFC 2369 + RFC 8058: an HTTPS URL that unsubscribes on POST (one click), and a mailto: form.
        'List-Unsubscribe': `<${unsubscribeUrl}>, <mailto:${mailto}?subject=unsubscribe%20${token}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'List-Id': `Paperboy ${ed.kind} digest <${ed.kind}.digest.${host}>`,
        Precedence: 'bulk',
        'Auto-Submitted': 'auto-generated',
      },
    };
  }

  private async edition(id: number): Promise<EditionRow> {
    let ed = this.editions.get(id);
    if (!ed) {
      ed = await this.store.edition(id);
      this.editions.set(id, ed);
    }
    return ed;
  }

  private async loadPapers(ids: number[]): Promise<void> {
    const missing = [...new Set(ids)].filter((id) => !this.papers.has(id));
    for (const p of (await this.paperStore.byIds(missing)).values()) {
      this.papers.set(p.id, {
        arxivId: p.arxivId,
        title: p.title,
        authors: p.authors,
        abstract: p.abstract,
        // Displayed upvotes (src/domain/counts.ts), as on the site.
        upvotes: p.upvotes,
        categories: p.categories,
        codeUrl: p.codeUrl,
      });
    }
  }
}
