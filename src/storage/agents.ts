// Queries of the HF-parity and agent features (issue 22): rendered thumbnails, GitHub repositories
// and stars, code links found in text, and AI summaries. One store per table group.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { nowIso } from './dialect.ts';

export interface ThumbnailTodo {
  paperId: number;
  arxivId: string;
  attempts: number;
}

export class ThumbnailStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Listed papers with no thumbnail yet (or whose retry time has come), most recent listing first. */
  async pending(limit: number, now = nowIso()): Promise<ThumbnailTodo[]> {
    const rows = await this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .leftJoin('paper_thumbnails as t', 't.paper_id', 'p.id')
      .select(['p.id', 'p.arxiv_id', 't.attempts'])
      .where((eb) => eb.or([eb('t.paper_id', 'is', null), eb.and([eb('t.status', '<>', 'ok'), eb('t.retry_at', '<=', now)])]))
      .orderBy('d.day', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ paperId: r.id, arxivId: r.arxiv_id, attempts: r.attempts ?? 0 }));
  }

  async saveImage(paperId: number, img: { png: Buffer; hash: string; width: number; height: number }): Promise<void> {
    const now = nowIso();
    await this.db.transaction().execute(async (trx) => {
      const values = { status: 'ok', image: img.png, hash: img.hash, width: img.width, height: img.height, last_error: null, retry_at: null, updated_at: now };
      await trx
        .insertInto('paper_thumbnails')
        .values({ paper_id: paperId, attempts: 1, ...values })
        .onConflict((oc) => oc.column('paper_id').doUpdateSet({ ...values, attempts: (eb) => eb('paper_thumbnails.attempts', '+', 1) }))
        .execute();
      await trx.updateTable('papers').set({ thumbnail_key: img.hash }).where('id', '=', paperId).execute();
    });
  }

  /** Records why there is no image (missing: no PDF reachable; failed: unreadable) and when to try again. */
  async saveFailure(paperId: number, status: 'missing' | 'failed', error: string, retryAt: string): Promise<void> {
    const now = nowIso();
    const values = { status, last_error: error.slice(0, 500), retry_at: retryAt, updated_at: now };
    await this.db
      .insertInto('paper_thumbnails')
      .values({ paper_id: paperId, attempts: 1, image: null, hash: null, width: null, height: null, ...values })
      .onConflict((oc) => oc.column('paper_id').doUpdateSet({ ...values, attempts: (eb) => eb('paper_thumbnails.attempts', '+', 1) }))
      .execute();
  }

  /** The stored image of a paper, by arXiv id. */
  async image(arxivId: string): Promise<{ png: Buffer; hash: string } | undefined> {
    const r = await this.db
      .selectFrom('paper_thumbnails as t')
      .innerJoin('papers as p', 'p.id', 't.paper_id')
      .select(['t.image', 't.hash'])
      .where('p.arxiv_id', '=', arxivId)
      .where('t.status', '=', 'ok')
      .executeTakeFirst();
    if (!r?.image || !r.hash) return undefined;
    return { png: Buffer.from(r.image), hash: r.hash };
  }

  async counts(): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('paper_thumbnails')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}

export interface RepoRow {
  fullName: string;
  etag: string | null;
  stars: number | null;
  status: string;
}

