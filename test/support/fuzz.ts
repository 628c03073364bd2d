// Property-based fuzzing of the whole HTTP surface and every importer (issue 16), shared by
// test/fuzz.test.ts (fixed seed, bounded runs, part of `npm test`) and bench/fuzz.ts (longer runs).
// Every route the app registers (read from Fastify's route tree, so a new route is fuzzed without
// anyone listing it) is called with random and adversarial path parameters, query strings, form
// and JSON bodies, as an anonymous visitor, a signed-in browser (with a valid CSRF pair) and an API
// token. The properties: no answer is a 500; the event loop is never blocked for 100 ms or more
// (monitorEventLoopDelay); no answer carries a javascript:/data: link (HTML attributes, JSON link
// fields). Importers get random records; they may refuse input, but only by counting or with a
// plain Error, never by crashing.
import fc from 'fast-check';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { TestInstance } from './db.ts';
import { Browser, csrfOf, signIn } from './community-client.ts';
import { buildApp } from '../../src/http/app.ts';
import { parseHfDaily } from '../../src/ingest/hf-daily.ts';
import { jsonlRecordToPaper } from '../../src/ingest/jsonl.ts';
import { kaggleToPaper } from '../../src/ingest/kaggle.ts';
import { parseAtomPage } from '../../src/ingest/atom.ts';
import { parseOaiPage } from '../../src/ingest/oai.ts';
import { parseRss } from '../../src/ingest/rss.ts';
import type { IngestItem } from '../../src/ingest/types.ts';

export interface Route {
  path: string;
  methods: string[];
}

/** Every route of the app, from Fastify's printed route tree (the only public listing). */
export function routesOf(app: FastifyInstance): Route[] {
  const out: Route[] = [];
  const stack: { depth: number; path: string }[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (.+?) \(([A-Z, ]+)\)$/.exec(line);
    if (!m) continue;
    const depth = m[1].length / 4;
    while (stack.length && stack[stack.length - 1].depth >= depth) stack.pop();
    const parent = stack[stack.length - 1]?.path ?? '';
    // "/:id|:archive": two routes share the node; the first name serves for both.
    const seg = m[2].replace(/:(\w+)\|:\w+/g, ':$1');
    const path = parent === '' ? seg : parent === '/' ? `/${seg.replace(/^\//, '')}` : `${parent}${seg.startsWith('/') ? '' : '/'}${seg}`;
    stack.push({ depth, path });
    const methods = m[3].split(', ').filter((x) => x !== 'HEAD' && x !== 'OPTIONS');
    if (methods.length) out.push({ path, methods });
  }
  return out;
}

const big = (s: string, n: number) => s.repeat(Math.ceil(n / s.length)).slice(0, n);

/** Strings that broke or could break parsers, regexes, renderers and databases. */
export const HOSTILE = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  '2410.17243',
  '2410.17243v2',
  'arXiv:2410.17243',
  'https://arxiv.org/abs/2410.17243',
  'hep-th/9901001',
  '2024-10-25',
  '2024-W43',
  '2024-10',
  'cs.CL',
  'ClownRat',
  'trending',
  'week',
  'javascript:alert(1)',
  ' JAVASCRIPT:alert(1)',
  'java\tscript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  "'; drop table papers; --",
  '%',
  '_',
  '%_\\',
  '%ED%A0%80',
  '%C0%AF',
  '%00',
  '../../../../etc/passwd',
  '$&',
  "$' $` $$",
  '[x]($y$)',
  '[x](javascript:alert(1))',
  '$x$',
  '$$\\frac{1}{2}$$',
  '\\(a\\)',
  '\u0000',
  '\u202e\u2066',
  '\ud800',
  'é',
  '😀👩‍👩‍👧',
  'a@b.co',
  `a@${big('.', 60_000)}@`,
  `https://arxiv.org/abs/${big('?', 30_000)}\nx`,
  big('a', 100_000),
  big('$a$ ', 12_000),
  big('>', 5000),
  big('\\(', 10_000),
  big('[', 5000),
  big('*', 5000),
  big('- ', 5000),
  big('é', 20_000),
  big('[', 5000) + big(']', 5000),
  big('{"a":', 3000) + '1' + big('}', 3000),
];

