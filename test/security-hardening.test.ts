// Issue 16, each finding reproduced as it was reported and checked fixed, on each database:
// hostile inputs answer 400 while /healthz stays fast; imported javascript: links reach no page;
// tokens are scoped, expire, work on /api only; security headers; and every "low".
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { fixture, ROOT } from './support/paths.ts';
import { Browser, csrfOf, latestSigninLink, signIn } from './support/community-client.ts';
import { parseHfDaily } from '../src/ingest/hf-daily.ts';
import { parseEmail } from '../src/domain/email.ts';
import { parseArxivId } from '../src/domain/arxiv-id.ts';
import { safeLink } from '../src/domain/links.ts';
import { renderMarkdown } from '../src/services/markdown.ts';
import { createLogger, redactUrl } from '../src/logger.ts';
import { loadConfig } from '../src/config/index.ts';
import { buildApp } from '../src/http/app.ts';
import { Worker } from '../src/jobs/worker.ts';
import { registerTasks } from '../src/jobs/tasks/index.ts';
import { SUBMIT_FETCH_JOB } from '../src/services/submissions.ts';

const NOW = '2026-02-28T12:00:00.000Z';
const FRESH = '2602.15552'; // in the recorded Atom feed, announced 2026-02-17
const DAY = '2024-10-25'; // the sample's HF list

/** Runs `work` while /healthz is asked again and again; the slowest answer and the event loop's worst delay. */
async function whileWatching<T>(url: string, work: () => Promise<T>): Promise<{ result: T; slowestHealthzMs: number; maxLoopDelayMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  let done = false;
  let slowest = 0;
  const poll = (async () => {
    while (!done) {
      const t = performance.now();
      await (await fetch(`${url}/healthz`)).text();
      slowest = Math.max(slowest, performance.now() - t);
    }
  })();
  try {
    const result = await work();
    return { result, slowestHealthzMs: slowest, maxLoopDelayMs: h.max / 1e6 };
  } finally {
    done = true;
    await poll;
    h.disable();
  }
}

/** HF daily records whose links try every way to become script. */
const hostileHf = [
  {
    paper: {
      id: '2410.99901',
      title: 'Hostile Links Everywhere',
      summary: 'A record whose links are script.',
      authors: [{ name: 'Mallory Example' }],
      publishedAt: '2024-10-24T00:00:00.000Z',
      upvotes: 7,
      githubRepo: 'javascript:alert(1)',
      projectPage: ' JAVASCRIPT:alert(2)',
    },
    publishedAt: `${DAY}T08:00:00.000Z`,
    title: 'Hostile Links Everywhere',
    thumbnail: 'java\tscript:alert(3)',
    mediaUrls: ['javascript:alert(4)', 'https://media.example.org/ok.mp4', 'data:text/html,<script>alert(5)</script>'],
    numComments: 0,
    submittedBy: { name: 'mallory', fullname: 'Mallory', avatarUrl: 'javascript:alert(6)' },
  },
  {
    paper: {
      id: '2410.99902',
      title: 'Hostile Links Again',
      summary: 'Another record.',
      authors: [{ name: 'Mallory Example' }],
      publishedAt: '2024-10-24T00:00:00.000Z',
      upvotes: 5,
      githubRepo: 'vbscript:msgbox(1)',
      projectPage: 'https://user:pw@example.org/',
    },
    publishedAt: `${DAY}T08:00:00.000Z`,
    thumbnail: 'https://cdn.example.org/ok.png',
    submittedBy: { name: 'mallory', fullname: 'Mallory', avatarUrl: '/avatars/relative.svg' },
  },
];

