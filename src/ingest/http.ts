// A polite HTTP client for every network source. Requests of one host group (all of arXiv:
// the API, OAI-PMH and RSS) go one at a time with a minimum gap between them; ETag /
// Last-Modified make repeat fetches conditional. Failing fast: what retrying cannot fix soon
// (DNS, connection refused, TLS, 4xx other than 429, a timeout) ends the attempt at once; 429, 5xx,
// dropped connections and truncated bodies are retried here with exponential backoff and jitter
// while the wait (Retry-After or backoff) is short (`inlineWaitMs`); a longer one ends the attempt
// too, and the error's `retryAfterMs` tells the job queue when to run the job again (run_at), so
// no job sleeps for minutes holding a worker lane.
import { readFileSync } from 'node:fs';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Validators } from '../storage/harvest.ts';

export const PAPERBOY_VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
  } catch {
    return '0';
  }
})();

export interface ValidatorStore {
  get(url: string): Promise<Validators | undefined>;
  set(url: string, v: Validators): Promise<void>;
}

export interface HttpClientOptions {
  userAgent: string;
  /** Minimum gap (ms) between the end of one request and the start of the next, per group. */
  gaps: Record<string, number>;
  timeoutMs?: number;
  retries?: number;
  /** First retry delay; doubles per attempt, with jitter. */
  backoffMs?: number;
  /** Longest single wait (Retry-After or backoff) accepted before giving up. */
  maxWaitMs?: number;
  /** Longest wait spent sleeping inside a request; a longer one is handed to the job queue (default: maxWaitMs). */
  inlineWaitMs?: number;
  validators?: ValidatorStore;
  log?: Logger;
}

export interface RequestOptions {
  /** Host group whose queue and gap apply, e.g. "arxiv" or "hf". */
  group: string;
  /** Send the stored ETag / Last-Modified; a 304 comes back as notModified. */
  conditional?: boolean;
  accept?: string;
  /** Throws when the body is unusable (e.g. XML cut short): the request is retried like a network error. */
  validate?: (body: string) => void;
  signal?: AbortSignal;
  /** Where validators of conditional requests live (overrides the client's). */
  validators?: ValidatorStore;
  /** Extra request headers (e.g. a GitHub token). */
  headers?: Record<string, string>;
  /** Keep the body as bytes (PDFs) in `bytes`; `body` stays empty. Larger bodies than `maxBytes` fail. */
  binary?: boolean;
  maxBytes?: number;
  /** Retries of this request (default: the client's). */
  retries?: number;
}

export interface HttpResult {
  url: string;
  status: number;
  notModified: boolean;
  body: string;
  /** The body as bytes, for `binary` requests. */
  bytes?: Buffer;
  headers: Headers;
  attempts: number;
  /** Stores the response's validators; call it once the body has been processed, so a failed run refetches. */
  commit(): Promise<void>;
}

export class HttpError extends Error {
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
    /** The refusal's headers (e.g. GitHub's X-RateLimit-Reset on a 403). */
    readonly headers?: Headers,
    /** When to try again (the job queue's run_at): the server's Retry-After, or the backoff not slept here. */
    readonly retryAfterMs?: number,
    /** What failed: `fatal` (DNS, refused, TLS, 4xx, timeout), `transient` (429, 5xx, dropped), or `http`. */
    readonly kind: 'fatal' | 'transient' | 'http' = 'http',
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** A failure retrying cannot fix soon: the attempt ends at once. */
class Fatal extends Error {}

/** Error codes (of the fetch error's cause) that retrying within seconds cannot fix. */
const FATAL_CODES =
  /^(ENOTFOUND|EAI_AGAIN|EAI_NONAME|EAI_FAIL|ECONNREFUSED|EHOSTUNREACH|ENETUNREACH|EPROTO|ERR_TLS_.*|ERR_SSL_.*|CERT_.*|.*_CERT_.*|UNABLE_TO_.*|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|UND_ERR_CONNECT_TIMEOUT)$/;

function causeCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && e.code.length < 64) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (ms <= 0) return resolve();
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** Retry-After as milliseconds: delta-seconds or an HTTP date. */
export function parseRetryAfter(v: string | null, now = Date.now()): number | undefined {
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : Math.max(0, t - now);
}

interface Lane {
  tail: Promise<void>;
  lastEnd: number;
}

export class HttpClient {
  private readonly lanes = new Map<string, Lane>();

  constructor(readonly opts: HttpClientOptions) {}

  /** Delay before retry `attempt` (1-based): backoff · 2^(attempt-1), ±25 % jitter. */
  backoff(attempt: number): number {
    const base = (this.opts.backoffMs ?? 5000) * 2 ** (attempt - 1);
    return Math.round(base * (0.75 + Math.random() * 0.5));
  }