export const hostile: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.integer().map(String) },
);

/** Any JSON value, including deep nesting and wrong types. */
export const anyJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  // Deeper nesting (5,000 levels) is sent as raw text (HOSTILE): fast-check's printer recurses.
  { weight: 1, arbitrary: fc.integer({ min: 20, max: 120 }).map((d) => JSON.parse(big('[', d) + big(']', d))) },
  { weight: 1, arbitrary: fc.dictionary(fc.constantFrom('paper_id', 'body', 'comment', 'parent_id', 'paper', 'note', 'name'), fc.oneof(hostile, fc.jsonValue({ maxDepth: 2 }))) },
);

/** Names of query and form fields the app reads, so that fuzzing reaches past "unknown field". */
const FIELDS = [
  'q', 'p', 'page', 'limit', 'date', 'week', 'month', 'submitter', 'sort', 'window', 'mode', 'category', 'field', 'next', 'token',
  'email', 'name', 'description', 'public', 'paper', 'note', 'body', 'comment', 'parent_id', 'reason', 'hidden', 'back', 'username',
  'display_name', 'everywhere', 'revoke_tokens', 'scopes', 'scopes_offered', 'expires_days', 'author_name', 'decision', 'collection',
  'frequency', 'categories', 'keywords', 'authors', 'timeZone', 'hasCode', 'from', 'to', 'feed', '_csrf',
];
const fields = fc.dictionary(
  fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...FIELDS) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) }),
  hostile,
  { maxKeys: 5 },
);

export interface FuzzCase {
  route: number;
  method: number;
  params: string[];
  query: Record<string, string>;
  body: { kind: 'none' } | { kind: 'form'; fields: Record<string, string> } | { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; type: string };
  who: 'anon' | 'session' | 'token';
  validCsrf: boolean;
}

export function caseArb(routes: Route[]): fc.Arbitrary<FuzzCase> {
  return fc.record({
    route: fc.nat(routes.length - 1),
    method: fc.nat(3),
    params: fc.array(hostile, { minLength: 4, maxLength: 4 }),
    query: fields,
    body: fc.oneof(
      fc.constant({ kind: 'none' as const }),
      fields.map((f) => ({ kind: 'form' as const, fields: f })),
      anyJson.map((value) => ({ kind: 'json' as const, value })),
      fc.record({ kind: fc.constant('raw' as const), text: hostile, type: fc.constantFrom('application/json', 'application/x-www-form-urlencoded', 'text/plain', 'multipart/form-data; boundary=x') }),
    ),
    who: fc.constantFrom('anon' as const, 'session' as const, 'token' as const),
    validCsrf: fc.boolean(),
  });
}

