// Digest subscribers' rows (rules in src/services/digest-subscriptions.ts): double opt-in state,
// preferences as JSON columns, and the conditional updates that make a confirmation mail and its
// link single-use even when requests race.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { DigestSubscribersTable } from './schema-digest.ts';

export type SubscriberRow = Selectable<DigestSubscribersTable>;

/** The preference columns, as the service serialises them. */
export interface PrefColumns {
  frequency: string;
  categories_json: string;
  keywords_json: string;
  authors_json: string;
  time_zone: string;
}

const empty = {
  user_id: null,
  pending_json: null,
  confirm_token_hash: null,
  confirm_sent_at: null,
  confirm_expires_at: null,
  confirmed_at: null,
  unsubscribed_at: null,
  suspended_reason: null,
} as const;

export class SubscriberStore {
  constructor(private readonly db: Kysely<Database>) {}

  get(id: number): Promise<SubscriberRow | undefined> {
    return this.db.selectFrom('digest_subscribers').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byEmail(email: string): Promise<SubscriberRow | undefined> {
    return this.db.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirst();
  }

  byUserId(userId: number): Promise<SubscriberRow | undefined> {
    return this.db.selectFrom('digest_subscribers').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  /** A pending subscriber for the address unless one exists; returns the row either way. */
  async insertPending(email: string, prefs: PrefColumns, iso: string): Promise<SubscriberRow> {
    await this.db
      .insertInto('digest_subscribers')
      .values({ email, status: 'pending', ...prefs, ...empty, created_at: iso, updated_at: iso })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    return this.db.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  }

  /**
   * Takes the right to send a confirmation mail: stores the new link and the waiting preferences
   * only when no earlier link is still within its window. False when one is.
   */
  async claimConfirmation(id: number, c: { tokenHash: string; iso: string; expiresAt: string; pendingJson: string }): Promise<boolean> {
    const r = await this.db
      .updateTable('digest_subscribers')
      .set({ confirm_token_hash: c.tokenHash, confirm_sent_at: c.iso, confirm_expires_at: c.expiresAt, pending_json: c.pendingJson, updated_at: c.iso })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('confirm_expires_at', 'is', null), eb('confirm_expires_at', '<=', c.iso)]))
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  /** The subscriber whose unexpired confirmation link has this hash (not a suspended one). */
  byConfirmHash(tokenHash: string, nowIso: string): Promise<SubscriberRow | undefined> {
    return this.db
      .selectFrom('digest_subscribers')
      .selectAll()
      .where('confirm_token_hash', '=', tokenHash)
      .where('confirm_expires_at', '>', nowIso)
      .where('status', '!=', 'suspended')
      .executeTakeFirst();
  }

  /**
   * Confirms with these preferences and uses the link up (only while it is still the row's link).
   * confirm_expires_at stays, so the window still holds off a second mail.
   */
  async confirm(row: SubscriberRow, prefs: PrefColumns, iso: string): Promise<void> {
    await this.db
      .updateTable('digest_subscribers')
      .set({
        status: 'confirmed',
        ...prefs,
        pending_json: null,
        confirm_token_hash: null,
        confirmed_at: row.confirmed_at ?? iso,
        unsubscribed_at: null,
        updated_at: iso,
      })
      .where('id', '=', row.id)
      .where('confirm_token_hash', '=', row.confirm_token_hash)
      .execute();
  }

  /** Pending or confirmed → unsubscribed (idempotent). */
  async unsubscribe(id: number, iso: string): Promise<void> {
    await this.db
      .updateTable('digest_subscribers')
      .set({ status: 'unsubscribed', unsubscribed_at: iso, updated_at: iso, pending_json: null, confirm_token_hash: null })
      .where('id', '=', id)
      .where('status', 'in', ['pending', 'confirmed'])
      .execute();
  }

  /** Saves preferences and turns the address back on, unless it is suspended (bounced). */
  async savePrefs(id: number, prefs: PrefColumns, iso: string): Promise<void> {
    await this.db
      .updateTable('digest_subscribers')
      .set({ ...prefs, pending_json: null, unsubscribed_at: null, updated_at: iso })
      .where('id', '=', id)
      .execute();
    await this.db.updateTable('digest_subscribers').set({ status: 'confirmed' }).where('id', '=', id).where('status', '!=', 'suspended').execute();
  }

  /** A signed-in user's preferences on an existing subscriber: linked to the account and confirmed (suspended stays). */
  async saveForUser(id: number, userId: number, prefs: PrefColumns, status: string, iso: string): Promise<void> {
    await this.db
      .updateTable('digest_subscribers')
      .set({ ...prefs, user_id: userId, status, pending_json: null, confirmed_at: iso, unsubscribed_at: null, updated_at: iso })
      .where('id', '=', id)
      .execute();
  }

  /** A confirmed subscriber for a signed-in user's address (or those preferences on the existing row). */
  async upsertForUser(email: string, userId: number, prefs: PrefColumns, iso: string): Promise<SubscriberRow> {
    await this.db
      .insertInto('digest_subscribers')
      .values({ email, status: 'confirmed', ...prefs, ...empty, user_id: userId, confirmed_at: iso, created_at: iso, updated_at: iso })
      .onConflict((oc) => oc.column('email').doUpdateSet({ ...prefs, user_id: userId, status: 'confirmed', updated_at: iso }))
      .execute();
    return this.db.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  }

  /** Stops every digest to the address after a permanent failure (the server's reason kept). */
  async suspend(id: number, reason: string, iso: string): Promise<void> {
    await this.db.updateTable('digest_subscribers').set({ status: 'suspended', suspended_reason: reason, updated_at: iso }).where('id', '=', id).execute();
  }

  /** Confirmed subscribers of a frequency, by id, after `afterId` (keyset pages). */
  confirmedPage(frequency: string, afterId: number, limit: number): Promise<SubscriberRow[]> {
    return this.db
      .selectFrom('digest_subscribers')
      .selectAll()
      .where('status', '=', 'confirmed')
      .where('frequency', '=', frequency)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('digest_subscribers')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