export class GithubStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Papers after `afterId` with no code link whose abstract or comment mentions a code host (cheap pre-filter). */
  async codeLinkCandidates(afterId: number, limit: number): Promise<{ id: number; abstract: string; comment: string | null }[]> {
    return this.db
      .selectFrom('papers')
      .select(['id', 'abstract', 'comment'])
      .where('id', '>', afterId)
      .where((eb) => eb.or([eb('code_url', 'is', null), eb('code_url', '=', '')]))
      .where((eb) =>
        eb.or(
          ['github.com', 'gitlab.com', 'bitbucket.org', 'codeberg.org'].flatMap((h) => [eb('abstract', 'like', `%${h}/%`), eb('comment', 'like', `%${h}/%`)]),
        ),
      )
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  async lastPaperId(): Promise<number> {
    const r = await this.db
      .selectFrom('papers')
      .select((eb) => eb.fn.max('id').as('m'))
      .executeTakeFirst();
    return Number(r?.m ?? 0);
  }

  /** Sets a paper's code link unless it has one by now. */
  async setCodeUrl(paperId: number, url: string): Promise<void> {
    await this.db
      .updateTable('papers')
      .set({ code_url: url })
      .where('id', '=', paperId)
      .where((eb) => eb.or([eb('code_url', 'is', null), eb('code_url', '=', '')]))
      .execute();
  }

  /** Replaces a paper's code and/or project link (a submitter's edit). */
  async setLinks(paperId: number, links: { code?: string | null; project?: string | null }): Promise<void> {
    const set: { code_url?: string | null; project_url?: string | null } = {};
    if (links.code !== undefined) set.code_url = links.code;
    if (links.project !== undefined) set.project_url = links.project;
    if (Object.keys(set).length) await this.db.updateTable('papers').set(set).where('id', '=', paperId).execute();
  }

  /** Every distinct GitHub code link of the papers. */
  async githubCodeUrls(): Promise<string[]> {
    const rows = await this.db.selectFrom('papers').select('code_url').distinct().where('code_url', 'like', 'https://github.com/%').execute();
    return rows.map((r) => r.code_url!).filter(Boolean);
  }

  async addRepos(fullNames: string[]): Promise<void> {
    const now = nowIso();
    for (let i = 0; i < fullNames.length; i += 500) {
      const chunk = fullNames.slice(i, i + 500);
      if (!chunk.length) break;
      await this.db
        .insertInto('github_repos')
        .values(
          chunk.map((full_name) => ({
            full_name,
            canonical_name: null,
            stars: null,
            status: 'new',
            etag: null,
            checked_at: null,
            last_error: null,
            updated_at: now,
          })),
        )
        .onConflict((oc) => oc.column('full_name').doNothing())
        .execute();
    }
  }

  /** Repositories not checked since `since` (never-checked first); a missing one is looked at again after a week. */
  async due(since: string, weekAgo: string, limit: number): Promise<RepoRow[]> {
    const rows = await this.db
      .selectFrom('github_repos')
      .select(['full_name', 'etag', 'stars', 'status'])
      .where((eb) =>
        eb.or([
          eb('checked_at', 'is', null),
          eb.and([eb('status', '<>', 'not_found'), eb('checked_at', '<', since)]),
          eb.and([eb('status', '=', 'not_found'), eb('checked_at', '<', weekAgo)]),
        ]),
      )
      .orderBy(sql`case when checked_at is null then 0 else 1 end`)
      .orderBy('checked_at')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ fullName: r.full_name, etag: r.etag, stars: r.stars, status: r.status }));
  }

  /** Today's star count of a repository: the repo row, its history, and every paper linking it. */
  async recordStars(fullName: string, r: { stars: number; canonicalName: string | null; etag: string | null }, day: string, now = nowIso()): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx
        .updateTable('github_repos')
        .set({
          stars: r.stars,
          ...(r.canonicalName ? { canonical_name: r.canonicalName } : {}),
          etag: r.etag,
          status: 'ok',
          checked_at: now,
          last_error: null,
          updated_at: now,
        })
        .where('full_name', '=', fullName)
        .execute();
      await trx
        .insertInto('github_repo_stars')
        .values({ full_name: fullName, day, stars: r.stars })
        .onConflict((oc) => oc.columns(['full_name', 'day']).doUpdateSet({ stars: r.stars }))
        .execute();
      await trx.updateTable('papers').set({ github_stars: r.stars }).where('code_url', '=', `https://github.com/${fullName}`).execute();
    });
  }

  async markChecked(fullName: string, status: 'not_found' | 'failed' | 'ok', error: string | null, now = nowIso()): Promise<void> {
    await this.db
      .updateTable('github_repos')
      .set({ status, checked_at: now, last_error: error?.slice(0, 500) ?? null, updated_at: now })
      .where('full_name', '=', fullName)
      .execute();
  }

  async repo(fullName: string) {
    return this.db.selectFrom('github_repos').selectAll().where('full_name', '=', fullName).executeTakeFirst();
  }

  async starHistory(fullName: string) {
    return this.db.selectFrom('github_repo_stars').select(['day', 'stars']).where('full_name', '=', fullName).orderBy('day').execute();
  }
}

export interface AiSummary {
  summary: string;
  keywords: string[];
  model: string;
}

export class AiSummaryStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Listed papers without a summary (or whose retry time has come), newest listing first, listed on or after `sinceDay`. */
  async pending(limit: number, sinceDay: string, now = nowIso()) {
    const rows = await this.db
      .selectFrom('daily_entries as d')
      .innerJoin('papers as p', 'p.id', 'd.paper_id')
      .leftJoin('paper_ai as a', 'a.paper_id', 'p.id')
      .select(['p.id', 'p.arxiv_id', 'p.title', 'p.abstract', 'a.attempts'])
      .where('d.day', '>=', sinceDay)
      .where((eb) => eb.or([eb('a.paper_id', 'is', null), eb.and([eb('a.status', '<>', 'ok'), eb('a.retry_at', '<=', now)])]))
      .orderBy('d.day', 'desc')
      .orderBy('p.id', 'desc')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ paperId: r.id, arxivId: r.arxiv_id, title: r.title, abstract: r.abstract, attempts: r.attempts ?? 0 }));
  }

  async save(paperId: number, s: AiSummary): Promise<void> {
    const now = nowIso();
    const values = {
      status: 'ok',
      summary: s.summary,
      keywords_json: JSON.stringify(s.keywords),
      model: s.model,
      last_error: null,
      retry_at: null,
      updated_at: now,
    };
    await this.db
      .insertInto('paper_ai')
      .values({ paper_id: paperId, attempts: 1, created_at: now, ...values })
      .onConflict((oc) => oc.column('paper_id').doUpdateSet({ ...values, attempts: (eb) => eb('paper_ai.attempts', '+', 1) }))
      .execute();
  }

  async saveFailure(paperId: number, error: string, retryAt: string): Promise<void> {
    const now = nowIso();
    const values = { status: 'failed', last_error: error.slice(0, 500), retry_at: retryAt, updated_at: now };
    await this.db
      .insertInto('paper_ai')
      .values({ paper_id: paperId, attempts: 1, created_at: now, summary: null, keywords_json: null, model: null, ...values })
      .onConflict((oc) => oc.column('paper_id').doUpdateSet({ ...values, attempts: (eb) => eb('paper_ai.attempts', '+', 1) }))
      .execute();
  }

  /** Summaries of these papers, by paper id (only finished ones). */
  async forPapers(paperIds: number[]): Promise<Map<number, AiSummary>> {
    const out = new Map<number, AiSummary>();
    if (!paperIds.length) return out;
    const rows = await this.db
      .selectFrom('paper_ai')
      .select(['paper_id', 'summary', 'keywords_json', 'model'])
      .where('paper_id', 'in', [...new Set(paperIds)])
      .where('status', '=', 'ok')
      .execute();
    for (const r of rows) {
      if (r.summary && r.model) out.set(r.paper_id, { summary: r.summary, keywords: JSON.parse(r.keywords_json ?? '[]') as string[], model: r.model });
    }
    return out;
  }
}
