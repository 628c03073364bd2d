// Submissions to the daily list: a signed-in user names an arXiv paper (id or URL); an unknown
// paper is fetched from arXiv through the PaperFetcher port; each rule is a setting and each
// refusal has its own message and code.
import type { Kysely } from 'kysely';
import type { Database } from '../storage/schema.ts';
import type { PaperStore } from '../storage/papers.ts';
import type { DailyStore } from '../storage/daily.ts';
import type { DailyEntry, Paper, PaperInput } from '../domain/paper.ts';
import { parseArxivId } from '../domain/arxiv-id.ts';
import { AppError, errors } from '../domain/errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import { humanSeconds } from './rate-limit.ts';
import { isCurator, type Viewer } from './accounts.ts';

/** Fetches papers from arXiv by id (the Atom API client implements it). */
export interface PaperFetcher {
  fetch(ids: string[]): Promise<PaperInput[]>;
}

export interface SubmissionRules {
  requireSignin: boolean;
  /** 0: no limit. */
  maxAgeDays: number;
  rejectListed: boolean;
  perUserPerDay: number;
  perHour: number;
  commentMaxChars: number;
}

export interface SubmissionResult {
  paper: Paper;
  entry: DailyEntry;
  /** The paper was fetched from arXiv for this submission. */
  fetched: boolean;
}

const fmt = (iso: string) => iso.slice(0, 10);

export class Submissions {
  fetcher?: PaperFetcher;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly papers: PaperStore,
    private readonly daily: DailyStore,
    private readonly limiter: RateLimiter,
    private readonly rules: SubmissionRules,
    private readonly now: () => Date,
    fetcher?: PaperFetcher,
  ) {
    this.fetcher = fetcher;
  }

  /** How many papers the user has submitted on the current UTC day. */
  async countToday(userId: number): Promise<number> {
    const day = this.now().toISOString().slice(0, 10);
    const r = await this.db
      .selectFrom('daily_entries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('source', '=', 'submission')
      .where('submitted_by_user_id', '=', userId)
      .where('submitted_at', '>=', `${day}T00:00:00.000Z`)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async submit(viewer: Viewer | null, input: string, comment: string | null | undefined, ip: string): Promise<SubmissionResult> {
    if (!viewer) {
      if (this.rules.requireSignin) throw errors.unauthorized('Sign in to submit a paper.');
      throw errors.unauthorized('Submissions need an account to be credited to.');
    }
    if (!viewer.username) throw errors.forbidden('Choose a username in your settings before submitting.');
    const note = (comment ?? '').trim();
    if (note.length > this.rules.commentMaxChars) throw errors.badRequest(`The comment can be at most ${this.rules.commentMaxChars} characters.`);
    const parsed = parseArxivId(String(input ?? ''));
    if (!parsed) throw new AppError(400, 'bad_arxiv_id', `"${String(input ?? '').slice(0, 100)}" is not an arXiv id or arXiv URL (e.g. 2410.17243 or https://arxiv.org/abs/2410.17243).`);

    await this.limiter.consume(`submit:user:${viewer.id}`, this.rules.perHour, 3600, 'You are submitting too fast.');
    await this.limiter.consume(`submit:ip:${ip}`, this.rules.perHour * 4, 3600, 'Too many submissions from your network.');

    const now = this.now();
    if (!isCurator(viewer) && this.rules.perUserPerDay >= 0) {
      const n = await this.countToday(viewer.id);
      if (n >= this.rules.perUserPerDay) {
        const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
        const wait = Math.ceil((midnight - now.getTime()) / 1000);
        throw new AppError(
          429,
          'submission_quota',
          `You have reached today's limit of ${this.rules.perUserPerDay} submission${this.rules.perUserPerDay === 1 ? '' : 's'}. Try again in ${humanSeconds(wait)} (after midnight UTC).`,
          { retryAfterSeconds: wait },
        );
      }
    }

    let paper = await this.papers.byArxivId(parsed.id);
    let fetched = false;
    if (!paper) {
      if (!this.fetcher) throw errors.unavailable(`Paper ${parsed.id} is not on this instance and fetching from arXiv is not available.`);
      let found: PaperInput[];
      try {
        found = await this.fetcher.fetch([parsed.id]);
      } catch (err) {
        throw errors.unavailable(`arXiv could not be reached to fetch ${parsed.id} (${(err as Error).message}). Try again later.`);
      }
      const input = found.find((p) => p.arxivId === parsed.id);
      if (!input) throw errors.notFound(`arXiv has no paper ${parsed.id}.`);
      // Check the age before storing anything: a refused paper leaves no trace.
      this.checkAge(parsed.id, input.publishedAt ?? null, now);
      await this.papers.upsertMany([{ ...input, source: input.source || 'submission' }]);
      paper = (await this.papers.byArxivId(parsed.id))!;
      fetched = true;
    }
    if (this.rules.rejectListed) {
      const listed = await this.daily.forPaper(paper.id);
      // An automatic arXiv listing (RSS sync) is not a pick: a submission promotes the paper.
      if (listed && listed.source !== 'arxiv') throw new AppError(409, 'already_listed', `${paper.arxivId} is already on the daily list of ${listed.day}.`);
    }
    this.checkAge(paper.arxivId, paper.publishedAt, now);

    const day = now.toISOString().slice(0, 10);
    const [outcome] = await this.daily.upsertMany([
      {
        arxivId: paper.arxivId,
        day,
        source: 'submission',
        submittedAt: now.toISOString(),
        submitter: { name: viewer.username, fullname: viewer.displayName, userId: viewer.id },
        comment: note || null,
      },
    ]);
    if (outcome === 'unchanged') throw new AppError(409, 'already_listed', `${paper.arxivId} is already on a daily list.`);
    const entry = (await this.daily.forPaper(paper.id))!;
    return { paper, entry, fetched };
  }

  private checkAge(id: string, publishedAt: string | null, now: Date) {
    if (!this.rules.maxAgeDays) return;
    const oldest = now.getTime() - this.rules.maxAgeDays * 86_400_000;
    if (!publishedAt || Date.parse(publishedAt) < oldest)
      throw new AppError(
        400,
        'paper_too_old',
        `${id} was announced ${publishedAt ? `on ${fmt(publishedAt)}` : 'at an unknown date'}; only papers announced within the last ${this.rules.maxAgeDays} days can be submitted.`,
      );
  }
}
