// Accounts without passwords: sign-in links by e-mail, database sessions, personal API tokens.
// Every secret handed to a browser or a script is random; only its sha256 is stored.
import { randomBytes } from 'node:crypto';
import { sha256 } from '../domain/hash.ts';
import type { UserRow, UserStore } from '../storage/users.ts';
import type { MailTransport } from '../mail/transport.ts';
import { appError, errors } from '../domain/errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import { parseEmail } from '../domain/email.ts';
import { scopesFromColumn, TOKEN_SCOPES, type TokenScope } from '../domain/token-scopes.ts';

export type Role = 'user' | 'curator' | 'admin';
export const ROLES: Role[] = ['user', 'curator', 'admin'];

export interface User {
  id: number;
  email: string;
  username: string | null;
  displayName: string | null;
  role: Role;
  createdAt: string;
}

/** Who is making a request, and how they proved it. */
export interface Viewer extends User {
  via: 'session' | 'token';
  /** A token's scopes; absent for a session (which may do all the account may). */
  scopes?: readonly TokenScope[];
}

/** Whether the viewer may act in this scope: sessions always, tokens when the scope was granted. */
export const hasScope = (v: Pick<Viewer, 'via' | 'scopes'>, scope: TokenScope): boolean => v.via !== 'token' || !!v.scopes?.includes(scope);

export function requireScope(v: Viewer, scope: TokenScope): void {
  if (!hasScope(v, scope)) throw errors.insufficientScope(`This API token lacks the "${scope}" scope. Make a token with it at /settings/tokens.`);
}

export const isCurator = (u: { role: string } | null | undefined) => u?.role === 'curator' || u?.role === 'admin';

export { sha256 } from '../domain/hash.ts';

const newSecret = (prefix = '') => prefix + randomBytes(32).toString('base64url');

export const USERNAME_RE = /^[a-z0-9][a-z0-9_-]{1,29}$/;

export function rowToUser(r: UserRow): User {
  return { id: r.id, email: r.email, username: r.username, displayName: r.display_name, role: r.role as Role, createdAt: r.created_at };
}

/** Only same-site paths are followed after sign-in (no open redirect). */
export function safeNext(next: unknown): string | null {
  const s = typeof next === 'string' ? next : '';
  return /^\/(?![/\\])[^\s]*$/.test(s) && s.length < 500 ? s : null;
}

export interface AccountsOptions {
  linkMinutes: number;
  sessionDays: number;
  signinPerHour: number;
  publicUrl: string;
}

export class Accounts {
  constructor(
    private readonly store: UserStore,
    private readonly mail: MailTransport,
    private readonly limiter: RateLimiter,
    private readonly opts: AccountsOptions,
    private readonly now: () => Date,
  ) {}

  private iso(offsetMs = 0): string {
    return new Date(this.now().getTime() + offsetMs).toISOString();
  }

  /** Sends a single-use sign-in link. Says nothing about whether the address has an account. */
  async requestLink(rawEmail: string, ip: string, next?: string | null, pending?: string | null): Promise<void> {
    const email = parseEmail(rawEmail);
    if (!email) throw errors.badRequest('Enter a valid e-mail address.', { field: 'email' });
    const per = this.opts.signinPerHour;
    await this.limiter.consume(`signin:email:${email}`, per, 3600, 'Too many sign-in mails for this address.');
    await this.limiter.consume(`signin:ip:${ip}`, per * 4, 3600, 'Too many sign-in mails from your network.');
    const token = newSecret();
    await this.store.insertLink({
      tokenHash: sha256(token),
      email,
      nextPath: safeNext(next),
      pending: pending ? pending.slice(0, 200) : null,
      createdAt: this.iso(),
      expiresAt: this.iso(this.opts.linkMinutes * 60_000),
    });
    const link = `${this.opts.publicUrl}/signin/verify?token=${token}`;
    await this.mail.send({
      to: email,
      subject: 'Your Paperboy sign-in link',
      text:
        `Open this link to sign in to Paperboy:\n\n${link}\n\n` +
        `It works once and expires in ${this.opts.linkMinutes} minutes. If you did not ask for it, ignore this mail.\n`,
      html:
        `<p>Open this link to sign in to Paperboy:</p><p><a href="${link}">Sign in to Paperboy</a></p>` +
        `<p>It works once and expires in ${this.opts.linkMinutes} minutes. If you did not ask for it, ignore this mail.</p>`,
    });
  }

