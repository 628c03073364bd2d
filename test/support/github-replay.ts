// A local server speaking GitHub's REST API for GET /repos/{owner}/{repo}: it replays octokit/fixtures'
// recorded answer (test/fixtures/github/get-repository.json: body and headers, ETag and
// X-RateLimit-* included) for the recorded repository, a 304 to a matching If-None-Match, GitHub's
// 404 for any other repository, and, when told, GitHub's rate-limit refusal (403, remaining 0).
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fixture } from './paths.ts';

interface Recorded {
  path: string;
  status: number;
  response: Record<string, unknown>;
  headers: Record<string, string>;
}

export const RECORDED = (JSON.parse(readFileSync(fixture('github', 'get-repository.json'), 'utf8')) as Recorded[])[0];

/** Headers GitHub sends on every answer (from the recording), without the body-specific ones. */
function commonHeaders(): Record<string, string> {
  const h = { ...RECORDED.headers };
  for (const k of ['content-length', 'status', 'set-cookie', 'etag', 'last-modified', 'connection']) delete h[k];
  return h;
}

export class GithubReplay {
  readonly seen: { path: string; headers: IncomingMessage['headers'] }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  /** Stars the recorded repository reports (the recording says 42). */
  stars = Number(RECORDED.response.stargazers_count);
  /** Answer every request with the rate-limit refusal. */
  rateLimited = false;
  /** Requests left that the headers announce. */
  remaining = 59;
  private server?: Server;
  url = '';

  etag(): string {
    return this.stars === Number(RECORDED.response.stargazers_count) ? RECORDED.headers.etag : `"${this.stars.toString(16).padStart(32, '0')}"`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      this.inFlight++;
      this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
      res.on('close', () => this.inFlight--);
      const path = (req.url ?? '').split('?')[0];
      this.seen.push({ path, headers: req.headers });
      const rate = {
        'x-ratelimit-limit': '60',
        'x-ratelimit-remaining': String(this.remaining),
        'x-ratelimit-reset': String(Math.floor(Date.now() / 1000) + 3600),
        'x-ratelimit-used': String(60 - this.remaining),
        'x-ratelimit-resource': 'core',
      };
      // A little later, as a real server: lets overlapping requests show up in maxInFlight.
      setTimeout(() => {
        if (this.rateLimited) {
          const body = JSON.stringify({
            message:
              "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated requests get a higher rate limit. Check out the documentation for more details.)",
            documentation_url: 'https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting',
          });
          res.writeHead(403, {
            ...commonHeaders(),
            ...rate,
            'x-ratelimit-remaining': '0',
            'content-type': 'application/json; charset=utf-8',
            'content-length': Buffer.byteLength(body),
          });
          return res.end(body);
        }
        if (this.remaining > 0) this.remaining--;
        if (path === RECORDED.path) {
          const etag = this.etag();
          if (req.headers['if-none-match'] === etag) {
            // GitHub's 304: no body, the validators and the rate-limit headers (it does not count against the budget).
            res.writeHead(304, { ...commonHeaders(), ...rate, etag });
            return res.end();
          }
          const body = JSON.stringify({ ...RECORDED.response, stargazers_count: this.stars, watchers_count: this.stars, watchers: this.stars });
          res.writeHead(200, {
            ...commonHeaders(),
            ...rate,
            etag,
            'last-modified': RECORDED.headers['last-modified'],
            'content-length': Buffer.byteLength(body),
          });
          return res.end(body);
        }
        const body = JSON.stringify({ message: 'Not Found', documentation_url: 'https://docs.github.com/rest/repos/repos#get-a-repository', status: '404' });
        res.writeHead(404, { ...commonHeaders(), ...rate, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
        res.end(body);
      }, 5);
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }
}
