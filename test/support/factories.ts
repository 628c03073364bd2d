// Test data made through the real stores and services (never raw inserts), so a test states only
// what matters to it:
//   const p = await paper(pb, { title: 'Attention Is All You Need' });
//   const alice = await user(pb, { role: 'curator' });
//   const sub = await subscriber(pb, { keywords: ['retrieval'] });
import type { Paper, PaperInput } from '../../src/domain/paper.ts';
import type { Role, User } from '../../src/services/accounts.ts';
import type { DigestPrefs } from '../../src/services/digest-util.ts';
import type { Subscriber } from '../../src/services/digest-subscriptions.ts';
import type { Paperboy } from '../../src/wiring.ts';

let seq = 0;
const next = () => ++seq;

/** A valid paper record with a fresh arXiv id (2401.NNNNN); `over` sets any field. */
export function paperInput(over: Partial<PaperInput> = {}): PaperInput {
  const n = next();
  const title = over.title ?? `A Study of Test Paper Number ${n}`;
  return {
    arxivId: `2401.${String(10000 + n).padStart(5, '0')}`,
    version: 1,
    title,
    abstract: `We study ${title.toLowerCase()} and report what we found.`,
    authors: ['Ada Lovelace', 'Alan Turing'],
    categories: ['cs.LG'],
    primaryCategory: 'cs.LG',
    publishedAt: '2024-01-15T12:00:00Z',
    source: 'sample',
    ...over,
  };
}

/** Stores one paper through the paper store and returns it as read back. */
export async function paper(pb: Paperboy, over: Partial<PaperInput> = {}): Promise<Paper> {
  const input = paperInput(over);
  await pb.stores.papers.upsertMany([input]);
  return (await pb.stores.papers.byArxivId(input.arxivId))!;
}

/** Stores `n` papers in one batch (the bulk path on SQLite). */
export async function papers(pb: Paperboy, n: number, over: (i: number) => Partial<PaperInput> = () => ({})): Promise<Paper[]> {
  const inputs = Array.from({ length: n }, (_, i) => paperInput(over(i)));
  await pb.stores.papers.upsertMany(inputs);
  const byId = await Promise.all(inputs.map((p) => pb.stores.papers.byArxivId(p.arxivId)));
  return byId as Paper[];
}

/** A user with a username (as after the welcome form), with `role` when given. */
export async function user(pb: Paperboy, opts: { email?: string; role?: Role } = {}): Promise<User> {
  const email = opts.email ?? `user${next()}@example.org`;
  const accounts = pb.community.accounts;
  let u = await accounts.ensureUsername(await accounts.findOrCreate(email));
  if (opts.role && opts.role !== u.role) u = await accounts.setRole(email, opts.role);
  return u;
}

/** A confirmed digest subscriber (a signed-in user's subscription: no confirmation mail). */
export async function subscriber(pb: Paperboy, prefs: Partial<DigestPrefs> & { email?: string } = {}): Promise<Subscriber> {
  const { email, ...rest } = prefs;
  const owner = await user(pb, { email });
  const all: DigestPrefs = { frequency: 'daily', categories: [], keywords: [], authors: [], timeZone: 'UTC', ...rest };
  return pb.digest.subscriptions.saveForUser(owner, all);
}
