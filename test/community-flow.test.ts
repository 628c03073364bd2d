// The community features end to end over HTTP, on each database: sign in through the e-mail
// link (read from the file outbox), submit a paper (fetched from a local server replaying the
// real arXiv Atom payload), upvote, comment, and watch it rise on /papers/trending; then the same
// through the write API with a personal token. Every refusal is checked along the way.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { fixture } from './support/paths.ts';
import { Browser, latestSigninLink, signIn } from './support/community-client.ts';
import { sha256 } from '../src/services/accounts.ts';
import { Worker } from '../src/jobs/worker.ts';
import { registerTasks } from '../src/jobs/tasks/index.ts';
import { TRENDING_JOB } from '../src/jobs/tasks/community.ts';
import { listenOnLoopback } from './support/server.ts';

const NOW = '2026-02-28T12:00:00.000Z';
const FRESH_PAGE = '2602.15552'; // announced 2026-02-17: within 14 days of NOW
const FRESH_API = '2602.19294'; // announced 2026-02-22
const STALE = '2511.02810'; // announced 2025-11-04
const LISTED = '2410.17243'; // on the HF list of 2024-10-25 (sample)

/** A stand-in for export.arxiv.org/api/query answering id_list lookups from the recorded feed. */
function atomReplay(): Promise<{ url: string; hits: string[]; close: () => Promise<void> }> {
  const xml = readFileSync(fixture('arxiv-atom', 'query-testing-100.xml'), 'utf8');
  const head = xml.slice(0, xml.indexOf('<entry>'));
  const entries = xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
  const hits: string[] = [];
  const server: Server = createServer((req, res) => {
    const ids = (new URL(req.url!, 'http://x').searchParams.get('id_list') ?? '').split(',').filter(Boolean);
    hits.push(ids.join(','));
    const keep = entries.filter((e) => ids.some((id) => e.includes(`/abs/${id.replace(/v\d+$/, '')}v`)));
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(`${head}${keep.join('\n')}\n</feed>\n`);
  });
  return listenOnLoopback(server).then(({ port, close }) => ({ url: `http://127.0.0.1:${port}/api/query`, hits, close }));
}