  private async linkRow(token: string) {
    const row = await this.store.linkByHash(sha256(token));
    if (!row) throw appError('link_invalid', 'This sign-in link is not valid. Send yourself a new one below.');
    // The address and the reader's destination come back with the error: the page offers a new link at once.
    const again = { email: row.email, next: row.next_path, pending: row.pending ?? null };
    if (row.used_at) throw appError('link_used', 'This sign-in link has already been used. Send yourself a new one below.', again);
    if (row.expires_at <= this.iso()) throw appError('link_expired', 'This sign-in link has expired. Send yourself a new one below.', again);
    return row;
  }

  /** Checks a link without using it up (the confirmation page; mail scanners only GET). */
  async peekLink(token: string): Promise<{ email: string; pending: string | null }> {
    const row = await this.linkRow(token);
    return { email: row.email, pending: row.pending ?? null };
  }

  /** Uses a link once: finds or creates the user and opens a session. */
  async consumeLink(token: string, userAgent?: string): Promise<{ user: User; sessionToken: string; next: string | null; pending: string | null }> {
    const row = await this.linkRow(token);
    // The conditional update makes the link single-use even when two requests race.
    if (!(await this.store.useLink(row.id, this.iso())))
      throw appError('link_used', 'This sign-in link has already been used. Send yourself a new one below.', { email: row.email, next: row.next_path, pending: row.pending ?? null });
    const user = await this.findOrCreate(row.email);
    const sessionToken = await this.createSession(user.id, userAgent);
    return { user, sessionToken, next: row.next_path, pending: row.pending ?? null };
  }

  async findOrCreate(rawEmail: string): Promise<User> {
    const email = parseEmail(rawEmail);
    if (!email) throw errors.badRequest(`"${String(rawEmail).slice(0, 100)}" is not an e-mail address.`);
    return rowToUser(await this.store.findOrCreate(email, this.iso()));
  }