  /** Runs `fn` alone in its group's lane, at least the group's gap after the previous request ended. */
  private async inLane<T>(group: string, fn: (pace: () => Promise<void>) => Promise<T>, signal?: AbortSignal): Promise<T> {
    let lane = this.lanes.get(group);
    if (!lane) {
      lane = { tail: Promise.resolve(), lastEnd: 0 };
      this.lanes.set(group, lane);
    }
    const gap = this.opts.gaps[group] ?? 0;
    const l = lane;
    const prev = l.tail;
    let release!: () => void;
    l.tail = new Promise<void>((r) => (release = r));
    await prev;
    // Every attempt (retries included) waits out the gap after the previous one.
    const pace = async () => {
      await sleep(l.lastEnd + gap - Date.now(), signal);
    };
    try {
      return await fn(pace);
    } finally {
      l.lastEnd = Date.now();
      release();
    }
  }

  async get(url: string, ro: RequestOptions): Promise<HttpResult> {
    const retries = ro.retries ?? this.opts.retries ?? 5;
    const maxWait = this.opts.maxWaitMs ?? 600_000;
    return this.inLane(
      ro.group,
      async (pace) => {
        const store = ro.validators ?? this.opts.validators;
        const cached = ro.conditional && store ? await store.get(url) : undefined;
        const inline = Math.min(this.opts.inlineWaitMs ?? maxWait, maxWait);
        for (let attempt = 1; ; attempt++) {
          await pace();
          try {
            return await this.attempt(url, ro, cached, attempt);
          } catch (err) {
            const lane = this.lanes.get(ro.group)!;
            lane.lastEnd = Date.now();
            if (err instanceof Fatal) throw new HttpError(`${url}: ${err.message}`, url, undefined, undefined, undefined, 'fatal');
            if (!(err instanceof Retryable)) throw err;
            const wait = err.retryAfterMs ?? this.backoff(attempt);
            if (wait > maxWait)
              throw new HttpError(`${url}: server asks to wait ${Math.round(wait / 1000)} s, more than allowed`, url, err.status, undefined, wait, 'transient');
            if (attempt > retries || wait > inline)
              throw new HttpError(
                `${url}: gave up after ${attempt} attempt(s): ${err.message}`,
                url,
                err.status,
                undefined,
                err.retryAfterMs ?? wait,
                'transient',
              );
            this.opts.log?.warn({ url, group: ro.group, attempt, waitMs: wait, reason: err.message }, 'source request failed; retrying');
            await sleep(wait, ro.signal);
            // The wait counts from now, so the gap after the failed attempt is honoured too.
          }
        }
      },
      ro.signal,
    );
  }