for (const dbk of databases) {
  describe(`community over HTTP on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let atom: Awaited<ReturnType<typeof atomReplay>>;
    let alice: Browser; // signs up through the pages
    let bob: Browser; // another user
    let carol: Browser; // a curator
    let apiToken = '';

    before(async () => {
      atom = await atomReplay();
      pb = await dbk.open(
        {
          PAPERBOY_NOW: NOW,
          PAPERBOY_ARXIV_API_URL: atom.url,
          PAPERBOY_ARXIV_GAP_MS: '0',
          SUBMIT_PER_USER_PER_DAY: '1',
          LIMIT_SIGNIN_MAILS_PER_HOUR: '3',
          COMMENT_EDIT_MINUTES: '30',
        },
        { sample: true },
      );
      srv = await startServer(pb);
      alice = new Browser(srv.url);
      bob = new Browser(srv.url);
      carol = new Browser(srv.url);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
      await atom.close();
    });

    const api = (method: string, path: string, body?: unknown, token = apiToken) =>
      fetch(srv.url + path, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
    const paperRow = (id: string) => pb.db.kysely.selectFrom('papers').selectAll().where('arxiv_id', '=', id).executeTakeFirstOrThrow();
    const runTrendingJob = async () => {
      const worker = new Worker(pb.jobs, pb.log, { names: [TRENDING_JOB] });
      registerTasks(worker, pb);
      await pb.jobs.enqueue(TRENDING_JOB, {}, { uniqueKey: `test:${Math.random()}` });
      assert.equal(await worker.runOnce(), true);
    };
    const trendingRanks = async (window = 'day') => {
      const r = await alice.get(`/papers/trending?window=${window}`);
      assert.equal(r.status, 200);
      return { body: r.body, ids: [...r.body.matchAll(/data-rank="(\d+)"[\s\S]*?<a href="\/papers\/([^"#]+)">/g)].map((m) => m[2]) };
    };

    test('sign in through the e-mail link: new user, username chosen, hashed session cookie', async () => {
      const form = await alice.get('/signin?next=/submit');
      assert.equal(form.status, 200);
      const sent = await alice.post('/signin', { email: 'Alice@Example.org', next: '/submit' }, form);
      assert.equal(sent.status, 200);
      assert.match(sent.body, /Check your inbox/);
      const mail = await latestSigninLink(pb.dataDir, 'alice@example.org');
      assert.match(mail.subject, /sign-in link/);
      // Only the hash of the link's token is stored.
      const row = await pb.db.kysely.selectFrom('magic_links').selectAll().where('email', '=', 'alice@example.org').executeTakeFirstOrThrow();
      assert.equal(row.token_hash, sha256(mail.token));
      assert.notEqual(row.token_hash, mail.token);
      // GET only shows a button (mail scanners must not use the link up).
      const confirm = await alice.get(`/signin/verify?token=${mail.token}`);
      assert.equal(confirm.status, 200);
      assert.match(confirm.body, /alice@example.org/);
      const done = await alice.post('/signin/verify', { token: mail.token }, confirm);
      assert.equal(done.status, 303);
      assert.equal(done.location, '/welcome?next=%2Fsubmit');
      const cookie = alice.setCookies.find((c) => c.startsWith('pb_session='))!;
      assert.match(cookie, /HttpOnly/i);
      assert.match(cookie, /SameSite=Lax/i);
      assert.doesNotMatch(cookie, /Secure/i); // plain http here; Secure over https
      const session = await pb.db.kysely.selectFrom('sessions').selectAll().executeTakeFirstOrThrow();
      assert.equal(session.token_hash, sha256(alice.cookies.get('pb_session')!));
      // First sign-in: choose a username; a bad or taken one is refused with a message.
      const w = await alice.get('/welcome');
      const bad = await alice.post('/welcome', { username: 'A!', display_name: 'Alice' }, w);
      assert.equal(bad.status, 400);
      assert.match(bad.body, /Choose a username of 2 to 30 characters/);
      const ok = await alice.post('/welcome', { username: 'alice', display_name: 'Alice Liddell', next: '/submit' }, w);
      assert.equal(ok.status, 303);
      assert.equal(ok.location, '/submit');
      const home = await alice.get('/');
      assert.match(home.body, /<a class="who" href="\/users\/alice">Alice Liddell<\/a><span class="sep" aria-hidden="true">·<\/span><a href="\/settings">Settings<\/a>/);
      assert.match(home.body, /community\.[0-9a-f]+\.js/);
      // Someone else cannot take the same username.
      await signIn(bob, pb.dataDir, 'bob@example.org', 'bob');
      const bw = await new Browser(srv.url).get('/');
      assert.match(bw.body, />Sign in</);
    });

    test('a used or expired sign-in link is refused with a clear message', async () => {
      const b = new Browser(srv.url);
      const form = await b.get('/signin');
      await b.post('/signin', { email: 'dave@example.org' }, form);
      const { token } = await latestSigninLink(pb.dataDir, 'dave@example.org');
      const confirm = await b.get(`/signin/verify?token=${token}`);
      assert.equal((await b.post('/signin/verify', { token }, confirm)).status, 303);
      const again = await b.post('/signin/verify', { token }, confirm);
      assert.equal(again.status, 400);
      assert.match(again.body, /already been used/);
      // The page offers a new link at once, the address filled in.
      assert.match(again.body, /<form method="post" action="\/signin"[\s\S]*value="dave@example.org"[\s\S]*Send me a sign-in link/);
      assert.equal((await b.get(`/signin/verify?token=${token}`)).status, 400);
      assert.equal((await b.get('/signin/verify?token=made-up')).status, 400);

      const e = new Browser(srv.url);
      await e.post('/signin', { email: 'erin@example.org' }, await e.get('/signin'));
      const old = await latestSigninLink(pb.dataDir, 'erin@example.org');
      const page = await e.get(`/signin/verify?token=${old.token}`);
      pb.community.clock.set(new Date(Date.parse(NOW) + 16 * 60_000)); // 16 minutes later
      try {
        const late = await e.post('/signin/verify', { token: old.token }, page);
        assert.equal(late.status, 400);
        assert.match(late.body, /expired/);
        assert.match(late.body, /value="erin@example.org"[\s\S]*Send me a sign-in link/);
        assert.equal(e.cookies.has('pb_session'), false);
      } finally {
        pb.community.clock.set(NOW);
      }
    });

    test('forms without the CSRF field are refused (403)', async () => {
      const anon = new Browser(srv.url);
      await anon.get('/signin');
      const r = await anon.post('/signin', { email: 'x@example.org' });
      assert.equal(r.status, 403);
      assert.match(r.body, /did not come from this site/);
      const vote = await alice.post(`/papers/${LISTED}/upvote`, {});
      assert.equal(vote.status, 403);
      const forged = await alice.post(`/papers/${LISTED}/upvote`, {}, 'not-the-token');
      assert.equal(forged.status, 403);
      assert.equal((await paperRow(LISTED)).upvotes, 0);
    });

    test('sign-in mails are rate limited per address', async () => {
      const b = new Browser(srv.url);
      let last;
      for (let i = 0; i < 4; i++) last = await b.post('/signin', { email: 'flood@example.org' }, await b.get('/signin'));
      assert.equal(last!.status, 429);
      assert.match(last!.body, /Too many sign-in mails for this address/);
      assert.ok(Number(last!.headers.get('retry-after')) > 0);
    });

    test('submissions: every refusal has its message; a fresh paper is fetched from arXiv and listed', async () => {
      const anon = new Browser(srv.url);
      const r0 = await anon.get('/submit');
      assert.equal(r0.status, 200);
      assert.match(r0.body, /Sign in and submit/);
      assert.doesNotMatch(r0.body, /left today/);

      const form = await alice.get('/submit');
      assert.equal(form.status, 200);
      const notId = await alice.post('/submit', { paper: 'hello world' }, form);
      assert.equal(notId.status, 400);
      assert.match(notId.body, /is not an arXiv id or arXiv URL/);
      const stale = await alice.post('/submit', { paper: `https://arxiv.org/abs/${STALE}` }, form);
      assert.equal(stale.status, 400);
      assert.match(stale.body, /only papers announced within the last 14 days can be submitted/);
      assert.equal(await pb.stores.papers.byArxivId(STALE), undefined, 'a refused paper is not stored');
      const listed = await alice.post('/submit', { paper: LISTED }, form);
      assert.equal(listed.status, 409);
      assert.match(listed.body, /already on the daily list of 2024-10-25/);
      const unknown = await alice.post('/submit', { paper: '2602.99999' }, form);
      assert.equal(unknown.status, 404);
      assert.match(unknown.body, /arXiv has no paper 2602.99999/);

      const hitsBefore = atom.hits.length;
      const ok = await alice.post('/submit', { paper: `arXiv:${FRESH_PAGE}v1`, comment: 'Neat testing idea' }, form);
      assert.equal(ok.status, 303, ok.body.slice(0, 300));
      assert.equal(ok.location, `/papers/${FRESH_PAGE}?submitted=1`);
      assert.equal(atom.hits.length, hitsBefore + 1);
      const paper = (await pb.stores.papers.byArxivId(FRESH_PAGE))!;
      const entry = (await pb.stores.daily.forPaper(paper.id))!;
      assert.equal(entry.source, 'submission');
      assert.equal(entry.day, NOW.slice(0, 10));
      assert.equal(entry.submitter?.name, 'alice');
      assert.equal(entry.comment, 'Neat testing idea');
      const shown = await alice.get(ok.location!);
      assert.match(shown.body, /Submitted to the list of 2026-02-28/);
      assert.match(shown.body, /Why Alice Liddell submitted it<\/h2><p>Neat testing idea<\/p>/);
      const daily = await alice.get(`/papers/date/${NOW.slice(0, 10)}`);
      assert.ok(daily.body.includes(`/papers/${FRESH_PAGE}`));
      assert.match(daily.body, /Submitted by Alice Liddell/);

      // The daily quota (1 here) is reached: the next one is refused before anything is fetched.
      const over = await alice.post('/submit', { paper: FRESH_API }, await alice.get('/submit'));
      assert.equal(over.status, 429);
      assert.match(over.body, /reached today&#39;s limit of 1 submission/);
      assert.equal(await pb.stores.papers.byArxivId(FRESH_API), undefined);
    });

    test('upvotes: toggle with the no-JS form, JSON for the script, counted once per user', async () => {
      const page = await alice.get(`/papers/${FRESH_PAGE}`);
      assert.match(page.body, /<button type="submit" aria-pressed="false"><span aria-hidden="true">▲<\/span><span class="count">0<\/span>/);
      const up = await alice.post(`/papers/${FRESH_PAGE}/upvote`, {}, page, { referer: `${srv.url}/papers/${FRESH_PAGE}` });
      assert.equal(up.status, 303);
      assert.equal((await paperRow(FRESH_PAGE)).upvotes, 1);
      const after = await alice.get(`/papers/${FRESH_PAGE}`);
      assert.match(after.body, /aria-pressed="true"><span aria-hidden="true">▲<\/span><span class="count">1<\/span>/);
      // The script's path: the same form, answered in JSON; a second click takes the vote back.
      const json = await alice.post(`/papers/${FRESH_PAGE}/upvote`, {}, after, { accept: 'application/json' });
      assert.deepEqual(JSON.parse(json.body), { id: FRESH_PAGE, upvoted: false, upvotes: 0 });
      assert.equal((await paperRow(FRESH_PAGE)).upvotes, 0);
      await alice.post(`/papers/${FRESH_PAGE}/upvote`, {}, after);
      assert.equal((await paperRow(FRESH_PAGE)).upvotes, 1);
      // Shown on the user's profile.
      const profile = await bob.get('/users/alice');
      assert.ok(profile.body.includes(`/papers/${FRESH_PAGE}`));
      // Anonymous visitors get a sign-in link instead of a form.
      const anon = await new Browser(srv.url).get(`/papers/${FRESH_PAGE}`);
      // Anonymous visitors get a link that signs in, casts the vote and comes back.
      assert.match(anon.body, /class="vote" href="\/papers\/2602.15552\/upvote"/);
      const toSignin = await fetch(`${srv.url}/papers/${FRESH_PAGE}/upvote`, { redirect: 'manual', headers: { referer: `${srv.url}/papers/date/2024-10-25` } });
      assert.equal(toSignin.status, 303);
      assert.equal(toSignin.headers.get('location'), `/signin?next=%2Fpapers%2Fdate%2F2024-10-25&do=upvote%3A${FRESH_PAGE}`);
    });

    let commentId = 0;
    test('comments: sanitised Markdown with math, replies one level deep, edit window, soft delete', async () => {
      const page = await alice.get(`/papers/${FRESH_PAGE}`);
      assert.match(page.body, /<section id="comments"/);
      const posted = await alice.post(`/papers/${FRESH_PAGE}/comments`, { body: '**Bold** claim: $x^2$ <script>alert(1)</script> [link](javascript:alert(1))' }, page);
      assert.equal(posted.status, 303);
      commentId = Number(posted.location!.match(/#comment-(\d+)$/)![1]);
      let view = await bob.get(`/papers/${FRESH_PAGE}`);
      assert.match(view.body, /<strong>Bold<\/strong> claim: <span class="katex">/);
      assert.doesNotMatch(view.body, /<script>alert/);
      assert.doesNotMatch(view.body, /javascript:alert/);
      assert.equal((await paperRow(FRESH_PAGE)).num_comments, 1);

      const reply = await bob.post(`/papers/${FRESH_PAGE}/comments`, { body: 'A reply', parent_id: String(commentId) }, view);
      assert.equal(reply.status, 303);
      const replyId = Number(reply.location!.match(/#comment-(\d+)$/)![1]);
      const deeper = await alice.post(`/papers/${FRESH_PAGE}/comments`, { body: 'Reply to the reply', parent_id: String(replyId) }, view.body.includes('_csrf') ? await alice.get(`/papers/${FRESH_PAGE}`) : view);
      const deeperId = Number(deeper.location!.match(/#comment-(\d+)$/)![1]);
      const rows = await pb.db.kysely.selectFrom('comments').select(['id', 'parent_id']).where('id', 'in', [replyId, deeperId]).execute();
      assert.deepEqual(rows.map((r) => r.parent_id), [commentId, commentId], 'replies stay one level deep');
      assert.equal((await paperRow(FRESH_PAGE)).num_comments, 3);

      // Someone else's comment cannot be edited, nor deleted.
      view = await bob.get(`/papers/${FRESH_PAGE}`);
      const steal = await bob.post(`/comments/${commentId}/edit`, { body: 'hijacked' }, view);
      assert.equal(steal.status, 403);
      assert.match(steal.body, /only edit your own comments/);
      assert.equal((await bob.post(`/comments/${commentId}/delete`, {}, view)).status, 403);
      // The author edits within the window…
      const mine = await alice.get(`/comments/${commentId}/edit`);
      assert.equal((await alice.post(`/comments/${commentId}/edit`, { body: 'Edited *claim*' }, mine)).status, 303);
      assert.match((await bob.get(`/papers/${FRESH_PAGE}`)).body, / · edited<\/p>\s*<div class="comment-body"><p>Edited <em>claim<\/em><\/p>/);
      // …but not after it.
      pb.community.clock.set(new Date(Date.parse(NOW) + 31 * 60_000));
      try {
        const late = await alice.post(`/comments/${commentId}/edit`, { body: 'too late' }, mine);
        assert.equal(late.status, 403);
        assert.match(late.body, /can be edited for 30 minutes/);
      } finally {
        pb.community.clock.set(NOW);
      }
      // Soft delete: the thread keeps a placeholder, the count drops.
      assert.equal((await alice.post(`/comments/${deeperId}/delete`, {}, mine)).status, 303);
      assert.equal((await paperRow(FRESH_PAGE)).num_comments, 2);
      const del = await pb.db.kysely.selectFrom('comments').select('deleted_at').where('id', '=', deeperId).executeTakeFirstOrThrow();
      assert.ok(del.deleted_at);
    });

    test('reports and curator hiding, recorded in the audit log', async () => {
      const view = await bob.get(`/papers/${FRESH_PAGE}`);
      assert.equal((await bob.post(`/comments/${commentId}/report`, { reason: 'off topic' }, view)).status, 200);
      const twice = await bob.post(`/comments/${commentId}/report`, { reason: 'again' }, view);
      assert.equal(twice.status, 409);
      assert.equal((await bob.post(`/comments/${commentId}/hide`, { hidden: '1' }, view)).status, 403);
      assert.equal((await bob.get('/moderation')).status, 403);

      await signIn(carol, pb.dataDir, 'carol@example.org', 'carol');
      await pb.community.accounts.setRole('carol@example.org', 'curator');
      const mod = await carol.get('/moderation');
      assert.equal(mod.status, 200);
      assert.match(mod.body, /off topic/);
      assert.equal((await carol.post(`/comments/${commentId}/hide`, { hidden: '1', back: '/moderation' }, mod)).status, 303);
      assert.match((await bob.get(`/papers/${FRESH_PAGE}`)).body, /\[hidden by a curator\]/);
      assert.equal((await paperRow(FRESH_PAGE)).num_comments, 1);
      const audit = await pb.community.audit.list();
      assert.equal(audit[0].action, 'comment.hide');
      assert.equal(audit[0].actorName, 'carol');
      assert.match((await carol.get('/moderation')).body, /comment\.hide/);
    });

    test('author claims: claimed on the paper page, approved by a curator, listed on the profile', async () => {
      const paper = (await pb.stores.papers.byArxivId(FRESH_PAGE))!;
      const page = await alice.get(`/papers/${FRESH_PAGE}`);
      const wrong = await alice.post(`/papers/${FRESH_PAGE}/claim`, { author_name: 'Nobody Here' }, page);
      assert.equal(wrong.status, 400);
      assert.equal((await alice.post(`/papers/${FRESH_PAGE}/claim`, { author_name: paper.authors[0] }, page)).status, 201);
      assert.equal((await bob.post(`/papers/${FRESH_PAGE}/claim`, { author_name: paper.authors[0] }, await bob.get(`/papers/${FRESH_PAGE}`))).status, 409);
      const claim = (await pb.community.claims.pending())[0];
      const mod = await carol.get('/moderation');
      assert.equal((await carol.post(`/moderation/claims/${claim.id}`, { decision: 'approve' }, mod)).status, 303);
      const profile = await bob.get('/users/alice');
      assert.match(profile.body, /Papers as author[\s\S]*\/papers\/2602\.15552/);
      assert.equal((await pb.community.audit.list())[0].action, 'claim.approve');
    });

    test('collections: private by default, public with a page, JSON and RSS feed', async () => {
      const list = await alice.get('/collections');
      const made = await alice.post('/collections', { name: 'To read', description: 'Weekend' }, list);
      assert.equal(made.status, 303);
      const id = made.location!.split('/').pop()!;
      const cpage = await alice.get(`/collections/${id}`);
      assert.equal((await alice.post(`/collections/${id}/add`, { paper: FRESH_PAGE, note: 'read §3' }, cpage)).status, 303);
      assert.equal((await alice.post(`/collections/${id}/add`, { paper: LISTED }, cpage)).status, 303);
      assert.equal((await alice.post(`/collections/${id}/remove`, { paper: LISTED }, cpage)).status, 303);
      assert.equal((await bob.get(`/collections/${id}`)).status, 404, 'private');
      assert.equal((await fetch(`${srv.url}/api/collections/${id}`)).status, 404);
      assert.equal((await bob.post(`/collections/${id}/add`, { paper: LISTED }, await bob.get('/collections'))).status, 403);
      assert.equal((await alice.post(`/collections/${id}`, { name: 'To read', description: 'Weekend', public: '1' }, cpage)).status, 303);
      const pub = await bob.get(`/collections/${id}`);
      assert.equal(pub.status, 200);
      assert.match(pub.body, /read §3/);
      const json = (await (await fetch(`${srv.url}/api/collections/${id}`)).json()) as { name: string; papers: { paper: { id: string }; note: string }[] };
      assert.equal(json.name, 'To read');
      assert.deepEqual(json.papers.map((p) => [p.paper.id, p.note]), [[FRESH_PAGE, 'read §3']]);
      const feed = await fetch(`${srv.url}/collections/${id}/feed.rss`);
      assert.equal(feed.status, 200);
      assert.match(feed.headers.get('content-type')!, /rss\+xml/);
      assert.match(await feed.text(), /<guid[^>]*>https:\/\/arxiv.org\/abs\/2602.15552/);
    });

    test('personal API tokens: made on /settings/tokens, shown once, stored hashed, revocable', async () => {
      const page = await bob.get('/settings/tokens');
      const made = await bob.post('/settings/tokens', { name: 'my bot' }, page);
      assert.equal(made.status, 201);
      apiToken = made.body.match(/<code id="new-token">(pbt_[\w-]+)<\/code>/)![1];
      const row = await pb.db.kysely.selectFrom('api_tokens').selectAll().where('name', '=', 'my bot').executeTakeFirstOrThrow();
      assert.equal(row.token_hash, sha256(apiToken));
      assert.ok(!(await bob.get('/settings/tokens')).body.includes(apiToken), 'shown only once');
      // A throwaway token, revoked: 401 afterwards.
      const other = await bob.post('/settings/tokens', { name: 'old' }, page);
      const oldToken = other.body.match(/<code id="new-token">(pbt_[\w-]+)<\/code>/)![1];
      const oldId = (await pb.db.kysely.selectFrom('api_tokens').select('id').where('name', '=', 'old').executeTakeFirstOrThrow()).id;
      assert.equal((await bob.post(`/settings/tokens/${oldId}/revoke`, {}, page)).status, 303);
      const r = await api('POST', `/api/papers/${LISTED}/upvote`, undefined, oldToken);
      assert.equal(r.status, 401);
      assert.deepEqual(await r.json(), { error: 'The API token is not valid or was revoked.', code: 'unauthorized' });
    });

    test('write API: 401 without a token; submit, upvote, comment with one; 403/404/409/429', async () => {
      const anon = await api('POST', '/api/papers/submit', { paper_id: FRESH_API }, '');
      assert.equal(anon.status, 401);
      assert.equal(((await anon.json()) as { code: string }).code, 'unauthorized');
      // A session cookie without the CSRF header is refused too.
      const cookieOnly = await fetch(`${srv.url}/api/papers/${LISTED}/upvote`, { method: 'POST', headers: { cookie: `pb_session=${alice.cookies.get('pb_session')}` } });
      assert.equal(cookieOnly.status, 403);

      const before = await trendingRanks('day');
      const stale = await api('POST', '/api/papers/submit', { paper_id: STALE });
      assert.equal(stale.status, 400);
      assert.equal(((await stale.json()) as { code: string }).code, 'paper_too_old');
      const bad = await api('POST', '/api/papers/submit', { paper: FRESH_API });
      assert.equal(bad.status, 400);
      const sub = await api('POST', '/api/papers/submit', { paper_id: FRESH_API, comment: 'via the API' });
      assert.equal(sub.status, 201);
      const s = (await sub.json()) as { paper: { id: string; title: string }; day: string; submittedBy: { name: string }; fetchedFromArxiv: boolean };
      assert.equal(s.paper.id, FRESH_API);
      assert.equal(s.day, NOW.slice(0, 10));
      assert.equal(s.submittedBy.name, 'bob');
      assert.equal(s.fetchedFromArxiv, true);
      const quota = await api('POST', '/api/papers/submit', { paper_id: LISTED });
      assert.equal(quota.status, 429);
      assert.ok(Number(quota.headers.get('retry-after')) > 0);
      assert.equal(((await quota.json()) as { code: string }).code, 'submission_quota');

      const up = await api('POST', `/api/papers/${FRESH_API}/upvote`);
      assert.equal(up.status, 200);
      assert.deepEqual(await up.json(), { id: FRESH_API, upvoted: true, upvotes: 1 });
      const twice = await api('POST', `/api/papers/${FRESH_API}/upvote`);
      assert.equal(twice.status, 409);
      assert.deepEqual(await twice.json(), { error: 'You have already upvoted this paper.', code: 'conflict' });
      assert.equal((await paperRow(FRESH_API)).upvotes, 1);
      const down = await api('DELETE', `/api/papers/${FRESH_API}/upvote`);
      assert.deepEqual(await down.json(), { id: FRESH_API, upvoted: false, upvotes: 0 });
      assert.equal((await api('DELETE', `/api/papers/${FRESH_API}/upvote`)).status, 409);
      assert.equal((await api('POST', `/api/papers/${FRESH_API}/upvote`)).status, 200);
      assert.equal((await api('POST', '/api/papers/2602.99999/upvote')).status, 404);

      const cm = await api('POST', `/api/papers/${FRESH_API}/comments`, { body: 'Through the *API*, $\\alpha$' });
      assert.equal(cm.status, 201);
      const c = (await cm.json()) as { id: string; html: string; author: { name: string } };
      assert.match(c.html, /<em>API<\/em>/);
      assert.equal(c.author.name, 'bob');
      assert.equal((await api('POST', `/api/papers/${FRESH_API}/comments`, { body: '' })).status, 400);
      assert.equal((await api('PATCH', `/api/comments/${commentId}`, { body: 'not mine' })).status, 403);
      const withComments = (await (await fetch(`${srv.url}/api/papers/${FRESH_API}?field=comments`)).json()) as { comments: { id: string }[] };
      assert.deepEqual(withComments.comments.map((x) => x.id), [c.id]);

      // The paper rises on /papers/trending once the job has run.
      await runTrendingJob();
      const mid = await trendingRanks('day');
      assert.ok(!before.ids.includes(FRESH_API));
      assert.ok(mid.ids.includes(FRESH_API), mid.ids.join());
      const rankMid = mid.ids.indexOf(FRESH_API);
      // Its place in words; the numbers behind it on hover.
      assert.match(mid.body, /title="Trending score [^"]+: 1 upvotes, 1 comments, 0 h since listed" data-rank="\d+"/);
      assert.match(mid.body, /<div class="note">1 upvote and 1 comment since yesterday, listed (within the hour|\d+ hours? ago)<\/div>/);
      // Alice upvotes and comments as well: it climbs to the top.
      const p = await alice.get(`/papers/${FRESH_API}`);
      await alice.post(`/papers/${FRESH_API}/upvote`, {}, p);
      await alice.post(`/papers/${FRESH_API}/comments`, { body: 'Agreed' }, p);
      await runTrendingJob();
      const top = await trendingRanks('day');
      assert.equal(top.ids[0], FRESH_API, top.ids.join());
      assert.ok(top.ids.indexOf(FRESH_API) <= rankMid);
      assert.match(top.body, /score = \(1·ln\(1 \+ upvotes\) \+ 0.5·ln\(1 \+ comments\) \+ 0.3·ln\(1 \+ stars gained\)\) \/ \(age in hours \+ 2\)\^1.5/);
      const tj = (await (await fetch(`${srv.url}/api/trending?window=day`)).json()) as { papers: { rank: number; paper: { id: string }; signals: { upvotes: number; comments: number } }[] };
      assert.deepEqual([tj.papers[0].paper.id, tj.papers[0].signals.upvotes, tj.papers[0].signals.comments], [FRESH_API, 2, 2]);
      assert.equal((await fetch(`${srv.url}/papers/trending?window=year`)).status, 400);
    });

    test('vote limits per user answer 429 with Retry-After', async () => {
      const many = await pb.community.limiter.hit(`vote:user:probe`, 2, 3600);
      assert.equal(many.allowed, true);
      // Spend the rest of bob's hourly vote budget, then one more.
      const budget = pb.config.limitVotesPerHour;
      const bobId = (await pb.community.accounts.byUsername('bob'))!.id;
      let last = await pb.community.limiter.hit(`vote:user:${bobId}`, budget, 3600);
      while (last.allowed) last = await pb.community.limiter.hit(`vote:user:${bobId}`, budget, 3600);
      const r = await api('POST', `/api/papers/${FRESH_PAGE}/upvote`);
      assert.equal(r.status, 429);
      assert.ok(Number(r.headers.get('retry-after')) > 0);
      assert.match(((await r.json()) as { error: string }).error, /voting too fast/);
    });

    test('sign out, and sign out everywhere', async () => {
      const second = new Browser(srv.url);
      await signIn(second, pb.dataDir, 'alice@example.org');
      const settings = await alice.get('/settings');
      assert.equal(settings.status, 200);
      assert.equal((await alice.post('/signout', { everywhere: '1' }, settings)).status, 303);
      assert.equal(alice.cookies.has('pb_session'), false);
      // The other browser's session ended too.
      const other = await second.get('/settings');
      assert.equal(other.status, 303);
      assert.match(other.location!, /^\/signin/);
    });
  });
}