  /**
   * Gives a user made outside the web flow (the CLI) a username from the address's local part,
   * with a number added when taken, so API calls that need one work at once.
   */
  async ensureUsername(user: User): Promise<User> {
    if (user.username) return user;
    const stem = (user.email.split('@')[0].toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[-_]+/, '') || 'user').slice(0, 24).padEnd(2, '0');
    for (let i = 0; i < 1000; i++) {
      const name = i ? `${stem}-${i}` : stem;
      if (await this.store.usernameTaken(name)) continue;
      await this.store.setUsernameIfNone(user.id, name, user.displayName ?? stem);
      return (await this.byId(user.id))!;
    }
    throw errors.conflict('Could not find a free username.');
  }

  async createSession(userId: number, userAgent?: string): Promise<string> {
    const token = newSecret();
    await this.store.insertSession({
      tokenHash: sha256(token),
      userId,
      createdAt: this.iso(),
      expiresAt: this.iso(this.opts.sessionDays * 86_400_000),
      userAgent: userAgent?.slice(0, 200) ?? null,
    });
    return token;
  }

  async sessionViewer(token: string): Promise<Viewer | null> {
    if (!token || token.length > 100) return null;
    const r = await this.store.sessionUser(sha256(token), this.iso());
    if (!r) return null;
    // Touch at most every few minutes: one read per request, rarely a write.
    if (Date.parse(r.s_seen) < this.now().getTime() - 5 * 60_000)
      await this.store.touchSession(r.session_id, this.iso());
    return { ...rowToUser(r), via: 'session' };
  }

  async tokenViewer(token: string): Promise<Viewer | null> {
    if (!token || token.length > 100) return null;
    const r = await this.store.tokenUser(sha256(token));
    if (!r || (r.t_expires && r.t_expires <= this.iso())) return null;
    if (!r.t_used || Date.parse(r.t_used) < this.now().getTime() - 5 * 60_000)
      await this.store.touchToken(r.token_id, this.iso());
    return { ...rowToUser(r), via: 'token', scopes: scopesFromColumn(r.t_scopes) };
  }

  async signOut(sessionToken: string): Promise<void> {
    await this.store.deleteSession(sha256(sessionToken));
  }

  /** Ends every session of the user, and with `revokeTokens` revokes every API token too. */
  async signOutEverywhere(userId: number, opts: { revokeTokens?: boolean } = {}): Promise<number> {
    const n = await this.store.deleteSessionsOf(userId);
    if (opts.revokeTokens) await this.store.revokeTokensOf(userId, this.iso());
    return n;
  }

  async setProfile(userId: number, input: { username?: string; displayName?: string }): Promise<User> {
    const user = await this.byId(userId);
    if (!user) throw errors.notFound('No such user.');
    const displayName = (input.displayName ?? '').trim();
    if (!displayName || displayName.length > 60) throw errors.badRequest('Choose a display name of 1 to 60 characters.');
    const set: { display_name: string; username?: string } = { display_name: displayName };
    if (!user.username) {
      const username = (input.username ?? '').trim().toLowerCase();
      if (!USERNAME_RE.test(username))
        throw errors.badRequest('Choose a username of 2 to 30 characters: lower-case letters, digits, "-" and "_", starting with a letter or digit.');
      if (await this.store.usernameTaken(username)) throw errors.conflict(`The username "${username}" is taken. Choose another.`);
      set.username = username;
    }
    await this.store.setProfile(userId, set);
    return (await this.byId(userId))!;
  }

  async byId(id: number): Promise<User | undefined> {
    const r = await this.store.byId(id);
    return r ? rowToUser(r) : undefined;
  }

  async byUsername(username: string): Promise<User | undefined> {
    const r = await this.store.byUsername(username.toLowerCase());
    return r ? rowToUser(r) : undefined;
  }

  async byEmail(email: string): Promise<User | undefined> {
    const r = await this.store.byEmail(email.trim().toLowerCase());
    return r ? rowToUser(r) : undefined;
  }

  async setRole(email: string, role: Role): Promise<User> {
    if (!ROLES.includes(role)) throw errors.badRequest(`Role must be one of ${ROLES.join(', ')}.`);
    const user = await this.byEmail(email);
    if (!user) throw errors.notFound(`No user with the address ${email}.`);
    await this.store.setRole(user.id, role);
    return { ...user, role };
  }

  /**
   * A new personal API token; the plain value is returned once and never stored. Every scope and
   * no expiry unless asked otherwise.
   */
  async createToken(
    userId: number,
    name: string,
    opts: { scopes?: readonly TokenScope[]; expiresInDays?: number | null } = {},
  ): Promise<{ id: number; token: string }> {
    const label = name.trim().slice(0, 60) || 'API token';
    const scopes = TOKEN_SCOPES.filter((s) => (opts.scopes ?? TOKEN_SCOPES).includes(s));
    if (!scopes.length) throw errors.badRequest('Choose at least one scope for the token.');
    const token = newSecret('pbt_');
    const expires = opts.expiresInDays ? this.iso(opts.expiresInDays * 86_400_000) : null;
    const id = await this.store.insertToken({ userId, name: label, tokenHash: sha256(token), createdAt: this.iso(), scopes: scopes.join(' '), expiresAt: expires });
    return { id, token };
  }

  async listTokens(userId: number) {
    return this.store.listTokens(userId);
  }

  async revokeToken(userId: number, tokenId: number): Promise<void> {
    if (!(await this.store.revokeToken(userId, tokenId, this.iso()))) throw errors.notFound('No such active token.');
  }
}