  private async attempt(url: string, ro: RequestOptions, cached: Validators | undefined, attempt: number): Promise<HttpResult> {
    const headers: Record<string, string> = { ...ro.headers, 'user-agent': this.opts.userAgent, accept: ro.accept ?? '*/*' };
    if (cached?.etag) headers['if-none-match'] = cached.etag;
    if (cached?.lastModified) headers['if-modified-since'] = cached.lastModified;
    const timeout = AbortSignal.timeout(this.opts.timeoutMs ?? 60_000);
    const signal = ro.signal ? AbortSignal.any([ro.signal, timeout]) : timeout;
    let res: Response;
    try {
      res = await fetch(url, { headers, signal, redirect: 'follow' });
    } catch (err) {
      if (ro.signal?.aborted) throw err;
      // A server that did not answer within the timeout will not answer in a few seconds either.
      if (timeout.aborted) throw new Fatal(`no answer within ${Math.round((this.opts.timeoutMs ?? 60_000) / 1000)} s`);
      const code = causeCode(err);
      // A URL fetch refuses to open (a blocked port, a bad scheme) comes as a cause without a code.
      const refused =
        !code && /^(bad port|invalid url|unknown scheme)/i.test(String((err as { cause?: { message?: unknown } }).cause?.message ?? '').slice(0, 40));
      if ((code && FATAL_CODES.test(code)) || refused) throw new Fatal(`network error: ${describe(err)}`);
      throw new Retryable(`network error: ${describe(err)}`);
    }
    const base = { url, status: res.status, headers: res.headers, attempts: attempt };
    if (res.status === 304) {
      await res.body?.cancel().catch(() => {});
      return { ...base, notModified: true, body: '', commit: async () => {} };
    }
    if (res.status === 429 || res.status >= 500) {
      await res.body?.cancel().catch(() => {});
      throw new Retryable(`HTTP ${res.status}`, parseRetryAfter(res.headers.get('retry-after')), res.status);
    }
    if (res.status >= 400) {
      await res.body?.cancel().catch(() => {});
      throw new HttpError(`${url}: HTTP ${res.status}`, url, res.status, res.headers, undefined, 'fatal');
    }
    if (ro.binary) {
      const declared = Number(res.headers.get('content-length') ?? 0);
      if (ro.maxBytes && declared > ro.maxBytes) {
        await res.body?.cancel().catch(() => {});
        throw new HttpError(`${url}: ${declared} bytes, more than ${ro.maxBytes}`, url, res.status);
      }
      let bytes: Buffer;
      try {
        bytes = Buffer.from(await res.arrayBuffer());
      } catch (err) {
        if (ro.signal?.aborted) throw err;
        throw new Retryable(`body cut short: ${describe(err)}`);
      }
      if (ro.maxBytes && bytes.length > ro.maxBytes) throw new HttpError(`${url}: more than ${ro.maxBytes} bytes`, url, res.status);
      if (declared && !res.headers.get('content-encoding') && bytes.length < declared) throw new Retryable('body shorter than Content-Length');
      return { ...base, notModified: false, body: '', bytes, commit: async () => {} };
    }
    let body: string;
    try {
      body = await res.text();
    } catch (err) {
      if (ro.signal?.aborted) throw err;
      if (timeout.aborted) throw new Fatal(`body not received within ${Math.round((this.opts.timeoutMs ?? 60_000) / 1000)} s`);
      throw new Retryable(`body cut short: ${describe(err)}`);
    }
    const length = res.headers.get('content-length');
    if (length && !res.headers.get('content-encoding') && Buffer.byteLength(body) < Number(length)) throw new Retryable('body shorter than Content-Length');
    if (ro.validate) {
      try {
        ro.validate(body);
      } catch (err) {
        throw new Retryable(`unusable body: ${(err as Error).message}`);
      }
    }
    const etag = res.headers.get('etag');
    const lastModified = res.headers.get('last-modified');
    const store = ro.conditional ? (ro.validators ?? this.opts.validators) : undefined;
    return {
      ...base,
      notModified: false,
      body,
      commit: async () => {
        if (store && (etag || lastModified)) await store.set(url, { etag, lastModified });
      },
    };
  }
}

function describe(err: unknown): string {
  const e = err as Error & { cause?: Error & { code?: string } };
  return [e.message, e.cause?.code ?? e.cause?.message].filter(Boolean).join(': ');
}

/** "Paperboy/0.1.0 (+https://papers.example.org; mailto:ops@example.org)" */
export function userAgent(cfg: Pick<Config, 'publicUrl' | 'contactEmail'>): string {
  return `Paperboy/${PAPERBOY_VERSION} (+${cfg.publicUrl}${cfg.contactEmail ? `; mailto:${cfg.contactEmail}` : ''})`;
}

/** The client every source uses, configured from the settings. */
export function sourceClient(
  cfg: Pick<Config, 'publicUrl' | 'contactEmail' | 'arxivGapMs' | 'hfGapMs' | 'httpTimeoutMs' | 'httpRetries' | 'httpBackoffMs' | 'httpMaxWaitMs'> &
    Partial<Pick<Config, 'httpInlineWaitMs'>>,
  extra: { validators?: ValidatorStore; log?: Logger } = {},
): HttpClient {
  return new HttpClient({
    userAgent: userAgent(cfg),
    gaps: { arxiv: cfg.arxivGapMs, hf: cfg.hfGapMs },
    timeoutMs: cfg.httpTimeoutMs,
    retries: cfg.httpRetries,
    backoffMs: cfg.httpBackoffMs,
    maxWaitMs: cfg.httpMaxWaitMs,
    inlineWaitMs: cfg.httpInlineWaitMs,
    ...extra,
  });
}

const shared = new Map<string, HttpClient>();

/**
 * The process-wide client: every source in one process shares it, so arXiv's one-request-at-a-time
 * rule holds across the API, OAI-PMH and RSS. One per distinct client settings (instances of one
 * process with other settings, as in tests, get their own); the first caller's log and validators win.
 */
export function sharedSourceClient(cfg: Parameters<typeof sourceClient>[0], extra: { validators?: ValidatorStore; log?: Logger } = {}): HttpClient {
  const key = JSON.stringify([
    userAgent(cfg),
    cfg.arxivGapMs,
    cfg.hfGapMs,
    cfg.httpTimeoutMs,
    cfg.httpRetries,
    cfg.httpBackoffMs,
    cfg.httpMaxWaitMs,
    cfg.httpInlineWaitMs,
  ]);
  let c = shared.get(key);
  if (!c) shared.set(key, (c = sourceClient(cfg, extra)));
  return c;
}
