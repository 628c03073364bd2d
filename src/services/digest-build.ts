// Building an edition: one delivery row per (subscriber, edition), each holding the papers chosen
// for that subscriber at build time. The unique (edition, subscriber) key makes a second build of
// the same edition add nothing, and digest_sent_papers (written in the same transaction as the
// delivery) keeps a paper from reaching the same subscriber twice, across editions.
import type { DigestStore } from '../storage/digest.ts';
import type { SubscriberStore } from '../storage/digest-subscribers.ts';
import type { DailyStore, DayRange, ListedPaper } from '../storage/daily.ts';
import type { Config } from '../config/index.ts';
import { authorKey } from '../domain/paper.ts';
import { addDays } from '../domain/dates.ts';
import { rowToSubscriber, type Subscriber } from './digest-subscriptions.ts';
import { editionFor, localHourToUtc, type Edition, type Frequency } from './digest-util.ts';

/** Ranks the edition's candidates for a saved search; returns matching paper ids (a subset of `candidates`). */
export type KeywordMatcher = (keyword: string, candidates: Candidate[]) => Promise<Set<number>> | Set<number>;
export type TrendingProvider = (range: DayRange, limit: number) => Promise<ListedPaper[]>;

export interface Candidate {
  id: number;
  /** Lower-cased title and abstract, words separated by single spaces, padded with spaces. */
  text: string;
  categories: string[];
  authorKeys: string[];
}

/** The papers chosen for one delivery; `personal` carries why each paper matched. */
export interface DeliveryPapers {
  top: number[];
  trending: number[];
  personal: [number, string][];
  /** The reader's "For you" ranking of the edition's papers (subscribers with an account), with the reason. */
  forYou?: [number, string][];
}

/** Ranks candidates for a reader's "For you" section; returns [paper id, reason], best first. */
export type ForYouRanker = (userId: number, candidates: number[], limit: number) => Promise<[number, string][]>;

/** Every paper a delivery carries. */
export function deliveryPaperIds(p: DeliveryPapers): number[] {
  return [...p.top, ...p.trending, ...p.personal.map(([id]) => id), ...(p.forYou ?? []).map(([id]) => id)];
}

export interface BuildResult {
  edition: string;
  kind: Frequency;
  /** Null when the date has no edition (a weekend for the daily digest). */
  skipped?: string;
  range?: DayRange;
  candidates: number;
  top: number;
  trending: number;
  subscribers: number;
  deliveries: number;
  /** Subscribers for whom nothing new was left. */
  empty: number;
  /** Subscribers who already had this edition (a re-run). */
  existing: number;
  papersAssigned: number;
  dryRun: boolean;
  seconds: number;
}

const MAX_CANDIDATES = 5000;
const PAGE = 1000;

export function normText(s: string): string {
  return ` ${s.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ' ').trim()} `;
}

/**
 * The lexical fallback for saved searches: every word of the keyword must start a word of the
 * title or abstract ("transformer" matches "transformers"); a quoted phrase must appear as is.
 */
export function lexicalMatcher(keyword: string, candidates: Candidate[]): Set<number> {
  const k = keyword.trim();
  const phrase = /^".+"$/.test(k);
  const terms = phrase ? [normText(k.slice(1, -1)).trimEnd()] : normText(k).trim().split(' ').filter(Boolean).map((t) => ` ${t}`);
  const out = new Set<number>();
  if (!terms.length) return out;
  for (const c of candidates) if (terms.every((t) => c.text.includes(t))) out.add(c.id);
  return out;
}

export function messageIdFor(kind: string, key: string, subscriberId: number, host: string): string {
  return `<digest.${kind}.${key}.${subscriberId}@${host}>`;
}

export class DigestBuilder {
  keywordMatcher: KeywordMatcher = lexicalMatcher;
  trending?: TrendingProvider;
  /** The recommender's ranking for subscribers with an account (set by DigestService). */
  forYou?: ForYouRanker;

  constructor(
    private readonly store: DigestStore,
    private readonly subscribers: SubscriberStore,
    private readonly daily: DailyStore,
    private readonly config: Config,
    private readonly now: () => Date,
  ) {}

