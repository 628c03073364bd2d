// A local HTTP server replaying the recorded arXiv and Hugging Face payloads, with scripted faults
// (429, 503 + Retry-After, truncated bodies, dropped connections) and a log of what it saw.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { fixture } from './paths.ts';

export interface SeenRequest {
  at: number;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
}

export type Fault = '429' | '503' | 'truncated' | 'drop';

const OAI = readFileSync(fixture('arxiv-oai', 'list-records-arxivraw.xml'), 'utf8');
const OAI_BAD_TOKEN = readFileSync(fixture('arxiv-oai', 'error-bad-resumption-token.xml'), 'utf8');
const OAI_NO_RECORDS = readFileSync(fixture('arxiv-oai', 'error-no-records-match.xml'), 'utf8');
const ATOM = readFileSync(fixture('arxiv-atom', 'query-testing-100.xml'), 'utf8');
const RSS = readFileSync(fixture('arxiv-rss', 'cs-lg-ai-cl-statml.xml'), 'utf8');
const HF = JSON.parse(readFileSync(fixture('hf', 'daily-papers-2024-10-25.json'), 'utf8')) as unknown[];

/** The real record XML of the OAI fixture, split across `n` pages chained by tokens t1, t2, …. */
export function oaiPages(n: number): string[] {
  const records = OAI.match(/<record>[\s\S]*?<\/record>/g)!;
  const head = OAI.slice(0, OAI.indexOf('<record>'));
  const per = Math.ceil(records.length / n);
  return Array.from({ length: n }, (_, i) => {
    const token = i < n - 1 ? `t${i + 1}` : '';
    return `${head}${records.slice(i * per, (i + 1) * per).join('\n')}\n<resumptionToken cursor="${i * per}" completeListSize="${records.length}">${token}</resumptionToken>\n</ListRecords>\n</OAI-PMH>\n`;
  });
}

const ATOM_ENTRIES = ATOM.match(/<entry>[\s\S]*?<\/entry>/g)!;
const ATOM_HEAD = ATOM.slice(0, ATOM.indexOf('<entry>')).replace(/<opensearch:totalResults>\d+/, `<opensearch:totalResults>${ATOM_ENTRIES.length}`);

function atomFeed(entries: string[]): string {
  return `${ATOM_HEAD}${entries.join('\n')}\n</feed>\n`;
}

const ERROR_ENTRY = (id: string) =>
  `<entry><id>http://arxiv.org/api/errors#incorrect_id_format_for_${id}</id><title>Error</title><summary>incorrect id format for ${id}</summary>` +
  `<updated>2026-04-12T00:00:00-04:00</updated><author><name>arXiv api core</name></author></entry>`;

export class ReplayServer {
  readonly seen: SeenRequest[] = [];
  /** Faults answered, in order, before the next normal response (per path prefix). */
  readonly faults: { path: string; fault: Fault; retryAfter?: number }[] = [];
  inFlight = 0;
  maxInFlight = 0;
  pages = oaiPages(3);
  /** When set, a request for this OAI token is held (never answered) and `onHeld` is called. */
  holdToken?: string;
  onHeld?: () => void;
  badTokens = new Set<string>();
  /** Answered to every request, forever (a source that is down): e.g. 503 with Retry-After. */
  always?: { fault: Fault; retryAfter?: number };
  /** Every answer is held this long first (a slow source). */
  slowMs = 0;
  private server?: Server;
  url = '';

