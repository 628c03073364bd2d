// The drafts a signed-out reader leaves when an action needs an account (migration 0021): kept
// by the sha256 of their key, taken up once after sign-in, deleted when posted or expired.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { PendingDraftsTable } from './schema-community.ts';

export type DraftRow = Selectable<PendingDraftsTable>;

export class PendingDraftStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: { keyHash: string; kind: string; target: string; body: string; createdAt: string; expiresAt: string }): Promise<void> {
    await this.db
      .insertInto('pending_drafts')
      .values({ key_hash: row.keyHash, kind: row.kind, target: row.target, body: row.body, created_at: row.createdAt, expires_at: row.expiresAt })
      .execute();
  }

  /** The live draft with this key, if any. */
  async find(keyHash: string, now: string): Promise<DraftRow | undefined> {
    return this.db.selectFrom('pending_drafts').selectAll().where('key_hash', '=', keyHash).where('expires_at', '>', now).executeTakeFirst();
  }

  /**
   * Marks a live, unclaimed draft as being posted by `userId` (a draft another reader took up stays
   * theirs); returns it, or undefined when it is gone, expired, or being posted by another request.
   */
  async claim(keyHash: string, userId: number, now: string): Promise<DraftRow | undefined> {
    const r = await this.db
      .updateTable('pending_drafts')
      .set({ claimed_at: now, user_id: userId })
      .where('key_hash', '=', keyHash)
      .where('expires_at', '>', now)
      .where('claimed_at', 'is', null)
      .where((eb) => eb.or([eb('user_id', 'is', null), eb('user_id', '=', userId)]))
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) return undefined;
    return this.db.selectFrom('pending_drafts').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
  }

  /** Gives a claimed draft back with the reason it could not be posted. */
  async release(keyHash: string, problem: string): Promise<void> {
    await this.db
      .updateTable('pending_drafts')
      .set({ claimed_at: null, problem: problem.slice(0, 500) })
      .where('key_hash', '=', keyHash)
      .execute();
  }

  async remove(keyHash: string): Promise<void> {
    await this.db.deleteFrom('pending_drafts').where('key_hash', '=', keyHash).execute();
  }

  /** Deletes expired drafts; returns how many went. */
  async purge(now: string): Promise<number> {
    const r = await this.db.deleteFrom('pending_drafts').where('expires_at', '<=', now).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }
}
