// Drafts that wait through sign-in (src/domain/pending.ts): the comment or submission a signed-out
// reader typed is kept here under a random key, and posted by the sign-in that brings them back.
// Kept without an account, so each network may leave only so many per hour, each is bounded by the
// form's own limit before it gets here, and expired ones are deleted whenever a new one is kept.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../domain/hash.ts';
import { errors } from '../domain/errors.ts';
import { DRAFT_KEY, DRAFT_MINUTES, DRAFTS_PER_IP_PER_HOUR, type DraftKind } from '../domain/pending.ts';
import type { PendingDraftStore, DraftRow } from '../storage/pending-drafts.ts';
import type { RateLimiter } from './rate-limit.ts';

export interface Draft {
  key: string;
  kind: DraftKind;
  /** The arXiv id commented on, or the paper as typed in the submit form. */
  target: string;
  /** The comment's Markdown, or the submission's note. */
  body: string;
  /** Why posting it after sign-in was refused, if it was. */
  problem: string | null;
}

/** The longest text a draft keeps (each form's own limit is lower and checked first). */
const MAX_BODY = 20_000;

export class PendingDrafts {
  constructor(
    private readonly store: PendingDraftStore,
    private readonly limiter: RateLimiter,
    private readonly now: () => Date,
  ) {}

  private iso(offsetMs = 0) {
    return new Date(this.now().getTime() + offsetMs).toISOString();
  }

  private hash(key: string): string | null {
    return DRAFT_KEY.test(key) ? sha256(`draft:${key}`) : null;
  }

  private view(key: string, r: DraftRow): Draft {
    return { key, kind: r.kind as DraftKind, target: r.target, body: r.body, problem: r.problem };
  }

  /** Keeps what was typed; returns the key that rides through sign-in. */
  async keep(kind: DraftKind, target: string, body: string, ip: string): Promise<string> {
    if (body.length > MAX_BODY || target.length > 300) throw errors.badRequest('That is too long to keep.');
    await this.limiter.consume(`draft:ip:${ip}`, DRAFTS_PER_IP_PER_HOUR, 3600, 'Too many unsent drafts from your network.');
    await this.store.purge(this.iso());
    const key = randomBytes(16).toString('base64url');
    await this.store.insert({ keyHash: this.hash(key)!, kind, target, body, createdAt: this.iso(), expiresAt: this.iso(DRAFT_MINUTES * 60_000) });
    return key;
  }

  /**
   * A live draft, for the pages on the way (sign-in shows what will be posted) and for the form
   * that shows it again after a refusal: once a reader has taken it up, only they see it.
   */
  async peek(key: string | undefined, kind: DraftKind, viewerId?: number): Promise<Draft | null> {
    const h = key ? this.hash(key) : null;
    if (!h) return null;
    const r = await this.store.find(h, this.iso());
    if (!r || r.kind !== kind || (r.user_id !== null && r.user_id !== viewerId)) return null;
    return this.view(key!, r);
  }

  /** Takes a draft up for posting by `userId` (once, however many requests race). */
  async claim(key: string, kind: DraftKind, userId: number): Promise<Draft | null> {
    const h = this.hash(key);
    if (!h) return null;
    const r = await this.store.claim(h, userId, this.iso());
    if (!r) return null;
    if (r.kind !== kind) {
      await this.store.release(h, '');
      return null;
    }
    return this.view(key, r);
  }

  /** Posting was refused: the draft stays, with the reason, for its reader to fix and send. */
  async release(key: string, problem: string): Promise<void> {
    const h = this.hash(key);
    if (h) await this.store.release(h, problem);
  }

  /** Posted: the draft is gone. */
  async done(key: string): Promise<void> {
    const h = this.hash(key);
    if (h) await this.store.remove(h);
  }
}
