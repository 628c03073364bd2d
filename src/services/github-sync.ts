// Code links and GitHub stars. Two steps, both resumable:
//  1. scanCodeLinks: papers stored before links were read from text get the repository their
//     comment or abstract names (new papers get it at import, in normalisePaper).
//  2. syncStars: every linked GitHub repository is asked for once a day (GET /repos/{owner}/{repo},
//     conditional with its ETag, one request at a time with a gap, an optional token); its star
//     count goes to the repository, its daily history and every paper linking it — which is what
//     trending's stars term and the search filter "Has code" read.
// When GitHub says the hourly budget is spent (X-RateLimit-Remaining: 0, or a 403/429 refusal),
// the run stops and the next one starts after X-RateLimit-Reset.
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { githubRepo, pickCodeLink } from '../domain/code-links.ts';
import { HttpClient, HttpError, userAgent } from '../ingest/http.ts';
import type { GithubStore } from '../storage/agents.ts';
import type { KvStore } from '../storage/kv.ts';

const SCAN_KEY = 'github:code-scan-after';
const PAUSE_KEY = 'github:paused-until';
const GITHUB_REPO_ANSWER_MAX = 2_000_000;

export interface StarsRun {
  checked: number;
  updated: number;
  notModified: number;
  notFound: number;
  failed: number;
  /** Set when GitHub's rate limit ended the run: when the budget comes back. */
  pausedUntil?: string;
}

export class GithubSync {
  readonly http: HttpClient;

  constructor(
    private readonly cfg: Pick<Config, 'githubApiUrl' | 'githubToken' | 'githubGapMs' | 'githubReposPerRun' | 'publicUrl' | 'contactEmail' | 'httpTimeoutMs'>,
    private readonly store: GithubStore,
    private readonly kv: KvStore,
    private readonly log?: Logger,
    now?: () => Date,
  ) {
    this.now = now ?? (() => new Date());
    // Its own client: GitHub's pace is not arXiv's, and its refusals are handled here, not retried for minutes.
    this.http = new HttpClient({
      userAgent: userAgent(cfg),
      gaps: { github: cfg.githubGapMs },
      timeoutMs: cfg.httpTimeoutMs,
      retries: 2,
      backoffMs: 2000,
      maxWaitMs: 60_000,
      log,
    });
  }

  private readonly now: () => Date;

  /** Reads code links out of stored abstracts and comments, `batch` candidates at a time, from where the last run stopped. */
  async scanCodeLinks(batch = 2000, signal?: AbortSignal): Promise<{ scanned: number; linked: number }> {
    let after = Number((await this.kv.get(SCAN_KEY)) ?? 0);
    const last = await this.store.lastPaperId();
    let scanned = 0;
    let linked = 0;
    while (!signal?.aborted) {
      const rows = await this.store.codeLinkCandidates(after, batch);
      if (!rows.length) break;
      for (const r of rows) {
        const url = pickCodeLink(null, r.comment, r.abstract);
        if (url) {
          await this.store.setCodeUrl(r.id, url);
          linked++;
        }
      }
      scanned += rows.length;
      after = rows[rows.length - 1].id;
      await this.kv.set(SCAN_KEY, String(after));
    }
    // Everything up to the newest paper has been looked at (new ones are linked at import).
    if (!signal?.aborted && after < last) await this.kv.set(SCAN_KEY, String(last));
    return { scanned, linked };
  }

