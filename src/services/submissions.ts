// Submissions to the daily list: a signed-in user names an arXiv paper (id or URL); an unknown
// paper is fetched from arXiv through the PaperFetcher port; each rule is a setting and each
// refusal has its own message and code.
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

/** arXiv did not answer in time: the submission finishes in the background (job SUBMIT_FETCH_JOB). */
export interface QueuedSubmission {
  queued: true;
  arxivId: string;
}

export const SUBMIT_FETCH_JOB = 'submission.fetch';

/** What a queued submission's submitter is told (no error text from the fetch). */
export const queuedMessage = (arxivId: string, maxAgeDays: number) =>
  `arXiv is slow to answer, so Paperboy is fetching ${arxivId} in the background. If it was announced${maxAgeDays ? ` within the last ${maxAgeDays} days` : ''} and is not on a list yet, it will appear on today's list in a few minutes.`;

export const isQueued = (r: SubmissionResult | QueuedSubmission): r is QueuedSubmission => 'queued' in r;

/** What the background job needs to finish a submission. */
export interface QueuedSubmissionPayload {
  userId: number;
  arxivId: string;
  comment: string | null;
  ip: string;
}

/** How long a request waits for arXiv before answering "queued" (the arXiv client spaces its calls by seconds). */
export const SUBMIT_FETCH_WAIT_MS = 4000;

class FetchTimeout extends Error {}

const fmt = (iso: string) => iso.slice(0, 10);

/** Where a submission arXiv did not answer in time goes to be finished (the job queue). */
export interface SubmissionQueue {
  enqueue(name: string, payload: unknown, opts?: { uniqueKey?: string; maxAttempts?: number }): Promise<unknown>;
}

export class Submissions {
  /** Milliseconds a request waits for arXiv. */
  fetchWaitMs = SUBMIT_FETCH_WAIT_MS;

  constructor(
    private readonly papers: PaperStore,
    private readonly daily: DailyStore,
    private readonly limiter: RateLimiter,
    private readonly rules: SubmissionRules,
    private readonly now: () => Date,
    readonly fetcher: PaperFetcher,
    /** The job queue, for submissions arXiv did not answer in time. */
    private readonly queue: SubmissionQueue,
  ) {}

  /** How many papers the user has submitted on the current UTC day. */
  async countToday(userId: number): Promise<number> {
    const day = this.now().toISOString().slice(0, 10);
    return this.daily.countSubmissionsSince(userId, `${day}T00:00:00.000Z`);
  }

  /**
   * Places a paper on today's list. A paper not on this instance is fetched from arXiv, waiting at
   * most `fetchWaitMs`: when arXiv is slow or failing the submission is queued and finished by a
   * job (the answer says so, never with the fetch's error text).
   */
  /** The form's own checks (an arXiv id, the note's length), before any account or network is involved. */
  check(input: string, comment: string | null | undefined): { parsed: NonNullable<ReturnType<typeof parseArxivId>>; note: string } {
    const note = (comment ?? '').trim();
    if (note.length > this.rules.commentMaxChars) throw errors.badRequest(`The comment can be at most ${this.rules.commentMaxChars} characters.`);
    const parsed = parseArxivId(String(input ?? ''));
    if (!parsed) throw new AppError(400, 'bad_arxiv_id', `"${String(input ?? '').slice(0, 100)}" is not an arXiv id or arXiv URL (e.g. 2410.17243 or https://arxiv.org/abs/2410.17243).`);
    return { parsed, note };
  }

  async submit(viewer: Viewer | null, input: string, comment: string | null | undefined, ip: string): Promise<SubmissionResult | QueuedSubmission> {
    if (!viewer) {
      if (this.rules.requireSignin) throw errors.unauthorized('Sign in to submit a paper.');
      throw errors.unauthorized('Submissions need an account to be credited to.');
    }
    if (!viewer.username) throw errors.forbidden('Choose a username in your settings before submitting.');
    const { parsed, note } = this.check(input, comment);

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
      let timer: NodeJS.Timeout | undefined;
      try {
        const fetching = this.fetcher.fetch([parsed.id]);
        fetching.catch(() => undefined); // a late failure after the timeout is the job's business
        found = await Promise.race([
          fetching,
          new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new FetchTimeout()), this.fetchWaitMs))),
        ]);
      } catch {
        if (!this.queue) throw errors.unavailable(`arXiv could not be reached to fetch ${parsed.id}. Try again later.`);
        const payload: QueuedSubmissionPayload = { userId: viewer.id, arxivId: parsed.id, comment: note || null, ip };
        await this.queue.enqueue(SUBMIT_FETCH_JOB, payload, { uniqueKey: `${SUBMIT_FETCH_JOB}:${viewer.id}:${parsed.id}`, maxAttempts: 6 });
        return { queued: true, arxivId: parsed.id };
      } finally {
        clearTimeout(timer);
      }
      const input = found.find((p) => p.arxivId === parsed.id);
      if (!input) throw errors.notFound(`arXiv has no paper ${parsed.id}.`);
      // Check the age before storing anything: a refused paper leaves no trace.
      this.checkAge(parsed.id, input.publishedAt ?? null, now);
      await this.papers.upsertMany([{ ...input, source: input.source || 'submission' }]);
      paper = (await this.papers.byArxivId(parsed.id))!;
      fetched = true;
    }
    return this.place(viewer, paper, note, fetched);
  }

  /** The checks that need the stored paper, then its entry on today's list. */
  private async place(viewer: Viewer, paper: Paper, note: string, fetched: boolean): Promise<SubmissionResult> {
    const now = this.now();
    const name = viewer.username;
    if (!name) throw errors.forbidden('Choose a username in your settings before submitting.');
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
        submitter: { name, fullname: viewer.displayName, userId: viewer.id },
        comment: note || null,
      },
    ]);
    if (outcome === 'unchanged') throw new AppError(409, 'already_listed', `${paper.arxivId} is already on a daily list.`);
    const entry = (await this.daily.forPaper(paper.id))!;
    return { paper, entry, fetched };
  }

  /**
   * The job's half of a queued submission: fetch (a failure throws, and the queue retries with
   * backoff), then the same checks and placement as a direct submission. A refusal (too old,
   * already listed, unknown to arXiv) ends the job without retry.
   */
  async completeQueued(p: QueuedSubmissionPayload, viewer: Viewer): Promise<SubmissionResult | null> {
    const fetcher = this.fetcher;
    if (!fetcher) return null;
    if (!(await this.papers.byArxivId(p.arxivId))) {
      const found = (await fetcher.fetch([p.arxivId])).find((x) => x.arxivId === p.arxivId);
      if (!found) return null;
      try {
        this.checkAge(p.arxivId, found.publishedAt ?? null, this.now());
      } catch {
        return null;
      }
      await this.papers.upsertMany([{ ...found, source: found.source || 'submission' }]);
    }
    // The rate limits were counted when it was submitted; place it as a submission would.
    const paper = (await this.papers.byArxivId(p.arxivId))!;
    try {
      return await this.place(viewer, paper, p.comment ?? '', true);
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return null;
      throw err;
    }
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