  /** Settings that point every source (arXiv OAI, API, RSS and HF) at this server. */
  sourceEnv(): Record<string, string> {
    return {
      PAPERBOY_ARXIV_OAI_URL: `${this.url}/oai`,
      PAPERBOY_ARXIV_API_URL: `${this.url}/api/query`,
      PAPERBOY_ARXIV_RSS_URL: `${this.url}/rss`,
      PAPERBOY_HF_URL: this.url,
    };
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server!.address() as AddressInfo).port}`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server!.close(() => r()));
  }

  /** Arrival gaps (ms) between consecutive requests whose path starts with `prefix`. */
  gaps(prefix = '/'): number[] {
    const at = this.seen.filter((s) => s.path.startsWith(prefix)).map((s) => s.at);
    return at.slice(1).map((t, i) => t - at[i]);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const u = new URL(req.url ?? '/', 'http://x');
    this.seen.push({ at: performance.now(), path: u.pathname, query: u.searchParams, headers: req.headers });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    res.on('close', () => this.inFlight--);
    if (this.slowMs > 0) {
      const t = setTimeout(() => this.answer(u, req, res), this.slowMs);
      res.on('close', () => clearTimeout(t));
      return;
    }
    this.answer(u, req, res);
  }

  private answer(u: URL, req: IncomingMessage, res: ServerResponse): void {
    if (this.always) return this.fault(this.always, req, res);
    const fi = this.faults.findIndex((f) => u.pathname.startsWith(f.path));
    if (fi >= 0) {
      const [f] = this.faults.splice(fi, 1);
      return this.fault(f, req, res);
    }
    if (u.pathname === '/oai') return this.oai(u.searchParams, res);
    if (u.pathname === '/api/query') return this.atom(u.searchParams, res);
    if (u.pathname.startsWith('/rss/')) return this.rss(req, res);
    if (u.pathname === '/api/daily_papers') return this.hf(u.searchParams, req, res);
    res.writeHead(404).end('not found');
  }

  private fault(f: { fault: Fault; retryAfter?: number }, _req: IncomingMessage, res: ServerResponse): void {
    if (f.fault === '429') return void res.writeHead(429, { 'content-type': 'text/plain' }).end('Too Many Requests');
    if (f.fault === '503')
      return void res.writeHead(503, { 'retry-after': String(f.retryAfter ?? 1), 'content-type': 'text/plain' }).end('Service Unavailable');
    if (f.fault === 'drop') return void res.socket?.destroy();
    // Truncated: promise the whole page, send half, cut the connection.
    const body = Buffer.from(this.pages[0]);
    res.writeHead(200, { 'content-type': 'text/xml', 'content-length': String(body.length) });
    res.write(body.subarray(0, body.length >> 1));
    setTimeout(() => res.socket?.destroy(), 20);
  }

  private oai(q: URLSearchParams, res: ServerResponse): void {
    const token = q.get('resumptionToken');
    const send = (xml: string) => void res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8' }).end(xml);
    if (token !== null) {
      if (token === this.holdToken) {
        this.holdToken = undefined;
        this.onHeld?.();
        return; // never answered: the client is killed while waiting
      }
      const i = Number(token.replace(/^t/, ''));
      if (this.badTokens.has(token) || !(i >= 1 && i < this.pages.length)) return send(OAI_BAD_TOKEN);
      return send(this.pages[i]);
    }
    if (q.get('set') === 'nothing') return send(OAI_NO_RECORDS);
    return send(this.pages[0]);
  }

  private atom(q: URLSearchParams, res: ServerResponse): void {
    const send = (xml: string) => void res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' }).end(xml);
    const ids = (q.get('id_list') ?? '').split(',').filter(Boolean);
    if (ids.length) {
      const bad = ids.find((id) => !/^\d{4}\.\d{4,5}(v\d+)?$/.test(id));
      if (bad) return send(atomFeed([ERROR_ENTRY(bad)]));
      return send(atomFeed(ATOM_ENTRIES.filter((e) => ids.some((id) => e.includes(`/abs/${id}`)))));
    }
    const start = Number(q.get('start') ?? 0);
    const max = Number(q.get('max_results') ?? 10);
    send(atomFeed(ATOM_ENTRIES.slice(start, start + max)));
  }

  private rss(req: IncomingMessage, res: ServerResponse): void {
    const etag = '"rss-2026-09-24"';
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { 'content-type': 'application/rss+xml; charset=utf-8', etag, 'last-modified': 'Thu, 24 Sep 2026 08:58:05 GMT' }).end(RSS);
  }

  private hf(q: URLSearchParams, req: IncomingMessage, res: ServerResponse): void {
    const p = Number(q.get('p') ?? 0);
    const limit = Number(q.get('limit') ?? 50);
    const body = JSON.stringify(q.get('date') === '2024-10-25' ? HF.slice(p * limit, (p + 1) * limit) : []);
    const etag = `"hf-${q.get('date')}-${p}-${limit}"`;
    if (req.headers['if-none-match'] === etag) return void res.writeHead(304, { etag }).end();
    res.writeHead(200, { 'content-type': 'application/json', etag }).end(body);
  }
}
