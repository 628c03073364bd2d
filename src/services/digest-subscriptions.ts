// Subscriptions without an account: double opt-in by a confirmation mail whose link expires,
// one-click unsubscribe by a signed token, and the same preferences for signed-in users.
// Nothing here tells a caller whether an address was already subscribed.
import { sha256 } from '../domain/hash.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { PrefColumns, SubscriberRow, SubscriberStore } from '../storage/digest-subscribers.ts';
import type { Config } from '../config/index.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { Logger } from '../logger.ts';
import { renderConfirm } from '../mail/digest-render.ts';
import {
  checkUnsubscribeMac,
  newToken,
  parseUnsubscribeToken,
  sha256Hex,
  unsubscribeToken,
  type DigestPrefs,
  type Frequency,
} from './digest-util.ts';

export type { SubscriberRow } from '../storage/digest-subscribers.ts';

export interface Subscriber extends DigestPrefs {
  id: number;
  email: string;
  status: 'pending' | 'confirmed' | 'unsubscribed' | 'suspended';
  userId: number | null;
  suspendedReason: string | null;
}

export function rowToSubscriber(r: SubscriberRow): Subscriber {
  return {
    id: r.id,
    email: r.email,
    status: r.status as Subscriber['status'],
    frequency: r.frequency as Frequency,
    categories: JSON.parse(r.categories_json) as string[],
    keywords: JSON.parse(r.keywords_json) as string[],
    authors: JSON.parse(r.authors_json) as string[],
    timeZone: r.time_zone,
    userId: r.user_id,
    suspendedReason: r.suspended_reason,
  };
}

function prefColumns(p: DigestPrefs): PrefColumns {
  return {
    frequency: p.frequency,
    categories_json: JSON.stringify(p.categories),
    keywords_json: JSON.stringify(p.keywords),
    authors_json: JSON.stringify(p.authors),
    time_zone: p.timeZone,
  };
}

export function describePrefs(p: DigestPrefs): string {
  const parts = [`${p.frequency === 'daily' ? 'Daily, on arXiv announcement days' : 'Weekly'}, time zone ${p.timeZone}`];
  if (p.categories.length) parts.push(`categories ${p.categories.join(', ')}`);
  if (p.keywords.length) parts.push(`keywords ${p.keywords.map((k) => `“${k}”`).join(', ')}`);
  if (p.authors.length) parts.push(`authors ${p.authors.join(', ')}`);
  return `${parts.join('; ')}.`;
}

/**
 * The preferences as said in a confirmation mail, which goes to an address whoever filled the
 * form typed: no free text of theirs (keywords, author names), only counts; the confirmation
 * page, opened by the address's owner, shows the whole request.
 */
export function describePrefsForConfirmation(p: DigestPrefs): string {
  const parts = [`${p.frequency === 'daily' ? 'Daily, on arXiv announcement days' : 'Weekly'}, time zone ${p.timeZone}`];
  if (p.categories.length) parts.push(`categories ${p.categories.join(', ')}`);
  if (p.keywords.length) parts.push(`${p.keywords.length} keyword${p.keywords.length === 1 ? '' : 's'}`);
  if (p.authors.length) parts.push(`${p.authors.length} author${p.authors.length === 1 ? '' : 's'}`);
  return `${parts.join('; ')}.`;
}

export class DigestSubscriptions {
  constructor(
    private readonly store: SubscriberStore,
    private readonly config: Config,
    private readonly secret: string,
    private readonly mail: MailTransport,
    private readonly log: Logger,
    private readonly limiter: Pick<RateLimiter, 'consume'>,
    private readonly now: () => Date,
  ) {}

  /** Counts a subscribe request from `client` with the general limiter (fixed one-hour windows); throws 429 over the limit. */
  async limit(client: string): Promise<void> {
    const message = 'Too many subscription requests from your network.';
    await this.limiter.consume(`digest-subscribe:${sha256(client).slice(0, 24)}`, this.config.digestSubscribePerHour, 3600, message);
  }

  private windowMs(): number {
    return this.config.digestConfirmHours * 3600_000;
  }