/** A stand-in for export.arxiv.org/api/query: the recorded feed, slow or failing when told. */
function atomReplay() {
  const xml = readFileSync(fixture('arxiv-atom', 'query-testing-100.xml'), 'utf8');
  const head = xml.slice(0, xml.indexOf('<entry>'));
  const entries = xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
  const state = { delayMs: 0, fail: false, hits: 0 };
  const server: Server = createServer((req, res) => {
    state.hits++;
    const ids = (new URL(req.url!, 'http://x').searchParams.get('id_list') ?? '').split(',').filter(Boolean);
    const answer = () => {
      if (state.fail) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('upstream exploded: SECRET-UPSTREAM-DETAIL');
        return;
      }
      const keep = entries.filter((e) => ids.some((id) => e.includes(`/abs/${id.replace(/v\d+$/, '')}v`)));
      res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
      res.end(`${head}${keep.join('\n')}\n</feed>\n`);
    };
    if (state.delayMs) setTimeout(answer, state.delayMs);
    else answer();
  });
  return new Promise<{ url: string; state: typeof state; close(): Promise<void> }>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/query`,
        state,
        close: () => new Promise((r) => server.close(() => r())),
      }),
    ),
  );
}

const inlineScript = /<script(?![^>]*\bsrc=)(?![^>]*type="application\/(?:ld\+)?json")[^>]*>/i;

for (const dbk of databases) {
  describe(`hardening (issue 16) on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let atom: Awaited<ReturnType<typeof atomReplay>>;
    let alice: Browser;

    before(async () => {
      atom = await atomReplay();
      pb = await dbk.open({ PAPERBOY_NOW: NOW, PAPERBOY_ARXIV_API_URL: atom.url, PAPERBOY_ARXIV_GAP_MS: '0', SUBMIT_MAX_AGE_DAYS: '0' }, { sample: true });
      pb.community.submissions.fetchWaitMs = 1500;
      srv = await startServer(pb);
      alice = new Browser(srv.url);
      await signIn(alice, pb.dataDir, 'alice@example.org', 'alice');
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
      await atom.close();
    });

    test('the regex stalls: hostile inputs answer 400 (413 past the form limit) and /healthz stays fast', async () => {
      const anon = new Browser(srv.url);
      const signin = await anon.get('/signin');
      const submit = await alice.get('/submit');
      const col = await alice.post('/collections', { name: 'Reading' }, await alice.get('/collections'));
      const colId = col.location!.split('/').pop()!;
      const attack = async () => {
        const out: Record<string, number> = {};
        // As reported: a@ + 60,000 dots + @, with a CSRF pair from GET /signin, no account.
        out.signin = (await anon.post('/signin', { email: `a@${'.'.repeat(60_000)}@` }, signin)).status;
        // 120 kB of "?" after an arXiv URL: over the form body limit.
        out.submitHuge = (await alice.post('/submit', { paper: `https://arxiv.org/abs/${'?'.repeat(120_000)}` }, submit)).status;
        // Under the body limit, over the field's cap.
        out.submit = (await alice.post('/submit', { paper: `https://arxiv.org/abs/${'?'.repeat(30_000)}\nx` }, submit)).status;
        out.colAdd = (await alice.post('/collections/add', { collection: colId, paper: `arxiv.org/abs/${'?'.repeat(30_000)}\nx` }, submit)).status;
        out.colAdd2 = (await alice.post(`/collections/${colId}/add`, { paper: `arxiv.org/abs/${'?'.repeat(30_000)}\nx` }, submit)).status;
        out.search = (await anon.get(`/search?q=${'?'.repeat(8000)}`)).status;
        out.subscribe = (await anon.post('/subscribe', { email: `a@${'.'.repeat(60_000)}@` }, signin)).status;
        const api = await fetch(`${srv.url}/api/papers/submit`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ paper_id: '?'.repeat(120_000) }),
        });
        out.api = api.status;
        // The domain rules themselves are linear on inputs far past any cap.
        assert.equal(parseEmail(`a@${'.'.repeat(1_000_000)}@`), null);
        assert.equal(parseArxivId(`https://arxiv.org/abs/${'?'.repeat(1_000_000)}\nx`), null);
        return out;
      };
      // The stalls were seconds long on every try; a busy test machine only sometimes delays an
      // answer by a few tens of ms: the best of three attempts is held to the bound.
      let best = { slowestHealthzMs: Infinity, maxLoopDelayMs: Infinity };
      for (let attempt = 0; attempt < 3 && (best.slowestHealthzMs >= 100 || best.maxLoopDelayMs >= 100); attempt++) {
        const watched = await whileWatching(srv.url, attack);
        assert.deepEqual(watched.result, { signin: 400, submitHuge: 413, submit: 400, colAdd: 400, colAdd2: 400, search: 400, subscribe: 400, api: 400 });
        if (Math.max(watched.slowestHealthzMs, watched.maxLoopDelayMs) < Math.max(best.slowestHealthzMs, best.maxLoopDelayMs)) best = watched;
      }
      assert.ok(best.slowestHealthzMs < 100, `/healthz took ${best.slowestHealthzMs.toFixed(1)} ms during the attack`);
      assert.ok(best.maxLoopDelayMs < 100, `the event loop stalled ${best.maxLoopDelayMs.toFixed(1)} ms`);
    });

    test('event loop: the parsers stay under 100 ms on their worst inputs (monitorEventLoopDelay, best of three)', async () => {
      const worst = () => {
        // Past the caps: refused before any scan. At the caps: one linear pass.
        parseEmail(`a@${'.'.repeat(1_000_000)}@`);
        parseEmail(`a@${'.'.repeat(300)}@`);
        parseArxivId(`arxiv.org/abs/${'?'.repeat(1_000_000)}\nx`);
        parseArxivId(`arxiv.org/abs/${'?'.repeat(280)}\nx`);
        renderMarkdown(`${'>'.repeat(5000)} deep`);
        renderMarkdown('$a$ '.repeat(2500));
      };
      let best = Infinity;
      for (let attempt = 0; attempt < 3 && best >= 100; attempt++) {
        const h = monitorEventLoopDelay({ resolution: 5 });
        h.enable();
        await new Promise<void>((resolve) => setTimeout(() => (worst(), resolve()), 10));
        await new Promise((resolve) => setTimeout(resolve, 20));
        h.disable();
        best = Math.min(best, h.max / 1e6);
      }
      assert.ok(best < 100, `the worst inputs blocked the event loop for ${best.toFixed(1)} ms`);
    });

    test('imported javascript: links are not stored, and no page, list, search or API answer carries one', async () => {
      const summary = await pb.importer.run('hf', 'hostile.json', parseHfDaily(hostileHf));
      assert.equal(summary.errors, 0);
      const p1 = (await pb.stores.papers.byArxivId('2410.99901'))!;
      assert.equal(p1.codeUrl, null);
      assert.equal(p1.projectUrl, null);
      assert.equal(p1.thumbnailUrl, null);
      const e1 = (await pb.stores.daily.forPaper(p1.id))!;
      assert.deepEqual(e1.mediaUrls, ['https://media.example.org/ok.mp4']);
      assert.equal(e1.submitter?.avatarUrl, null);
      const p2 = (await pb.stores.papers.byArxivId('2410.99902'))!;
      assert.equal(p2.codeUrl, null);
      assert.equal(p2.projectUrl, null, 'credentials in a link are refused');
      assert.equal((await pb.stores.daily.forPaper(p2.id))!.submitter?.avatarUrl, 'https://huggingface.co/avatars/relative.svg');
      // A row written before the rule existed: the renderers refuse it too.
      await pb.db.kysely.updateTable('papers').set({ code_url: 'javascript:alert(7)', project_url: 'JaVaScRiPt:alert(8)', thumbnail_url: 'javascript:alert(9)' }).where('id', '=', p2.id).execute();
      const pages = [
        `/papers/2410.99901`,
        `/papers/2410.99902`,
        `/papers/date/${DAY}`,
        `/?date=${DAY}`,
        `/search?q=Hostile+Links`,
        `/api/daily_papers?date=${DAY}`,
        `/api/papers/2410.99901`,
        `/api/papers/2410.99902`,
        `/api/papers/search?q=Hostile`,
        `/feeds/daily.rss`,
      ];
      for (const path of pages) {
        const r = await alice.get(path);
        assert.ok(r.status < 500, `${path}: ${r.status}`);
        assert.doesNotMatch(r.body, /(?:java|vb)\s*script:|data:text\/html/i, `${path} carries a script link`);
      }
      const list = await alice.get(`/papers/date/${DAY}`);
      assert.ok(list.body.includes('/papers/2410.99901'), 'the hostile paper is listed (without its links)');
      const search = await alice.get('/search?q=Hostile+Links');
      assert.ok(search.body.includes('/papers/2410.99902'), 'the hostile paper is found (without its links)');
      assert.equal(safeLink(' https://ok.example/x '), 'https://ok.example/x');
    });

    test('tokens: /api only, scoped, expiring, revoked by "sign out everywhere"', async () => {
      const page = await alice.get('/settings/tokens');
      assert.match(page.body, /name="scopes" value="vote"/);
      const voteOnly = (await alice.post('/settings/tokens', { name: 'voter', scopes_offered: '1', scopes: 'vote', expires_days: '7' }, page)).body.match(/<code id="new-token">(pbt_[\w-]+)<\/code>/)![1];
      const none = await alice.post('/settings/tokens', { name: 'none', scopes_offered: '1' }, page);
      assert.equal(none.status, 400, 'no scope ticked is refused');
      const made = await alice.post('/settings/tokens', { name: 'all' }, page);
      assert.equal(made.headers.get('cache-control'), 'no-store', 'a page showing a new token is never stored');
      assert.equal((await alice.get('/settings')).headers.get('cache-control'), 'private, no-cache');
      const all = made.body.match(/<code id="new-token">(pbt_[\w-]+)<\/code>/)![1];
      const bearer = (t: string, extra: Record<string, string> = {}) => ({ authorization: `Bearer ${t}`, ...extra });

      // On pages a token is nobody: no settings, no minting, no signing out sessions.
      const mallory = new Browser(srv.url);
      const anonForm = await mallory.get('/signin');
      assert.equal((await mallory.get('/settings', bearer(all))).status, 303);
      const minted = await mallory.post('/settings/tokens', { name: 'stolen' }, anonForm, bearer(all));
      assert.equal(minted.status, 303);
      assert.doesNotMatch(minted.body, /pbt_/);
      await mallory.post('/signout', { everywhere: '1' }, anonForm, bearer(all));
      assert.equal((await alice.get('/settings')).status, 200, "alice's session survives");
      assert.doesNotMatch((await mallory.get('/settings', bearer(all))).body, /alice@example\.org/);

      // Scopes on the API.
      const api = (method: string, path: string, token: string, body?: unknown) =>
        fetch(`${srv.url}${path}`, { method, headers: { ...bearer(token), ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      assert.equal((await api('POST', '/api/papers/2410.17243/upvote', voteOnly)).status, 200);
      const comment = await api('POST', '/api/papers/2410.17243/comments', voteOnly, { body: 'hello' });
      assert.equal(comment.status, 403);
      assert.equal(((await comment.json()) as { code: string }).code, 'insufficient_scope');
      assert.equal((await api('GET', `/api/daily_papers?date=${DAY}`, voteOnly)).status, 403, 'no read scope');
      assert.equal((await api('GET', `/api/daily_papers?date=${DAY}`, all)).status, 200);
      // Expiry.
      await pb.db.kysely.updateTable('api_tokens').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('name', '=', 'voter').execute();
      assert.equal((await api('DELETE', '/api/papers/2410.17243/upvote', voteOnly)).status, 401);
      // Sign out everywhere, with tokens.
      const settings = await alice.get('/settings');
      assert.match(settings.body, /name="revoke_tokens"/);
      assert.equal((await alice.post('/signout', { everywhere: '1', revoke_tokens: '1' }, settings)).status, 303);
      assert.equal((await api('GET', `/api/daily_papers?date=${DAY}`, all)).status, 401);
      await signIn(alice, pb.dataDir, 'alice@example.org');
    });

    test('CLI: user token create prints only a token with every scope', { skip: dbk.name !== 'sqlite' }, async () => {
      const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/main.ts', 'user', 'token', 'create', 'script@example.org'], {
        cwd: ROOT,
        env: { ...process.env, PAPERBOY_DATA_DIR: pb.dataDir, LOG_LEVEL: 'silent', PAPERBOY_LOAD_SAMPLE: 'false' },
      });
      assert.match(stdout, /^pbt_[\w-]+\n$/);
      const v = await pb.community.accounts.tokenViewer(stdout.trim());
      assert.deepEqual(v?.scopes, ['read', 'vote', 'comment', 'submit', 'collections']);
    });

    test('headers: CSP without inline script, object-src and base-uri none, Permissions-Policy; no inline script on any page', async () => {
      for (const path of ['/', `/papers/2410.17243`, '/search?q=memory', '/subscribe', '/signin', '/settings', '/settings/tokens', '/collections', '/submit', '/papers/trending', '/api/docs', '/nowhere']) {
        const r = await alice.get(path);
        const csp = r.headers.get('content-security-policy') ?? '';
        assert.match(csp, /script-src 'self'(;|$)/, path);
        assert.match(csp, /object-src 'none'/, path);
        assert.match(csp, /base-uri 'none'/, path);
        assert.match(r.headers.get('permissions-policy') ?? '', /camera=\(\)/, path);
        assert.equal(r.headers.get('strict-transport-security'), null, 'no HSTS on an http site');
        assert.doesNotMatch(r.body, inlineScript, `${path} has an inline script`);
        assert.doesNotMatch(r.body, /\son[a-z]+="/i, `${path} has an inline handler`);
      }
      assert.match((await alice.get('/api/daily_papers')).headers.get('content-security-policy') ?? '', /default-src 'none'/);
    });

    test('https base URL: HSTS, __Host- cookies with Secure', async () => {
      const { app } = await buildApp({ ...pb, config: { ...pb.config, publicUrl: 'https://papers.example.org' } });
      try {
        const r = await app.inject({ url: '/signin' });
        assert.match(String(r.headers['strict-transport-security']), /max-age=\d+/);
        const cookie = String(r.headers['set-cookie']);
        assert.match(cookie, /^__Host-pb_csrf=/);
        assert.match(cookie, /Secure/);
        assert.match(cookie, /Path=\//);
      } finally {
        await app.close();
      }
    });

    test('lows: CSRF, request id, logged URLs, trust proxy, LIKE, Referer, rate limit on /search', async () => {
      const anon = new Browser(srv.url);
      const form = await anon.get('/signin');
      const r = await anon.post('/signin', { email: 'x@example.org', _csrf: 'é'.repeat(43) });
      assert.equal(r.status, 403, 'a non-ASCII _csrf is a 403, not a 500');
      assert.equal((await anon.post('/signin', { email: 'x@example.org' }, form)).status, 200);

      const kept = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': 'abc-123.4' } });
      assert.equal(kept.headers.get('x-request-id'), 'abc-123.4');
      const odd = await fetch(`${srv.url}/healthz`, { headers: { 'x-request-id': `evil ${'x'.repeat(200)}` } });
      assert.match(odd.headers.get('x-request-id')!, /^[0-9a-f-]{36}$/);

      for (const [url, want] of [
        ['/signin/verify?token=abc', '/signin/verify?token=****'],
        ['/subscribe/confirm/abcdefabcdefabcdefabcdef', '/subscribe/confirm/****'],
        ['/subscribe/manage/abc?x=1', '/subscribe/manage/****?x=1'],
        ['/unsubscribe/abc', '/unsubscribe/****'],
        ['/admin/digests?page=2&token=s3cret', '/admin/digests?page=2&token=****'],
        ['/feeds/for-you/pbf_s3cret.atom', '/feeds/for-you/****'],
      ])
        assert.equal(redactUrl(url), want);
      const out = new PassThrough();
      let logged = '';
      out.on('data', (d) => (logged += d));
      createLogger('info', out).info({ req: { method: 'GET', url: '/signin/verify?token=LIVE-SECRET' } }, 'incoming request');
      assert.doesNotMatch(logged, /LIVE-SECRET/);

      assert.equal(loadConfig({}).trustProxy, 'loopback');

      const bySubmitter = async (name: string) => ((await (await fetch(`${srv.url}/api/daily_papers?date=${DAY}&submitter=${encodeURIComponent(name)}`)).json()) as unknown[]).length;
      assert.ok((await bySubmitter('ClownRat')) > 0);
      assert.equal(await bySubmitter('%'), 0, '% is a character, not a wildcard');
      assert.equal(await bySubmitter('_lownRat'), 0, '_ is a character, not a wildcard');

      const paper = await alice.get('/papers/2410.17243');
      const evil = await alice.post('/papers/2410.17243/upvote', {}, paper, { referer: `${pb.config.publicUrl}.evil.example/phish` });
      assert.equal(evil.location, '/papers/2410.17243');
      const back = await alice.post('/papers/2410.17243/upvote', {}, paper, { referer: `${pb.config.publicUrl}/papers/date/${DAY}?p=1` });
      assert.equal(back.location, `/papers/date/${DAY}?p=1`);

      assert.ok((await anon.get('/search?q=memory')).headers.get('ratelimit-limit'), '/search is rate-limited');
    });

    test('lows: math stays out of attributes, comment output is bounded, $& in a note is text', async () => {
      assert.doesNotMatch(renderMarkdown('[x]($y$) and $z$'), /href="[^"]*<span/);
      assert.match(renderMarkdown('[x]($y$) and $z$'), /class="katex"/);
      const page = await alice.get('/papers/2410.17243');
      const many = await alice.post('/papers/2410.17243/comments', { body: '$a$ '.repeat(2000) }, page);
      assert.equal(many.status, 303);
      const deep = await alice.post('/papers/2410.17243/comments', { body: `${'>'.repeat(5000)} deep` }, page);
      assert.equal(deep.status, 303);
      const rows = await pb.db.kysely.selectFrom('comments').select(['body_html']).execute();
      for (const row of rows) assert.ok(row.body_html.length < 250_000, `stored comment HTML of ${row.body_html.length} bytes`);
      const shown = await alice.get('/papers/2410.17243');
      assert.equal(shown.status, 200);

      const cols = await alice.get('/collections');
      const col = (await alice.post('/collections', { name: 'Notes' }, cols)).location!;
      await alice.post(`${col}/add`, { paper: '2410.17243', note: "before $& $' $` after" }, cols);
      const view = await alice.get(col);
      assert.ok(view.body.includes('before $&amp; $&#39; $` after'), 'the note is shown as typed');
      assert.equal(view.body.split('<li class="card"').length - 1, 1);
    });

    test('lows: a pending confirmation cannot be overwritten, and the mail carries no free text', async () => {
      const anon = new Browser(srv.url);
      const form = await anon.get('/subscribe');
      await anon.post('/subscribe', { email: 'victim@example.org', frequency: 'weekly', keywords: 'graph neural networks', timeZone: 'UTC' }, form);
      const attacker = new Browser(srv.url);
      const aform = await attacker.get('/subscribe');
      await attacker.post('/subscribe', { email: 'victim@example.org', frequency: 'daily', keywords: 'CLICK evil.example NOW', timeZone: 'UTC' }, aform);
      const row = await pb.db.kysely.selectFrom('digest_subscribers').selectAll().where('email', '=', 'victim@example.org').executeTakeFirstOrThrow();
      assert.match(String(row.pending_json), /graph neural networks/);
      assert.doesNotMatch(String(row.pending_json), /evil/);
      const outbox = join(pb.dataDir, 'outbox');
      const mails = readdirSync(outbox).map((f) => readFileSync(join(outbox, f), 'utf8')).filter((m) => m.includes('victim@example.org'));
      assert.equal(mails.length, 1, 'one confirmation mail');
      assert.doesNotMatch(mails[0], /graph neural|evil/);
    });

    test('lows: data dir, database and outbox are private', { skip: dbk.name !== 'sqlite' }, () => {
      const mode = (p: string) => statSync(p).mode & 0o777;
      assert.equal(mode(pb.dataDir), 0o700);
      assert.equal(mode(join(pb.dataDir, 'paperboy.db')), 0o600);
      assert.equal(mode(join(pb.dataDir, 'outbox')), 0o700);
      for (const f of readdirSync(join(pb.dataDir, 'outbox'))) assert.equal(mode(join(pb.dataDir, 'outbox', f)), 0o600, f);
    });

    test('lows: an unknown paper arXiv is slow or failing for is queued at once, without error text', async () => {
      const form = await alice.get('/submit');
      atom.state.delayMs = 5000;
      const t = performance.now();
      const slow = await alice.post('/submit', { paper: FRESH }, form);
      assert.ok(performance.now() - t < 4000, 'answered without waiting for arXiv');
      assert.equal(slow.status, 202);
      assert.match(slow.body, /fetching 2602\.15552 in the background/);
      atom.state.delayMs = 0;
      atom.state.fail = true;
      const failing = await alice.post('/submit', { paper: '2602.19294' }, form);
      assert.equal(failing.status, 202);
      assert.doesNotMatch(failing.body, /SECRET-UPSTREAM|500|exploded/);
      atom.state.fail = false;
      const queued = await pb.db.kysely.selectFrom('jobs').select(['name', 'payload_json']).where('name', '=', SUBMIT_FETCH_JOB).execute();
      assert.equal(queued.length, 2);
      const worker = new Worker(pb.jobs, pb.log, { names: [SUBMIT_FETCH_JOB] });
      registerTasks(worker, pb);
      while (await worker.runOnce());
      const paper = await pb.stores.papers.byArxivId(FRESH);
      assert.ok(paper, 'the job fetched it');
      assert.equal((await pb.stores.daily.forPaper(paper.id))?.submitter?.name, 'alice');
    });

    test('lows: anonymous POSTs do not empty the page cache', async () => {
      const cached = await dbk.open({ PAPERBOY_PAGE_CACHE_SECONDS: '60' }, { sample: true });
      const s = await startServer(cached);
      try {
        const get = async () => (await fetch(`${s.url}/papers/date/${DAY}`)).headers.get('x-cache');
        assert.equal(await get(), 'miss');
        assert.equal(await get(), 'hit');
        await fetch(`${s.url}/no-such-form`, { method: 'POST', body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        await fetch(`${s.url}/signin`, { method: 'POST', body: 'email=a@example.org', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        assert.equal(await get(), 'hit');
      } finally {
        await s.close();
        await cached.dispose();
      }
    });
  });
}

test('sign-in links in the outbox still work after the hardening (regression guard)', async () => {
  const dbk = databases[0];
  const pb = await dbk.open({}, {});
  const srv = await startServer(pb);
  try {
    const b = new Browser(srv.url);
    const form = await b.get('/signin');
    assert.equal((await b.post('/signin', { email: 'Bob@Example.org ' }, form)).status, 200);
    const { token } = await latestSigninLink(pb.dataDir, 'bob@example.org');
    assert.match(token, /^[\w-]{20,}$/);
    assert.ok(csrfOf(await b.get(`/signin/verify?token=${token}`)));
  } finally {
    await srv.close();
    await pb.dispose();
  }
});
