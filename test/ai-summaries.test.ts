// AI summaries and keywords, on each database, against a local server speaking OpenAI's
// chat-completions protocol (answers in its recorded shape: chat.completion objects, and its error
// objects for 500 and 429), including a slow answer past the timeout and unusable content. Without
// an endpoint nothing is asked and nothing is shown.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';
import { parseAiAnswer } from '../src/services/ai-summaries.ts';

type Behaviour = 'ok' | 'slow' | '500' | '429' | 'unusable';
const MODEL = 'gpt-4o-mini-2024-07-18';
const KEY = 'sk-test-0123456789';

function completion(content: string) {
  return {
    id: 'chatcmpl-AMpZ6m2cXhQyGk9wQ0mXnW1aBcDeF',
    object: 'chat.completion',
    created: 1729841829,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: {
      prompt_tokens: 412,
      completion_tokens: 96,
      total_tokens: 508,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    },
    system_fingerprint: 'fp_f59a81427f',
  };
}

class ChatServer {
  readonly seen: { headers: IncomingMessage['headers']; body: any }[] = [];
  script: Behaviour[] = [];
  url = '';
  private server?: Server;

  async start() {
    this.server = createServer((req, res) => {
      let raw = '';
      req.on('data', (c) => (raw += c));
      req.on('end', () => {
        const body = JSON.parse(raw);
        this.seen.push({ headers: req.headers, body });
        const how = this.script.shift() ?? 'ok';
        const title = String(body.messages?.[1]?.content ?? '').match(/^Title: (.*)$/m)?.[1] ?? '';
        const json = (status: number, v: unknown, extra: Record<string, string> = {}) => {
          const s = JSON.stringify(v);
          res.writeHead(status, { 'content-type': 'application/json', 'openai-processing-ms': '812', 'x-request-id': 'req_7f1c0e', ...extra });
          res.end(s);
        };
        const summary = {
          summary: `The paper "${title.slice(0, 60)}" proposes a method and evaluates it. It reports gains over strong baselines on standard benchmarks.`,
          keywords: ['method', 'evaluation', 'benchmarks', 'baselines', 'efficiency', 'ablation'],
        };
        if (how === 'ok') return json(200, completion('```json\n' + JSON.stringify(summary) + '\n```'));
        if (how === 'slow') return void setTimeout(() => json(200, completion(JSON.stringify(summary))), 1500).unref();
        if (how === 'unusable') return json(200, completion('I cannot summarise this paper.'));
        if (how === '500')
          return json(500, {
            error: { message: 'The server had an error while processing your request. Sorry about that!', type: 'server_error', param: null, code: null },
          });
        return json(
          429,
          {
            error: {
              message: `Rate limit reached for ${MODEL} on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.`,
              type: 'requests',
              param: null,
              code: 'rate_limit_exceeded',
            },
          },
          { 'retry-after': '20', 'x-ratelimit-remaining-requests': '0' },
        );
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
    return this;
  }

  async close() {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}

test('a model answer becomes a summary of 2–3 sentences and 5–8 keywords, or is refused', () => {
  const ok = parseAiAnswer('Sure!\n{"summary": "It does X.  It finds Y.", "keywords": ["a", "b", "c", "d", "e", "e", "f", "g", "h", "i"]}', 'm');
  assert.deepEqual(ok, { summary: 'It does X. It finds Y.', keywords: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'], model: 'm' });
  assert.throws(() => parseAiAnswer('no json here', 'm'), /no JSON/);
  assert.throws(() => parseAiAnswer('{"summary": "Too few keywords here, sadly.", "keywords": ["a", "b"]}', 'm'), /fewer than 5/);
  assert.throws(() => parseAiAnswer('{"keywords": ["a","b","c","d","e"]}', 'm'), /no summary/);
});

for (const dbk of databases) {
  describe(`AI summaries on ${dbk.name}`, () => {
    let chat: ChatServer;
    before(async () => {
      chat = await new ChatServer().start();
    });
    after(async () => {
      await chat?.close();
    });

    test('without an endpoint nothing is asked and nothing is shown, even a stored summary', async () => {
      const pb = await dbk.open();
      try {
        await seedApi(pb);
        assert.equal(pb.agents.ai.enabled, false);
        assert.deepEqual(await pb.agents.ai.runOnce('2000-01-01'), { written: 0, failed: 0 });
        const v = await pb.papers.get('2410.17243');
        await pb.agents.ai.store.save(v.paper.id, { summary: 'Left from an earlier configuration, here.', keywords: ['a', 'b', 'c', 'd', 'e'], model: 'old' });
        const srv = await startServer(pb);
        try {
          const api = (await (await fetch(`${srv.url}/api/papers/2410.17243`)).json()) as Record<string, unknown>;
          assert.equal(api.ai_summary, undefined);
          const page = await (await fetch(`${srv.url}/papers/2410.17243`)).text();
          assert.ok(!page.includes('AI summary'));
          assert.ok(!(await (await fetch(`${srv.url}/papers/2410.17243.md`)).text()).includes('AI summary'));
        } finally {
          await srv.close();
        }
      } finally {
        await pb.dispose();
      }
    });

    describe('with a chat endpoint', () => {
      let pb: TestInstance;
      let srv: TestServer;
      before(async () => {
        pb = await dbk.open({ PAPERBOY_AI_URL: chat.url, PAPERBOY_AI_MODEL: 'gpt-4o-mini', PAPERBOY_AI_KEY: KEY, PAPERBOY_AI_TIMEOUT_MS: '400' });
        await seedApi(pb);
        srv = await startServer(pb);
      });
      after(async () => {
        await srv?.close();
        await pb?.dispose();
      });

      const rows = () =>
        pb.db.kysely
          .selectFrom('paper_ai as a')
          .innerJoin('papers as p', 'p.id', 'a.paper_id')
          .select(['p.arxiv_id', 'a.status', 'a.model', 'a.last_error', 'a.retry_at'])
          .execute();

      test('a run summarises newly listed papers; slow answers, errors and unusable answers are retried later', async () => {
        chat.seen.length = 0;
        chat.script = ['ok', 'slow', '500', 'unusable', 'ok'];
        const r = await pb.agents.ai.runOnce('2024-10-25', undefined, 5);
        assert.deepEqual(r, { written: 2, failed: 3 });
        assert.equal(chat.seen.length, 5);
        for (const s of chat.seen) {
          assert.equal(s.headers.authorization, `Bearer ${KEY}`);
          assert.equal(s.body.model, 'gpt-4o-mini');
          assert.equal(s.body.messages[0].role, 'system');
          assert.match(s.body.messages[1].content, /^Title: .+\n\nAbstract: .+/s);
        }
        const all = await rows();
        const ok = all.filter((x) => x.status === 'ok');
        const failed = all.filter((x) => x.status === 'failed');
        assert.equal(ok.length, 2);
        assert.ok(
          ok.every((x) => x.model === MODEL),
          'labelled with the model that answered',
        );
        assert.deepEqual(failed.map((x) => String(x.last_error)).sort(), [
          'HTTP 500: The server had an error while processing your request. Sorry about that!',
          'answer holds no JSON object',
          'no answer within 400 ms',
        ]);
        assert.ok(failed.every((x) => x.retry_at! > new Date().toISOString()));
        // The next run goes on with other papers; the failed ones wait for their retry time.
        chat.script = ['ok'];
        const next = await pb.agents.ai.runOnce('2024-10-25', undefined, 1);
        assert.equal(next.written, 1);
        const asked = String(chat.seen.at(-1)!.body.messages[1].content);
        for (const f of failed) assert.ok(!asked.includes(`${f.arxiv_id}`));
      });

      test('a 429 ends the run at once', async () => {
        const before = chat.seen.length;
        chat.script = ['429', 'ok', 'ok'];
        const r = await pb.agents.ai.runOnce('2024-10-25', undefined, 5);
        assert.equal(r.failed, 1);
        assert.equal(r.written, 0);
        assert.match(r.stoppedBy ?? '', /^HTTP 429: Rate limit reached/);
        assert.equal(chat.seen.length, before + 1);
        chat.script = [];
      });

      test('the paper page, the API and the Markdown show the summary labelled with the model; keywords link to search', async () => {
        const done = (await rows()).find((x) => x.status === 'ok')!;
        const id = done.arxiv_id;
        const api = (await (await fetch(`${srv.url}/api/papers/${id}`)).json()) as Record<string, any>;
        assert.match(api.ai_summary, /proposes a method and evaluates it/);
        assert.deepEqual(api.ai_keywords, ['method', 'evaluation', 'benchmarks', 'baselines', 'efficiency', 'ablation']);
        assert.equal(api.ai_model, MODEL);
        const page = await (await fetch(`${srv.url}/papers/${id}`)).text();
        assert.match(page, /<section class="ai-summary" aria-labelledby="ai-h">/);
        assert.match(page, /<a class="chip" href="\/search\?q=benchmarks">benchmarks<\/a>/);
        assert.ok(page.includes(`Written by ${MODEL}`));
        const md = await (await fetch(`${srv.url}/papers/${id}.md`)).text();
        assert.match(md, new RegExp(`## AI summary\\n\\n_Written by ${MODEL.replace(/[.-]/g, '\\$&')}; may contain mistakes\\._`));
        assert.match(md, /\[benchmarks\]\(<.*\/search\?q=benchmarks>\)/);
        const daily = (await (await fetch(`${srv.url}/api/daily_papers?date=2024-10-25&limit=100`)).json()) as Record<string, any>[];
        const listed = daily.find((d) => d.paper.id === id);
        if (listed) assert.equal(listed.ai_summary, api.ai_summary, "top level of daily items, where HF's client reads it");
      });
    });
  });
}
