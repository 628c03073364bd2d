// Accounts' rows: users, sign-in links, sessions and personal API tokens (rules in src/services/accounts.ts).
// Only hashes of secrets reach these tables; the service hashes before it calls.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { UsersTable } from './schema-community.ts';

export type UserRow = Selectable<UsersTable>;

export interface NewMagicLink {
  tokenHash: string;
  email: string;
  nextPath: string | null;
  pending: string | null;
  createdAt: string;
  expiresAt: string;
}

export class UserStore {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- users

  /** Inserts the address unless it exists; returns the row either way. */
  async findOrCreate(email: string, createdAt: string): Promise<UserRow> {
    await this.db
      .insertInto('users')
      .values({ email, role: 'user', created_at: createdAt })
      .onConflict((oc) => oc.column('email').doNothing())
      .execute();
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
  }

  byId(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  byUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  byEmail(email: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  }

  async usernameTaken(username: string): Promise<boolean> {
    return !!(await this.db.selectFrom('users').select('id').where('username', '=', username).executeTakeFirst());
  }

  /** Sets a username only where none is set yet (a concurrent choice wins). */
  async setUsernameIfNone(userId: number, username: string, displayName: string): Promise<void> {
    await this.db.updateTable('users').set({ username, display_name: displayName }).where('id', '=', userId).where('username', 'is', null).execute();
  }

  async setProfile(userId: number, set: { display_name: string; username?: string }): Promise<void> {
    await this.db.updateTable('users').set(set).where('id', '=', userId).execute();
  }

  async setRole(userId: number, role: string): Promise<void> {
    await this.db.updateTable('users').set({ role }).where('id', '=', userId).execute();
  }

  // ---- sign-in links

  async insertLink(l: NewMagicLink): Promise<void> {
    await this.db
      .insertInto('magic_links')
      .values({ token_hash: l.tokenHash, email: l.email, next_path: l.nextPath, pending: l.pending, created_at: l.createdAt, expires_at: l.expiresAt })
      .execute();
  }

  linkByHash(tokenHash: string) {
    return this.db.selectFrom('magic_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  /** Marks a link used; false when another request used it first (the update is conditional). */
  async useLink(id: number, usedAt: string): Promise<boolean> {
    const r = await this.db.updateTable('magic_links').set({ used_at: usedAt }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---- sessions

  async insertSession(s: { tokenHash: string; userId: number; createdAt: string; expiresAt: string; userAgent: string | null }): Promise<void> {
    await this.db
      .insertInto('sessions')
      .values({
        token_hash: s.tokenHash,
        user_id: s.userId,
        created_at: s.createdAt,
        expires_at: s.expiresAt,
        last_seen_at: s.createdAt,
        user_agent: s.userAgent,
      })
      .execute();
  }

  /** The unexpired session with this hash and its user. */
  sessionUser(tokenHash: string, nowIso: string) {
    return this.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .selectAll('u')
      .select(['s.id as session_id', 's.last_seen_at as s_seen'])
      .where('s.token_hash', '=', tokenHash)
      .where('s.expires_at', '>', nowIso)
      .executeTakeFirst();
  }

  async touchSession(sessionId: number, at: string): Promise<void> {
    await this.db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', sessionId).execute();
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
  }

  /** Deletes every session of the user; returns how many. */
  async deleteSessionsOf(userId: number): Promise<number> {
    const r = await this.db.deleteFrom('sessions').where('user_id', '=', userId).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  // ---- API tokens

  async insertToken(t: { userId: number; name: string; tokenHash: string; createdAt: string; scopes: string; expiresAt: string | null }): Promise<number> {
    const r = await this.db
      .insertInto('api_tokens')
      .values({ user_id: t.userId, name: t.name, token_hash: t.tokenHash, created_at: t.createdAt, scopes: t.scopes, expires_at: t.expiresAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }

  /** The unrevoked token with this hash and its user (expiry is the service's rule). */
  tokenUser(tokenHash: string) {
    return this.db
      .selectFrom('api_tokens as t')
      .innerJoin('users as u', 'u.id', 't.user_id')
      .selectAll('u')
      .select(['t.id as token_id', 't.last_used_at as t_used', 't.scopes as t_scopes', 't.expires_at as t_expires'])
      .where('t.token_hash', '=', tokenHash)
      .where('t.revoked_at', 'is', null)
      .executeTakeFirst();
  }

  async touchToken(tokenId: number, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', tokenId).execute();
  }

  listTokens(userId: number) {
    return this.db
      .selectFrom('api_tokens')
      .select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at', 'scopes', 'expires_at'])
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .execute();
  }

  /** Revokes one active token of the user; false when there was none. */
  async revokeToken(userId: number, tokenId: number, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('api_tokens')
      .set({ revoked_at: at })
      .where('id', '=', tokenId)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async revokeTokensOf(userId: number, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
  }
}