  edition(kind: Frequency, day: string): Edition | null {
    return editionFor(kind, day, this.config.digestWeeklyDay);
  }

  private async trendingFor(range: DayRange, limit: number): Promise<ListedPaper[]> {
    if (this.trending) return this.trending(range, limit);
    // Without the community's trending ranking: the most upvoted papers of the last seven listed days.
    return this.daily.list({ from: addDays(range.to, -6), to: range.to }, { limit, offset: 0, sort: 'upvotes' });
  }

  async build(kind: Frequency, day: string, opts: { dryRun?: boolean; onProgress?: (done: number) => void } = {}): Promise<BuildResult> {
    const started = performance.now();
    const ed = this.edition(kind, day);
    const result: BuildResult = {
      edition: ed?.key ?? day,
      kind,
      candidates: 0,
      top: 0,
      trending: 0,
      subscribers: 0,
      deliveries: 0,
      empty: 0,
      existing: 0,
      papersAssigned: 0,
      dryRun: !!opts.dryRun,
      seconds: 0,
    };
    if (!ed) return { ...result, skipped: `${day} is not an arXiv announcement day (no daily digest on weekends)` };
    result.range = ed.range;
    const cfg = this.config;

    // Candidates: every paper listed in the edition's range, most upvoted first.
    const listed = await this.daily.list(ed.range, { limit: MAX_CANDIDATES, offset: 0, sort: 'upvotes' });
    const rank = new Map<number, number>();
    const candidates: Candidate[] = listed.map((l, i) => {
      rank.set(l.paper.id, i);
      return {
        id: l.paper.id,
        text: normText(`${l.paper.title} ${l.paper.abstract}`),
        categories: l.paper.categories,
        authorKeys: l.paper.authors.map(authorKey),
      };
    });
    result.candidates = candidates.length;
    const top = listed.slice(0, cfg.digestTopPapers).map((l) => l.paper.id);
    const topSet = new Set(top);
    const trending = (await this.trendingFor(ed.range, cfg.digestTrendingPapers + top.length))
      .map((l) => l.paper.id)
      .filter((id) => !topSet.has(id))
      .slice(0, cfg.digestTrendingPapers);
    result.top = top.length;
    result.trending = trending.length;

    const byCategory = new Map<string, number[]>();
    const byAuthor = new Map<string, number[]>();
    for (const c of candidates) {
      for (const cat of c.categories) (byCategory.get(cat) ?? byCategory.set(cat, []).get(cat)!).push(c.id);
      for (const a of c.authorKeys) (byAuthor.get(a) ?? byAuthor.set(a, []).get(a)!).push(c.id);
    }
    const keywordCache = new Map<string, number[]>();
    const keywordHits = async (k: string): Promise<number[]> => {
      let hit = keywordCache.get(k);
      if (!hit) {
        const set = await this.keywordMatcher(k, candidates);
        hit = [...set].filter((id) => rank.has(id)).sort((a, b) => rank.get(a)! - rank.get(b)!);
        keywordCache.set(k, hit);
      }
      return hit;
    };

    // What subscribers already received among these papers (indexed by paper, so cheap however long the history).
    const relevant = [...new Set([...candidates.map((c) => c.id), ...trending])];
    const sent = await this.store.sentAmong(relevant);

    const iso = this.now().toISOString();
    let editionId = 0;
    const had = new Set<number>();
    if (!opts.dryRun) {
      editionId = await this.store.ensureEdition({
        kind,
        key: ed.key,
        from: ed.range.from,
        to: ed.range.to,
        commonJson: JSON.stringify({ top, trending }),
        builtAt: iso,
      });
      for (const id of await this.store.subscribersOf(editionId)) had.add(id);
    }

    const host = new URL(cfg.publicUrl).hostname || 'localhost';
    const sendAfterByZone = new Map<string, string>();
    const sendAfter = (tz: string): string => {
      let v = sendAfterByZone.get(tz);
      if (!v) {
        v = localHourToUtc(ed.sendDay, cfg.digestHour, tz).toISOString();
        sendAfterByZone.set(tz, v);
      }
      return v;
    };

    let lastId = 0;
    for (;;) {
      const rows = await this.subscribers.confirmedPage(kind, lastId, PAGE);
      if (!rows.length) break;
      lastId = rows[rows.length - 1].id;
      const batch: { s: Subscriber; papers: DeliveryPapers }[] = [];
      for (const row of rows) {
        result.subscribers++;
        if (had.has(row.id)) {
          result.existing++;
          continue;
        }
        const s = rowToSubscriber(row);
        const papers = await this.choose(s, { top, trending, byCategory, byAuthor, keywordHits, rank, sent: sent.get(s.id) });
        if (!papers.top.length && !papers.trending.length && !papers.personal.length && !papers.forYou?.length) {
          result.empty++;
          continue;
        }
        batch.push({ s, papers });
      }
      result.deliveries += batch.length;
      result.papersAssigned += batch.reduce((n, b) => n + deliveryPaperIds(b.papers).length, 0);
      if (!opts.dryRun && batch.length) await this.insertBatch(editionId, ed, host, iso, sendAfter, batch);
      opts.onProgress?.(result.subscribers);
    }

    if (!opts.dryRun && editionId) {
      await this.store.countDeliveries(editionId);
    }
    result.seconds = Math.round(performance.now() - started) / 1000;
    return result;
  }

