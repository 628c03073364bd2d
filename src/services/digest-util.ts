// Small pure helpers of the digest feature: preferences, tokens, time zones, editions.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { sha256 } from '../domain/hash.ts';
import { errors } from '../domain/errors.ts';
import { parseEmail } from '../domain/email.ts';
import { addDays, isoWeek, isoWeekday, parseDay, weekRange, type Day } from '../domain/dates.ts';

export type Frequency = 'daily' | 'weekly';

export interface DigestPrefs {
  frequency: Frequency;
  categories: string[];
  /** Saved searches: each one is matched against the edition's papers. */
  keywords: string[];
  /** Followed authors, by name. */
  authors: string[];
  timeZone: string;
}

export const DEFAULT_PREFS: DigestPrefs = { frequency: 'daily', categories: [], keywords: [], authors: [], timeZone: 'UTC' };

const CATEGORY_RE = /^[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?$/;

export function normaliseEmail(raw: unknown): string {
  const email = parseEmail(raw);
  if (!email) throw errors.badRequest('Enter a valid e-mail address.', { field: 'email' });
  return email;
}

/** Splits a free-text list (commas or new lines) into trimmed, de-duplicated items. */
export function splitList(raw: unknown): string[] {
  const values = Array.isArray(raw) ? raw.map(String) : String(raw ?? '').split(/[,\n]/);
  return [...new Set(values.map((s) => s.replace(/\s+/g, ' ').trim()).filter(Boolean))];
}

export function isTimeZone(tz: string): boolean {
  if (!tz || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Every time zone the runtime knows, for the form's list. */
export function timeZones(): string[] {
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return all.includes('UTC') ? all : ['UTC', ...all];
}

/** Validates form or CLI input into preferences; a bad value is a clear 400. */
export function parsePrefs(input: Record<string, unknown>): DigestPrefs {
  const frequency = String(input.frequency ?? 'daily');
  if (frequency !== 'daily' && frequency !== 'weekly') throw errors.badRequest('Choose daily or weekly.', { field: 'frequency' });
  const categories = splitList(input.categories);
  if (categories.length > 20) throw errors.badRequest('At most 20 categories.', { field: 'categories' });
  for (const c of categories)
    if (!CATEGORY_RE.test(c) || c.length > 32) throw errors.badRequest(`"${c.slice(0, 40)}" is not an arXiv category such as cs.LG.`, { field: 'categories' });
  const keywords = splitList(input.keywords).map((k) => k.toLowerCase());
  if (keywords.length > 10) throw errors.badRequest('At most 10 keywords or phrases.', { field: 'keywords' });
  for (const k of keywords) if (k.length > 80) throw errors.badRequest('A keyword or phrase may have at most 80 characters.', { field: 'keywords' });
  const authors = splitList(input.authors);
  if (authors.length > 20) throw errors.badRequest('At most 20 authors.', { field: 'authors' });
  for (const a of authors) if (a.length > 100) throw errors.badRequest('An author name may have at most 100 characters.', { field: 'authors' });
  const timeZone = String(input.timeZone ?? input.time_zone ?? 'UTC').trim() || 'UTC';
  if (!isTimeZone(timeZone)) throw errors.badRequest(`Unknown time zone "${timeZone.slice(0, 64)}".`, { field: 'timeZone' });
  return { frequency, categories, keywords, authors, timeZone };
}

/** @deprecated the one helper is sha256 in src/domain/hash.ts. */
export const sha256Hex = (s: string): string => sha256(s);

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function unsubscribeMac(secret: string, id: number, email: string): string {
  return createHmac('sha256', secret).update(`digest-unsubscribe:${id}:${email}`).digest('base64url').slice(0, 32);
}

/** A token that unsubscribes one address without signing in: the subscriber id and an HMAC under the instance secret. */
export function unsubscribeToken(secret: string, id: number, email: string): string {
  return `${id}.${unsubscribeMac(secret, id, email)}`;
}

/** The subscriber id a token names, or null when it is malformed; check() it against the stored address. */
export function parseUnsubscribeToken(token: string): { id: number; mac: string } | null {
  const m = /^(\d{1,12})\.([\w-]{32})$/.exec(token);
  return m ? { id: Number(m[1]), mac: m[2] } : null;
}

export function checkUnsubscribeMac(secret: string, id: number, email: string, mac: string): boolean {
  const want = Buffer.from(unsubscribeMac(secret, id, email));
  const got = Buffer.from(mac);
  return want.length === got.length && timingSafeEqual(want, got);
}

export interface Edition {
  kind: Frequency;
  /** 2026-11-27 or 2026-W48. */
  key: string;
  range: { from: Day; to: Day };
  /** The calendar day the edition is mailed (at the configured local hour). */
  sendDay: Day;
}

/**
 * The edition for a date. Daily: that day's list; only announcement days (Monday–Friday) have one.
 * Weekly: the ISO week containing the date, mailed on the configured weekday of the week after.
 */
export function editionFor(kind: Frequency, day: Day, weeklyDay: number): Edition | null {
  if (!parseDay(day)) throw errors.badRequest(`Invalid date "${day}": expected YYYY-MM-DD.`);
  if (kind === 'daily') {
    if (isoWeekday(day) > 5) return null;
    return { kind, key: day, range: { from: day, to: day }, sendDay: day };
  }
  const key = isoWeek(day);
  const range = weekRange(key)!;
  return { kind, key, range, sendDay: addDays(range.to, weeklyDay) };
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

/** Minutes the zone is ahead of UTC at instant `t`. */
function offsetMinutes(tz: string, t: number): number {
  let f = offsetFormats.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    offsetFormats.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  return Math.round((asUtc - Math.floor(t / 1000) * 1000) / 60000);
}

/** The instant it is `hour`:00 on `day` in time zone `tz` (DST-aware). */
export function localHourToUtc(day: Day, hour: number, tz: string): Date {
  const [y, m, d] = day.split('-').map(Number);
  const wall = Date.UTC(y, m - 1, d, hour);
  let t = wall - offsetMinutes(tz, wall) * 60000;
  const again = offsetMinutes(tz, t);
  t = wall - again * 60000;
  return new Date(t);
}

export { shorten, plainTitle } from '../domain/text.ts';