  /** Registers every linked GitHub repository, then checks the ones not checked today. */
  async syncStars(signal?: AbortSignal): Promise<StarsRun> {
    const run: StarsRun = { checked: 0, updated: 0, notModified: 0, notFound: 0, failed: 0 };
    const paused = await this.kv.get(PAUSE_KEY);
    const now = this.now();
    if (paused && paused > now.toISOString()) return { ...run, pausedUntil: paused };
    const names = new Set<string>();
    for (const url of await this.store.githubCodeUrls()) {
      const r = githubRepo(url);
      if (r) names.add(r.fullName);
    }
    await this.store.addRepos([...names]);
    const day = now.toISOString().slice(0, 10);
    const weekAgo = new Date(now.getTime() - 7 * 86_400_000).toISOString();
    const due = await this.store.due(`${day}T00:00:00.000Z`, weekAgo, this.cfg.githubReposPerRun);
    for (const repo of due) {
      if (signal?.aborted) break;
      run.checked++;
      const url = `${this.cfg.githubApiUrl}/repos/${repo.fullName.split('/').map(encodeURIComponent).join('/')}`;
      const headers: Record<string, string> = { 'x-github-api-version': '2022-11-28' };
      if (this.cfg.githubToken) headers.authorization = `Bearer ${this.cfg.githubToken}`;
      // A repository that changed nothing answers 304 to its ETag (and does not count against the budget).
      if (repo.etag && repo.stars != null) headers['if-none-match'] = repo.etag;
      try {
        const res = await this.http.get(url, { group: 'github', accept: 'application/vnd.github+json', headers, signal });
        if (res.notModified) {
          run.notModified++;
          await this.store.recordStars(repo.fullName, { stars: repo.stars!, canonicalName: null, etag: repo.etag }, day, now.toISOString());
        } else {
          if (res.body.length > GITHUB_REPO_ANSWER_MAX) throw new Error('answer too large');
          const body = JSON.parse(res.body) as { stargazers_count?: unknown; full_name?: unknown };
          const stars = body.stargazers_count;
          if (typeof stars !== 'number' || !Number.isSafeInteger(stars) || stars < 0) throw new Error('answer without stargazers_count');
          const canonical = typeof body.full_name === 'string' && body.full_name.length <= 200 ? body.full_name : null;
          await this.store.recordStars(repo.fullName, { stars, canonicalName: canonical, etag: res.headers.get('etag') }, day, now.toISOString());
          run.updated++;
        }
        const pause = this.budgetSpent(res.headers);
        if (pause) {
          run.pausedUntil = pause;
          break;
        }
      } catch (err) {
        if (signal?.aborted) break;
        const e = err as HttpError;
        if (e instanceof HttpError && (e.status === 404 || e.status === 410 || e.status === 451)) {
          run.notFound++;
          await this.store.markChecked(repo.fullName, 'not_found', e.message, now.toISOString());
          continue;
        }
        // GitHub refuses with 403 (or 429) and X-RateLimit-Remaining: 0 when the budget is spent; a 403 without it is this repository's.
        const pause =
          e instanceof HttpError && (e.status === 403 || e.status === 429)
            ? (this.budgetSpent(e.headers) ?? (e.status === 429 ? this.later(3600) : undefined))
            : undefined;
        if (pause) {
          // Not this repository's fault: it stays due, and the run stops until the budget is back.
          run.pausedUntil = pause;
          this.log?.warn({ until: pause }, 'GitHub rate limit reached; star sync paused');
          break;
        }
        if (e instanceof HttpError && e.status === undefined) {
          // No network (or GitHub unreachable after retries): not this repository's fault; the next run tries again.
          run.failed++;
          this.log?.warn({ err: e.message }, 'GitHub unreachable; star sync stopped for this run');
          break;
        }
        run.failed++;
        await this.store.markChecked(repo.fullName, 'failed', (err as Error).message, now.toISOString());
        this.log?.warn({ repo: repo.fullName, err: (err as Error).message }, 'GitHub repository check failed');
      }
    }
    if (run.pausedUntil) await this.kv.set(PAUSE_KEY, run.pausedUntil);
    return run;
  }

  private later(seconds: number): string {
    return new Date(this.now().getTime() + seconds * 1000).toISOString();
  }

  /** When the rate-limit headers say no request is left: the reset time (ISO). */
  private budgetSpent(h: Headers | undefined): string | undefined {
    if (!h) return undefined;
    const retryAfter = h.get('retry-after');
    if (retryAfter && /^\d{1,6}$/.test(retryAfter)) return this.later(Number(retryAfter));
    if (h.get('x-ratelimit-remaining') !== '0') return undefined;
    const reset = Number(h.get('x-ratelimit-reset'));
    // X-RateLimit-Reset is epoch seconds (some recordings carry milliseconds); anything odd waits an hour.
    if (!Number.isFinite(reset) || reset <= 0) return this.later(3600);
    const ms = reset > 1e12 ? reset : reset * 1000;
    const t = Math.min(Math.max(ms, this.now().getTime() + 60_000), this.now().getTime() + 86_400_000);
    return new Date(t).toISOString();
  }
}