/** Link attributes and JSON link fields that would run script. */
const SCRIPT_LINK = /(?:href|src|action|formaction)\s*=\s*["']?\s*(?:javascript|vbscript|data):|"(?:githubRepo|projectPage|thumbnail|avatarUrl|url|link)"\s*:\s*"\s*(?:javascript|vbscript|data):/i;

export interface FuzzWorld {
  pb: TestInstance;
  url: string;
  routes: Route[];
  browser: Browser;
  csrf: string;
  token: string;
  close(): Promise<void>;
}

/** A running instance with a signed-in browser, a token and a collection and comment to aim at. */
export async function fuzzWorld(pb: TestInstance): Promise<FuzzWorld> {
  const { app } = await buildApp(pb);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  const routes = routesOf(app);
  const browser = new Browser(url);
  await signIn(browser, pb.dataDir, 'fuzzer@example.org', 'fuzzer');
  const page = await browser.get('/papers/2410.17243');
  const csrf = csrfOf(page);
  await browser.post('/collections', { name: 'Fuzz' }, csrf);
  await browser.post('/papers/2410.17243/comments', { body: 'A first comment' }, csrf);
  const me = (await pb.community.accounts.byEmail('fuzzer@example.org'))!;
  const { token } = await pb.community.accounts.createToken(me.id, 'fuzz');
  return { pb, url, routes, browser, csrf, token, close: () => app.close() };
}

export interface Finding {
  request: string;
  problem: string;
}

/** Sends one case; returns a finding, or null when the answer keeps every property. */
export async function sendCase(w: FuzzWorld, c: FuzzCase): Promise<Finding | null> {
  const route = w.routes[c.route];
  const method = route.methods[c.method % route.methods.length];
  let i = 0;
  // Parameters go in encoded (lone surrogates as U+FFFD); raw "%" sequences come from HOSTILE too.
  const enc = (v: string) => (v.startsWith('%') ? v : encodeURIComponent(Buffer.from(v, 'utf8').toString('utf8')));
  const path = route.path.replace(/:\w+|\*/g, () => enc(c.params[i++ % c.params.length]).slice(0, 400));
  const qs = new URLSearchParams(c.query).toString();
  const target = `${path}${qs ? `?${qs.slice(0, 12_000)}` : ''}`;
  const headers: Record<string, string> = {};
  let body: string | undefined;
  if (method !== 'GET' && method !== 'DELETE') {
    if (c.body.kind === 'form') {
      const f = new URLSearchParams(c.body.fields);
      if (c.validCsrf) f.set('_csrf', w.csrf);
      body = f.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (c.body.kind === 'json') {
      body = JSON.stringify(c.body.value) ?? 'null';
      headers['content-type'] = 'application/json';
    } else if (c.body.kind === 'raw') {
      body = c.body.text;
      headers['content-type'] = c.body.type;
    }
  }
  if (c.who === 'token') headers.authorization = `Bearer ${w.token}`;
  if (c.who === 'session' && c.validCsrf) headers['x-csrf-token'] = w.csrf;
  const send = async () => {
    const h = monitorEventLoopDelay({ resolution: 10 });
    h.enable();
    try {
      const r =
        c.who === 'session'
          ? await w.browser.request(target, { method, headers, body })
          : await fetch(`${w.url}${target}`, { method, headers, body, redirect: 'manual' }).then(async (res) => ({ status: res.status, body: await res.text() }));
      return { ...r, delay: h.max / 1e6 };
    } finally {
      h.disable();
    }
  };
  const first = await send();
  const { status, body: text } = first;
  let delay = first.delay;
  // A stall caused by the input happens every time; one caused by a busy machine (the delay
  // counts time the process was not scheduled) does not: the best of three attempts counts.
  for (let attempt = 0; attempt < 2 && delay >= 100; attempt++) delay = Math.min(delay, (await send()).delay);
  const request = `${c.who} ${method} ${target.slice(0, 300)}${body ? ` body(${body.length}): ${body.slice(0, 200)}` : ''}`;
  if (status >= 500) return { request, problem: `answered ${status}: ${text.slice(0, 300)}` };
  if (delay >= 100) return { request, problem: `blocked the event loop for ${delay.toFixed(0)} ms (best of three)` };
  const link = SCRIPT_LINK.exec(text);
  if (link) return { request, problem: `script link in the answer: ${text.slice(Math.max(0, link.index - 100), link.index + 100)}` };
  return null;
}

/** Runs `runs` cases over every route; throws with the shrunk counterexample on a finding. */
export async function fuzzRoutes(w: FuzzWorld, opts: { runs: number; seed: number }): Promise<{ cases: number }> {
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(caseArb(w.routes), async (c) => {
      cases++;
      const f = await sendCase(w, c);
      if (f) throw new Error(`${f.problem}\n  request: ${f.request}`);
    }),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: true, includeErrorInReport: true },
  );
  return { cases };
}

const xmlDoc = fc.oneof(
  hostile,
  fc.array(fc.oneof(hostile, fc.constantFrom('<entry>', '</entry>', '<id>', '</id>', '<title>', '</title>', '<item>', '</item>', '<record>', '<metadata>', '<![CDATA[', ']]>', '&amp;', '&#0;', '<!DOCTYPE x [<!ENTITY a "aaaa">]>', '&a;')), { maxLength: 40 }).map(
    (parts) => `<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">${parts.join('')}</feed>`,
  ),
);

