// AI summaries and keywords, as Hugging Face shows them on paper pages: with an OpenAI-compatible
// chat endpoint configured (PAPERBOY_AI_URL, _MODEL, _KEY), a job asks it for a 2–3 sentence
// summary and 5–8 keywords of each newly listed paper's abstract, and stores them labelled with the
// model's name. Without an endpoint nothing is asked and nothing is shown: never a made-up summary.
// A slow answer is abandoned after PAPERBOY_AI_TIMEOUT_MS; errors and unusable answers are retried
// on a later run (after an hour, then a day); a 429 ends the run.
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { userAgent } from '../ingest/http.ts';
import type { AiSummary, AiSummaryStore } from '../storage/agents.ts';

/** Longest answer read from the endpoint. */
const MAX_ANSWER = 64_000;

export const AI_PROMPT =
  'You summarise research papers for a paper-discovery site. From the title and abstract below, write a JSON object with two fields: ' +
  '"summary": 2 to 3 plain sentences (no markdown) saying what the paper does and finds; ' +
  '"keywords": 5 to 8 short key phrases (methods, tasks, concepts), most specific first. Answer with the JSON object only.';

export class AiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AiError';
  }
}

/** Checks and tidies a model's answer; throws AiError when it is not a usable summary. */
export function parseAiAnswer(content: string, model: string): AiSummary {
  const text = content.slice(0, MAX_ANSWER);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) throw new AiError('answer holds no JSON object');
  let v: unknown;
  try {
    v = JSON.parse(text.slice(start, end + 1));
  } catch {
    throw new AiError('answer is not valid JSON');
  }
  const o = v as { summary?: unknown; keywords?: unknown };
  if (typeof o.summary !== 'string') throw new AiError('answer has no summary');
  const summary = o.summary.replace(/\s+/g, ' ').trim();
  if (summary.length < 20 || summary.length > 1200) throw new AiError(`summary of ${summary.length} characters`);
  if (!Array.isArray(o.keywords)) throw new AiError('answer has no keywords');
  const keywords = [
    ...new Set(
      o.keywords
        .filter((k): k is string => typeof k === 'string')
        .map((k) => k.replace(/\s+/g, ' ').trim())
        .filter((k) => k.length > 0 && k.length <= 80),
    ),
  ].slice(0, 8);
  if (keywords.length < 5) throw new AiError(`${keywords.length} keywords, fewer than 5`);
  return { summary, keywords, model };
}

export interface AiRun {
  written: number;
  failed: number;
  stoppedBy?: string;
}

export class AiSummaries {
  constructor(
    private readonly cfg: Pick<Config, 'aiUrl' | 'aiModel' | 'aiKey' | 'aiTimeoutMs' | 'aiPerRun' | 'publicUrl' | 'contactEmail'>,
    readonly store: AiSummaryStore,
    private readonly log?: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Whether an endpoint is configured: without one, nothing is generated or shown. */
  get enabled(): boolean {
    return !!this.cfg.aiUrl;
  }

  /** Stored summaries of these papers (none at all without an endpoint). */
  async forPapers(paperIds: number[]): Promise<Map<number, AiSummary>> {
    if (!this.enabled) return new Map();
    return this.store.forPapers(paperIds);
  }

  async forPaper(paperId: number): Promise<AiSummary | undefined> {
    return (await this.forPapers([paperId])).get(paperId);
  }

  /** One chat-completions request for one paper. */
  async summarise(title: string, abstract: string, signal?: AbortSignal): Promise<AiSummary> {
    if (!this.cfg.aiUrl) throw new AiError('no chat endpoint configured');
    const timeout = AbortSignal.timeout(this.cfg.aiTimeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.cfg.aiUrl}/chat/completions`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'user-agent': userAgent(this.cfg),
          ...(this.cfg.aiKey ? { authorization: `Bearer ${this.cfg.aiKey}` } : {}),
        },
        body: JSON.stringify({
          model: this.cfg.aiModel,
          temperature: 0.2,
          max_tokens: 400,
          messages: [
            { role: 'system', content: AI_PROMPT },
            { role: 'user', content: `Title: ${title.slice(0, 500)}\n\nAbstract: ${abstract.slice(0, 6000)}` },
          ],
        }),
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (timeout.aborted) throw new AiError(`no answer within ${this.cfg.aiTimeoutMs} ms`);
      throw new AiError(`network error: ${(err as Error).message}`);
    }
    let raw: string;
    try {
      raw = await res.text();
    } catch (err) {
      if (timeout.aborted) throw new AiError(`no answer within ${this.cfg.aiTimeoutMs} ms`, res.status);
      throw new AiError(`answer cut short: ${(err as Error).message}`, res.status);
    }
    if (!res.ok) {
      let msg = '';
      try {
        msg = String((JSON.parse(raw.slice(0, MAX_ANSWER)) as { error?: { message?: unknown } }).error?.message ?? '').slice(0, 200);
      } catch {
        /* not JSON */
      }
      throw new AiError(`HTTP ${res.status}${msg ? `: ${msg}` : ''}`, res.status);
    }
    let content: unknown;
    let model: unknown;
    try {
      const body = JSON.parse(raw.slice(0, MAX_ANSWER)) as { model?: unknown; choices?: { message?: { content?: unknown } }[] };
      content = body.choices?.[0]?.message?.content;
      model = body.model;
    } catch {
      throw new AiError('answer is not chat-completions JSON', res.status);
    }
    if (typeof content !== 'string') throw new AiError('answer has no message content', res.status);
    // Labelled with the model that answered (the server's name for it), else the one asked for.
    const name = typeof model === 'string' && model && model.length <= 100 ? model : this.cfg.aiModel;
    return parseAiAnswer(content, name);
  }

  /** Summarises up to `limit` papers listed on or after `sinceDay` that have none. */
  async runOnce(sinceDay: string, signal?: AbortSignal, limit = this.cfg.aiPerRun): Promise<AiRun> {
    const out: AiRun = { written: 0, failed: 0 };
    if (!this.enabled) return out;
    for (const p of await this.store.pending(limit, sinceDay, this.now().toISOString())) {
      if (signal?.aborted) break;
      try {
        await this.store.save(p.paperId, await this.summarise(p.title, p.abstract, signal));
        out.written++;
      } catch (err) {
        if (signal?.aborted) break;
        out.failed++;
        const e = err as AiError;
        const retryAt = new Date(this.now().getTime() + (p.attempts ? 86_400_000 : 3_600_000)).toISOString();
        await this.store.saveFailure(p.paperId, e.message, retryAt);
        this.log?.warn({ paper: p.arxivId, err: e.message }, 'AI summary failed');
        if (e.status === 429 || e.status === 401 || e.status === 403) {
          out.stoppedBy = e.message;
          break;
        }
      }
    }
    return out;
  }
}