  /**
   * Records a subscription request and, unless this address was mailed within the confirmation
   * window (or hard-bounced), mails a confirmation link. Returns the send promise (or null when no
   * mail goes out) so a web handler can answer at once, the same way in every case.
   */
  async subscribe(email: string, prefs: DigestPrefs): Promise<Promise<void> | null> {
    const t = this.now();
    const iso = t.toISOString();
    const row = await this.store.insertPending(email, prefColumns(prefs), iso);
    if (row.status === 'suspended') return null;
    // Claim the right to mail atomically: only when no confirmation mail is still within its window.
    // The request's preferences wait for confirmation, and are stored only with a new link: while a
    // confirmation is pending, a stranger can neither change a live subscription nor replace what
    // the pending link would confirm.
    const token = newToken();
    const expires = new Date(t.getTime() + this.windowMs()).toISOString();
    const claimed = await this.store.claimConfirmation(row.id, { tokenHash: sha256Hex(token), iso, expiresAt: expires, pendingJson: JSON.stringify(prefs) });
    if (!claimed) return null;
    const base = this.config.publicUrl.replace(/\/$/, '');
    const m = renderConfirm({
      siteName: 'Paperboy',
      publicUrl: base,
      confirmUrl: `${base}/subscribe/confirm/${token}`,
      expiresHours: this.config.digestConfirmHours,
      frequency: prefs.frequency,
      summary: describePrefsForConfirmation(prefs),
    });
    return this.mail.send({ to: email, subject: m.subject, text: m.text, html: m.html }).then(
      () => undefined,
      (err: Error) => this.log.warn({ err: err.message, subscriber: row.id }, 'confirmation mail failed'),
    );
  }

  private async byConfirmToken(token: string): Promise<SubscriberRow | undefined> {
    if (!/^[\w-]{20,64}$/.test(token)) return undefined;
    return this.store.byConfirmHash(sha256Hex(token), this.now().toISOString());
  }

  /** What a confirmation link would confirm, or undefined when it is unknown, used or expired. */
  async peekConfirm(token: string): Promise<{ email: string; prefs: DigestPrefs } | undefined> {
    const row = await this.byConfirmToken(token);
    if (!row) return undefined;
    const s = rowToSubscriber(row);
    return { email: s.email, prefs: row.pending_json ? (JSON.parse(row.pending_json) as DigestPrefs) : s };
  }

  /** Confirms (applies the waiting preferences); false when the link is unknown, used or expired. */
  async confirm(token: string): Promise<Subscriber | undefined> {
    const row = await this.byConfirmToken(token);
    if (!row) return undefined;
    const iso = this.now().toISOString();
    const prefs = row.pending_json ? (JSON.parse(row.pending_json) as DigestPrefs) : rowToSubscriber(row);
    // The link is single-use; confirm_expires_at stays, so the window still holds off a second mail.
    await this.store.confirm(row, prefColumns(prefs), iso);
    return this.get(row.id);
  }

  async get(id: number): Promise<Subscriber | undefined> {
    const r = await this.store.get(id);
    return r ? rowToSubscriber(r) : undefined;
  }

  async byEmail(email: string): Promise<Subscriber | undefined> {
    const r = await this.store.byEmail(email.toLowerCase());
    return r ? rowToSubscriber(r) : undefined;
  }

  unsubscribeToken(s: { id: number; email: string }): string {
    return unsubscribeToken(this.secret, s.id, s.email);
  }

  /** The subscriber a signed unsubscribe token names, when the signature holds. */
  async fromUnsubscribeToken(token: string): Promise<Subscriber | undefined> {
    const parsed = parseUnsubscribeToken(token);
    if (!parsed) return undefined;
    const s = await this.get(parsed.id);
    if (!s || !checkUnsubscribeMac(this.secret, s.id, s.email, parsed.mac)) return undefined;
    return s;
  }

  /** Stops every digest to the address. Idempotent. */
  async unsubscribe(id: number): Promise<void> {
    const iso = this.now().toISOString();
    await this.store.unsubscribe(id, iso);
  }

  /** Saves preferences for a subscriber proven by a signed link (from a digest they received). */
  async savePrefs(id: number, prefs: DigestPrefs): Promise<Subscriber> {
    const iso = this.now().toISOString();
    // Saving turns an unsubscribed address back on; a bounced one stays suspended.
    await this.store.savePrefs(id, prefColumns(prefs), iso);
    return (await this.get(id))!;
  }

  /** The subscription a signed-in user manages: linked to the account, or one at the account's address. */
  async forUser(user: { id: number; email: string }): Promise<Subscriber | undefined> {
    const r = (await this.store.byUserId(user.id)) ?? (await this.store.byEmail(user.email.toLowerCase()));
    return r ? rowToSubscriber(r) : undefined;
  }

  /**
   * Saves a signed-in user's preferences. The account's address was proven by its sign-in link,
   * so this needs no confirmation mail. A hard-bounced address stays suspended.
   */
  async saveForUser(user: { id: number; email: string }, prefs: DigestPrefs): Promise<Subscriber> {
    const iso = this.now().toISOString();
    const email = user.email.toLowerCase();
    const existing = await this.forUser(user);
    if (existing) {
      await this.store.saveForUser(existing.id, user.id, prefColumns(prefs), existing.status === 'suspended' ? 'suspended' : 'confirmed', iso);
      return (await this.get(existing.id))!;
    }
    return rowToSubscriber(await this.store.upsertForUser(email, user.id, prefColumns(prefs), iso));
  }
}