// Half the records carry a valid id, so that the wrong types of the other fields get past it.
const record = fc
  .tuple(
    fc.option(fc.constantFrom('2410.17243', '2410.99990v2', 'hep-th/9901001'), { freq: 2 }),
    fc.dictionary(
      fc.constantFrom('id', 'arxiv_id', 'title', 'summary', 'abstract', 'authors', 'categories', 'published', 'updated', 'code_url', 'doi', 'comment', 'journal_ref', 'primary_category', 'versions', 'authors_parsed', 'update_date', 'license', 'comments'),
      fc.oneof(hostile, anyJson),
      { maxKeys: 10 },
    ),
  )
  .map(([id, rec]) => (id ? { ...rec, id, arxiv_id: id } : rec));

const hfItem = fc.record(
  {
    paper: fc.oneof(
      anyJson,
      fc.record(
        {
          id: hostile,
          title: fc.oneof(hostile, anyJson),
          summary: hostile,
          authors: fc.oneof(anyJson, fc.array(fc.record({ name: hostile }), { maxLength: 3 })),
          publishedAt: hostile,
          upvotes: anyJson,
          githubRepo: hostile,
          projectPage: hostile,
        },
        { requiredKeys: [] },
      ),
    ),
    publishedAt: fc.oneof(hostile, fc.constant('2024-10-25T00:00:00.000Z')),
    thumbnail: hostile,
    mediaUrls: fc.oneof(anyJson, fc.array(hostile, { maxLength: 3 })),
    submittedBy: fc.oneof(anyJson, fc.record({ name: hostile, fullname: hostile, avatarUrl: hostile })),
    numComments: anyJson,
  },
  { requiredKeys: [] },
);

/** Every importer's parser, then the importer itself, on random records. */
export async function fuzzImporters(pb: TestInstance, opts: { runs: number; seed: number }): Promise<void> {
  const importer = fc.oneof(
    fc.array(hfItem, { maxLength: 3 }).map((items) => ({ name: 'hf', items: () => parseHfDaily(items) })),
    anyJson.map((v) => ({ name: 'hf', items: () => parseHfDaily(v) })),
    fc.array(record, { maxLength: 3 }).map((recs) => ({ name: 'jsonl', items: () => recs.map((r) => asItem(() => jsonlRecordToPaper(r as never))) })),
    fc.array(record, { maxLength: 3 }).map((recs) => ({ name: 'kaggle', items: () => recs.map((r) => asItem(() => kaggleToPaper(r as never))) })),
    xmlDoc.map((x) => ({ name: 'atom', items: () => parseAtomPage(x).items })),
    xmlDoc.map((x) => ({ name: 'oai', items: () => parseOaiPage(x.replace('<feed', '<OAI-PMH').replace('</feed>', '</OAI-PMH>')).items })),
    xmlDoc.map((x) => ({ name: 'rss', items: () => parseRss(x.replace('<feed', '<rss').replace('</feed>', '</rss>')).items })),
  );
  await fc.assert(
    fc.asyncProperty(importer, async (imp) => {
      const h = monitorEventLoopDelay({ resolution: 10 });
      h.enable();
      let items: IngestItem[];
      try {
        items = imp.items();
      } catch (err) {
        // A whole document may be refused, but as a plain error with a message, not a crash.
        if (err instanceof TypeError || err instanceof RangeError || !(err instanceof Error) || !err.message) throw new Error(`${imp.name} parser crashed: ${(err as Error).stack}`, { cause: err });
        items = [];
      }
      try {
        await pb.importer.run(imp.name, 'fuzz', items);
      } catch (err) {
        throw new Error(`${imp.name} importer threw ${(err as Error).stack}`, { cause: err });
      }
      h.disable();
      if (h.max / 1e6 >= 100) throw new Error(`${imp.name}: blocked the event loop for ${(h.max / 1e6).toFixed(0)} ms`);
    }),
    { numRuns: opts.runs, seed: opts.seed, endOnFailure: true, includeErrorInReport: true },
  );
}

/** A record's conversion as an ingest item, as the file readers do it: any refusal is a counted error. */
function asItem(convert: () => import('../../src/domain/paper.ts').PaperInput): IngestItem {
  try {
    return { kind: 'paper', paper: convert() };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
}
