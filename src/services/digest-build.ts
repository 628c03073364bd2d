// Building an edition: one delivery row per (subscriber, edition), each holding the papers chosen
// for that subscriber at build time. The unique (edition, subscriber) key makes a second build of
// the same edition add nothing, and digest_sent_papers (written in the same transaction as the
// delivery) keeps a paper from reaching the same subscriber twice, across editions.
import { sql, type Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
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

  constructor(
    private readonly db: Kysely<Database>,
    private readonly daily: DailyStore,
    private readonly config: Config,
    private readonly now: () => Date = () => new Date(),
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
    const sent = new Map<number, Set<number>>();
    for (let i = 0; i < relevant.length; i += 500) {
      const rows = await this.db
        .selectFrom('digest_sent_papers')
        .select(['subscriber_id', 'paper_id'])
        .where('paper_id', 'in', relevant.slice(i, i + 500))
        .execute();
      for (const r of rows) (sent.get(r.subscriber_id) ?? sent.set(r.subscriber_id, new Set()).get(r.subscriber_id)!).add(r.paper_id);
    }

    const iso = this.now().toISOString();
    let editionId = 0;
    const had = new Set<number>();
    if (!opts.dryRun) {
      await this.db
        .insertInto('digest_editions')
        .values({
          kind,
          edition_key: ed.key,
          range_from: ed.range.from,
          range_to: ed.range.to,
          common_json: JSON.stringify({ top, trending }),
          deliveries: 0,
          built_at: iso,
        })
        .onConflict((oc) => oc.columns(['kind', 'edition_key']).doNothing())
        .execute();
      const edRow = await this.db
        .selectFrom('digest_editions')
        .select('id')
        .where('kind', '=', kind)
        .where('edition_key', '=', ed.key)
        .executeTakeFirstOrThrow();
      editionId = edRow.id;
      const existing = await this.db.selectFrom('digest_deliveries').select('subscriber_id').where('edition_id', '=', editionId).execute();
      for (const r of existing) had.add(r.subscriber_id);
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
      const rows = await this.db
        .selectFrom('digest_subscribers')
        .selectAll()
        .where('status', '=', 'confirmed')
        .where('frequency', '=', kind)
        .where('id', '>', lastId)
        .orderBy('id')
        .limit(PAGE)
        .execute();
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
        if (!papers.top.length && !papers.trending.length && !papers.personal.length) {
          result.empty++;
          continue;
        }
        batch.push({ s, papers });
      }
      result.deliveries += batch.length;
      result.papersAssigned += batch.reduce((n, b) => n + b.papers.top.length + b.papers.trending.length + b.papers.personal.length, 0);
      if (!opts.dryRun && batch.length) await this.insertBatch(editionId, ed, host, iso, sendAfter, batch);
      opts.onProgress?.(result.subscribers);
    }

    if (!opts.dryRun && editionId) {
      await this.db
        .updateTable('digest_editions')
        .set({ deliveries: sql<number>`(select count(*) from digest_deliveries where edition_id = ${editionId})` })
        .where('id', '=', editionId)
        .execute();
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
    const why = new Map<number, string>();
    // Authors first (the strongest signal), then saved searches, then categories.
    for (const a of s.authors) for (const id of x.byAuthor.get(authorKey(a)) ?? []) if (!why.has(id)) why.set(id, `author: ${a}`);
    for (const k of s.keywords) for (const id of await x.keywordHits(k)) if (!why.has(id)) why.set(id, `search: ${k}`);
    for (const c of s.categories) for (const id of x.byCategory.get(c) ?? []) if (!why.has(id)) why.set(id, c);
    const order = (r: string) => (r.startsWith('author:') ? 0 : r.startsWith('search:') ? 1 : 2);
    const personal = [...why]
      .filter(([id]) => !seen.has(id))
      .sort((a, b) => order(a[1]) - order(b[1]) || x.rank.get(a[0])! - x.rank.get(b[0])!)
      .slice(0, cfg.digestPersonalPapers);
    return { top, trending, personal };
  }

  private async insertBatch(
    editionId: number,
    ed: Edition,
    host: string,
    iso: string,
    sendAfter: (tz: string) => string,
    batch: { s: Subscriber; papers: DeliveryPapers }[],
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < batch.length; i += 400) {
        const chunk = batch.slice(i, i + 400);
        const inserted = await trx
          .insertInto('digest_deliveries')
          .values(
            chunk.map((b) => ({
              edition_id: editionId,
              subscriber_id: b.s.id,
              status: 'pending',
              papers_json: JSON.stringify(b.papers),
              send_after: sendAfter(b.s.timeZone),
              attempts: 0,
              lease_until: null,
              locked_by: null,
              message_id: messageIdFor(ed.kind, ed.key, b.s.id, host),
              last_error: null,
              sent_at: null,
              created_at: iso,
              updated_at: iso,
            })),
          )
          // Another builder got there first: its row stands, and so do its papers.
          .onConflict((oc) => oc.columns(['edition_id', 'subscriber_id']).doNothing())
          .returning(['id', 'subscriber_id'])
          .execute();
        const bySub = new Map(chunk.map((b) => [b.s.id, b.papers]));
        const sentRows = inserted.flatMap((d) => {
          const p = bySub.get(d.subscriber_id)!;
          return [...p.top, ...p.trending, ...p.personal.map(([id]) => id)].map((paper_id) => ({
            subscriber_id: d.subscriber_id,
            paper_id,
            delivery_id: d.id,
            created_at: iso,
          }));
        });
        for (let j = 0; j < sentRows.length; j += 2000) {
          await trx
            .insertInto('digest_sent_papers')
            .values(sentRows.slice(j, j + 2000))
            .onConflict((oc) => oc.columns(['subscriber_id', 'paper_id']).doNothing())
            .execute();
        }
      }
    });
  }
}
