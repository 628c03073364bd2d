// The digest feature as one object on the instance (pb.digest): subscriptions, building editions,
// sending, previews.
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { MailTransport } from '../mail/transport.ts';
import type { DigestStore } from '../storage/digest.ts';
import type { SubscriberStore } from '../storage/digest-subscribers.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { RateLimiter } from './rate-limit.ts';
import { DigestSubscriptions } from './digest-subscriptions.ts';
import { DigestBuilder, lexicalMatcher, type BuildResult, type Candidate, type ForYouRanker } from './digest-build.ts';
import { DigestSender, type SendOptions, type SendResult } from './digest-send.ts';
import type { Frequency } from './digest-util.ts';
import { errors } from '../domain/errors.ts';
import { matchesByMeaning } from '../search/fusion.ts';

export interface DigestDeps {
  config: Config;
  log: Logger;
  mail: MailTransport;
  /** The instance's signing key (unsubscribe links). */
  secret: string;
  stores: { digests: DigestStore; subscribers: SubscriberStore; papers: PaperStore; daily: DailyStore };
  limiter: Pick<RateLimiter, 'consume'>;
  now: () => Date;
  /** Saved searches also match by meaning when the hybrid search answers. */
  search?: SemanticSearch;
  /** "For you" sections for subscribers with an account. */
  recs?: { rankFor: ForYouRanker };
}

export class DigestService {
  readonly subscriptions: DigestSubscriptions;
  readonly builder: DigestBuilder;

  constructor(private readonly d: DigestDeps) {
    const s = d.stores;
    this.subscriptions = new DigestSubscriptions(s.subscribers, d.config, d.secret, d.mail, d.log, d.limiter, d.now);
    this.builder = new DigestBuilder(s.digests, s.subscribers, s.daily, d.config, d.now);
    // Saved searches: every word of the keyword in the title or abstract (exact, explainable), plus
    // the hybrid search's close semantic neighbours among the edition's papers when search is wired.
    const search = d.search;
    if (search) this.builder.keywordMatcher = (k, candidates) => hybridMatcher(search, d.log, k, candidates);
    // For you: subscribers with an account get their reader model's ranking of the edition's papers.
    const recs = d.recs;
    if (recs) this.builder.forYou = (userId, candidates, limit) => recs.rankFor(userId, candidates, limit);
  }

  build(kind: Frequency, day: string, opts: { dryRun?: boolean } = {}): Promise<BuildResult> {
    return this.builder.build(kind, day, opts);
  }

  /** A fresh sender per run: its paper cache never outlives the run. */
  sender(): DigestSender {
    const d = this.d;
    return new DigestSender(d.stores.digests, d.stores.subscribers, d.stores.papers, d.config, d.secret, d.mail, d.log, d.now);
  }

  send(opts: SendOptions = {}): Promise<SendResult> {
    return this.sender().run(opts);
  }

  /** The latest digest built for an address, rendered (nothing is sent or recorded). */
  async preview(email: string): Promise<{ subject: string; html: string; text: string; headers: Record<string, string>; deliveryId: number }> {
    const sub = await this.subscriptions.byEmail(email.trim().toLowerCase());
    if (!sub) throw errors.notFound(`No subscriber ${email}.`);
    const d = await this.d.stores.digests.latestDeliveryFor(sub.id);
    if (!d) throw errors.notFound(`No digest has been built for ${email} yet: run digest build first.`);
    return { ...(await this.sender().render(d, sub)), deliveryId: d.id };
  }

  async previewDelivery(id: number) {
    const d = await this.d.stores.digests.delivery(id);
    if (!d) throw errors.notFound('No such delivery.');
    const sub = await this.subscriptions.get(d.subscriber_id);
    if (!sub) throw errors.notFound('The subscriber is gone.');
    return this.sender().render(d, sub);
  }

  /** The latest deliveries, newest first, for the admin page. */
  async recent(limit = 50) {
    return this.d.stores.digests.recent(limit);
  }

  async counts(): Promise<{ subscribers: Record<string, number>; deliveries: Record<string, number> }> {
    return { subscribers: await this.d.stores.subscribers.countByStatus(), deliveries: await this.d.stores.digests.countByStatus() };
  }
}

interface SemanticSearch {
  rank(q: string, opts: { limit: number; depth?: number }): Promise<{ hits: { id: number; cosine?: number }[]; mode: string }>;
}

async function hybridMatcher(search: SemanticSearch, log: Logger, keyword: string, candidates: Candidate[]): Promise<Set<number>> {
  const out = lexicalMatcher(keyword, candidates);
  try {
    const r = await search.rank(keyword.replace(/"/g, ''), { limit: 200, depth: 1000 });
    if (r.mode !== 'hybrid') return out;
    const ids = new Set(candidates.map((c) => c.id));
    for (const h of r.hits) if (ids.has(h.id) && matchesByMeaning(h)) out.add(h.id);
  } catch (err) {
    log.warn({ err: (err as Error).message }, 'digest: search unavailable, keywords matched lexically');
  }
  return out;
}