  private async choose(
    s: Subscriber,
    x: {
      top: number[];
      trending: number[];
      byCategory: Map<string, number[]>;
      byAuthor: Map<string, number[]>;
      keywordHits: (k: string) => Promise<number[]>;
      rank: Map<number, number>;
      sent?: Set<number>;
    },
  ): Promise<DeliveryPapers> {
    const cfg = this.config;
    const seen = new Set<number>(x.sent);
    const take = (ids: number[]) => ids.filter((id) => !seen.has(id) && (seen.add(id), true));
    const top = take(x.top);
    const trending = take(x.trending);
    // Authors first (the strongest signal), then saved searches, then categories; within a group
    // by the day's rank. Every list is already in rank order, so each gives at most `room` ids:
    // the work per subscriber stays small however many papers a broad category has.
    const personal: [number, string][] = [];
    const groups: [number[], string][][] = [
      s.authors.map((a) => [x.byAuthor.get(authorKey(a)) ?? [], `author: ${a}`]),
      await Promise.all(s.keywords.map(async (k): Promise<[number[], string]> => [await x.keywordHits(k), `search: ${k}`])),
      s.categories.map((c) => [x.byCategory.get(c) ?? [], c]),
    ];
    for (const group of groups) {
      const room = cfg.digestPersonalPapers - personal.length;
      if (room <= 0) break;
      const found: [number, string][] = [];
      for (const [ids, why] of group) {
        let n = 0;
        for (const id of ids) {
          if (n >= room) break;
          if (seen.has(id) || found.some(([f]) => f === id)) continue;
          found.push([id, why]);
          n++;
        }
      }
      found.sort((a, b) => x.rank.get(a[0])! - x.rank.get(b[0])!);
      for (const f of found.slice(0, room)) {
        seen.add(f[0]);
        personal.push(f);
      }
    }
    if (!s.userId || !this.forYou) return { top, trending, personal };
    // For you: the reader's own model over the edition's papers not already chosen.
    let forYou: [number, string][];
    try {
      const rest = [...x.rank.keys()].filter((id) => !seen.has(id));
      forYou = (await this.forYou(s.userId, rest, cfg.digestPersonalPapers)).filter(([id]) => !seen.has(id) && (seen.add(id), true));
    } catch {
      forYou = []; // a failing ranking leaves the section out; the digest still goes
    }
    return forYou.length ? { top, trending, personal, forYou } : { top, trending, personal };
  }

  private async insertBatch(
    editionId: number,
    ed: Edition,
    host: string,
    iso: string,
    sendAfter: (tz: string) => string,
    batch: { s: Subscriber; papers: DeliveryPapers }[],
  ): Promise<void> {
    await this.store.insertDeliveries(
      editionId,
      iso,
      batch.map((b) => ({
        subscriberId: b.s.id,
        papersJson: JSON.stringify(b.papers),
        sendAfter: sendAfter(b.s.timeZone),
        messageId: messageIdFor(ed.kind, ed.key, b.s.id, host),
        paperIds: deliveryPaperIds(b.papers),
      })),
    );
  }
}
