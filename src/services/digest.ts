// The digest feature as one object on the instance (pb.digest): subscriptions, building editions,
// sending, previews.
import type { Paperboy } from '../wiring.ts';
import { DigestSubscriptions } from './digest-subscriptions.ts';
import { DigestBuilder, lexicalMatcher, type BuildResult, type Candidate } from './digest-build.ts';
import { DigestSender, type SendOptions, type SendResult } from './digest-send.ts';
import type { Frequency } from './digest-util.ts';
import { errors } from '../domain/errors.ts';
import { matchesByMeaning } from '../search/fusion.ts';

export class DigestService {
  readonly subscriptions: DigestSubscriptions;
  readonly builder: DigestBuilder;

  constructor(private readonly pb: Paperboy) {
    this.subscriptions = new DigestSubscriptions(pb.db.kysely, pb.config, pb.secret, pb.mail, pb.log, pb.community.limiter);
    this.builder = new DigestBuilder(pb.db, pb.stores.daily, pb.config);
    // Saved searches: every word of the keyword in the title or abstract (exact, explainable), plus
    // the hybrid search's close semantic neighbours among the edition's papers when search is wired.
    const search = (pb as { search?: SemanticSearch }).search;
    if (search) this.builder.keywordMatcher = (k, candidates) => hybridMatcher(search, pb, k, candidates);
    // For you: subscribers with an account get their reader model's ranking of the edition's papers.
    const recs = (pb as { recs?: Paperboy['recs'] }).recs;
    if (recs) this.builder.forYou = (userId, candidates, limit) => recs.rankFor(userId, candidates, limit);
  }

  build(kind: Frequency, day: string, opts: { dryRun?: boolean } = {}): Promise<BuildResult> {
    return this.builder.build(kind, day, opts);
  }

  /** A fresh sender per run: its paper cache never outlives the run. */
  sender(): DigestSender {
    const pb = this.pb;
    return new DigestSender(pb.db.kysely, pb.db.dialect, pb.config, pb.secret, pb.mail, pb.log);
  }

  send(opts: SendOptions = {}): Promise<SendResult> {
    return this.sender().run(opts);
  }

  /** The latest digest built for an address, rendered (nothing is sent or recorded). */
  async preview(email: string): Promise<{ subject: string; html: string; text: string; headers: Record<string, string>; deliveryId: number }> {
    const sub = await this.subscriptions.byEmail(email.trim().toLowerCase());
    if (!sub) throw errors.notFound(`No subscriber ${email}.`);
    const d = await this.pb.db.kysely
      .selectFrom('digest_deliveries')
      .selectAll()
      .where('subscriber_id', '=', sub.id)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    if (!d) throw errors.notFound(`No digest has been built for ${email} yet: run digest build first.`);
    return { ...(await this.sender().render(d, sub)), deliveryId: d.id };
  }

  async previewDelivery(id: number) {
    const d = await this.pb.db.kysely.selectFrom('digest_deliveries').selectAll().where('id', '=', id).executeTakeFirst();
    if (!d) throw errors.notFound('No such delivery.');
    const sub = await this.subscriptions.get(d.subscriber_id);
    if (!sub) throw errors.notFound('The subscriber is gone.');
    return this.sender().render(d, sub);
  }

  /** The latest deliveries, newest first, for the admin page. */
  async recent(limit = 50) {
    return this.pb.db.kysely
      .selectFrom('digest_deliveries as d')
      .innerJoin('digest_editions as e', 'e.id', 'd.edition_id')
      .innerJoin('digest_subscribers as s', 's.id', 'd.subscriber_id')
      .select(['d.id', 'd.status', 'd.sent_at', 'd.send_after', 'd.attempts', 'd.last_error', 'e.kind', 'e.edition_key', 's.email'])
      .orderBy('d.id', 'desc')
      .limit(limit)
      .execute();
  }

  async counts(): Promise<{ subscribers: Record<string, number>; deliveries: Record<string, number> }> {
    const db = this.pb.db.kysely;
    const subs = await db.selectFrom('digest_subscribers').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    const dels = await db.selectFrom('digest_deliveries').select(['status', (eb) => eb.fn.countAll<number>().as('n')]).groupBy('status').execute();
    return {
      subscribers: Object.fromEntries(subs.map((r) => [r.status, Number(r.n)])),
      deliveries: Object.fromEntries(dels.map((r) => [r.status, Number(r.n)])),
    };
  }
}

interface SemanticSearch {
  rank(q: string, opts: { limit: number; depth?: number }): Promise<{ hits: { id: number; cosine?: number }[]; mode: string }>;
}

async function hybridMatcher(search: SemanticSearch, pb: Paperboy, keyword: string, candidates: Candidate[]): Promise<Set<number>> {
  const out = lexicalMatcher(keyword, candidates);
  try {
    const r = await search.rank(keyword.replace(/"/g, ''), { limit: 200, depth: 1000 });
    if (r.mode !== 'hybrid') return out;
    const ids = new Set(candidates.map((c) => c.id));
    for (const h of r.hits) if (ids.has(h.id) && matchesByMeaning(h)) out.add(h.id);
  } catch (err) {
    pb.log.warn({ err: (err as Error).message }, 'digest: search unavailable, keywords matched lexically');
  }
  return out;
}
