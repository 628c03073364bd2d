// The reader's daily loop over HTTP on a fresh sample instance (issue 19): the curated home,
// trending that is never empty, one upvote count in every answer, forms that work on a first visit
// and keep what was typed, and sign-in that completes the action asked for and returns the reader.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { Browser, latestSigninLink } from './support/community-client.ts';
import { startSmtp, type TestSmtp } from './digest-smtp.ts';

const ID = '2410.17243';
const AUTHOR = 'Zesen Cheng';

for (const dbk of databases) {
  describe(`the daily loop over HTTP on ${dbk.name}, fresh sample instance`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startSmtp();
      pb = await dbk.open({ SMTP_URL: smtp.url, MAIL_FROM: 'Paperboy <digest@papers.example.org>' }, { sample: true });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await smtp?.close();
    });
    const json = async (path: string) => {
      const r = await fetch(srv.url + path);
      assert.equal(r.status, 200, path);
      return r.json() as Promise<unknown>;
    };
    const titles = (body: string) => [...body.matchAll(/<li class="card"[^>]*>[\s\S]*?<h2><a href="\/papers\/([^"]+)">/g)].map((m) => m[1]);

    test("/ lists Hugging Face's papers of 2024-10-25, most upvoted first, and arXiv's listing is its own tab", async () => {
      const home = await (await fetch(srv.url + '/')).text();
      assert.match(home, /<h1>Daily papers <span class="muted">· <time datetime="2024-10-25">25 Oct 2024<\/time>/);
      const ids = titles(home);
      assert.equal(ids.length, 29);
      assert.equal(ids[0], ID);
      assert.match(home, /<h2><a href="\/papers\/2410\.17243">Breaking the Memory Barrier/);
      assert.match(home, /<a href="\/\?list=all">All new papers<\/a>/);
      const all = await (await fetch(srv.url + '/?list=all')).text();
      const latest = await pb.papers.latestDay('all');
      assert.ok(latest > '2024-10-25', latest);
      assert.match(all, /<h1>All new papers/);
      assert.equal(titles(all).length, 50);
      // Category filters narrow the listing.
      const cat = all.match(/<a class="chip" href="(\/papers\/date\/[\d-]+\?list=all&amp;category=([\w.-]+))">/);
      assert.ok(cat, 'a category filter');
      const filtered = await (await fetch(srv.url + cat[1].replace(/&amp;/g, '&'))).text();
      assert.ok(titles(filtered).length > 0);
      for (const id of titles(filtered).slice(0, 5)) assert.ok((await pb.papers.get(id)).paper.categories.includes(cat[2]), `${id} in ${cat[2]}`);
      // Week and month have both lists and a sort.
      const week = await (await fetch(srv.url + '/papers/week/2024-W43?sort=newest')).text();
      assert.match(week, /<option value="newest" selected>Newest<\/option>/);
      assert.match(week, /<a href="\/papers\/week\/2024-W43\?list=all&amp;sort=newest">All new papers<\/a>/);
    });

    test('/papers/trending lists at least 10 papers on a fresh instance, says why, and explains each place in words', async () => {
      const body = await (await fetch(srv.url + '/papers/trending')).text();
      const ids = titles(body);
      assert.ok(ids.length >= 10, `${ids.length} papers`);
      assert.equal(ids[0], ID);
      assert.match(body, /No paper has new votes or comments in the last 7 days\. Here are the most upvoted papers of the newest lists/);
      assert.match(body, /<div class="note">64 upvotes on the list of 25 Oct 2024<\/div>/);
      assert.doesNotMatch(body, /score \d|e-\d/, 'no raw scores in the text');
      // The API answers the same list, and says where it came from.
      const api = (await json('/api/trending')) as {
        fallback: { from: string; to: string; ranked: number } | null;
        papers: { rank: number; why: string; paper: { id: string } }[];
      };
      assert.deepEqual(
        api.papers.map((p) => p.paper.id),
        ids.slice(0, api.papers.length),
      );
      assert.ok(api.papers.length >= 10);
      assert.deepEqual(api.fallback, { from: '2024-10-19', to: '2024-10-25', ranked: 0 });
      assert.equal(api.papers[0].why, '64 upvotes on the list of 25 Oct 2024');
    });

    test(`${ID} shows the same upvote count in the paper, daily, search and author answers, and on every page`, async () => {
      // One local vote on top of Hugging Face's 64.
      const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('voter@example.org'));
      await pb.community.votes.set({ ...user, via: 'session' }, ID, true, '127.0.0.9');
      const want = 65;
      const paper = (await json(`/api/papers/${ID}`)) as { upvotes: number };
      const daily = (await json('/api/daily_papers?date=2024-10-25')) as { paper: { id: string; upvotes: number }; numComments: number }[];
      const search = (await json('/api/papers/search?q=Breaking%20the%20Memory%20Barrier')) as { paper: { id: string; upvotes: number } }[];
      const author = (await json(`/api/authors/${encodeURIComponent(AUTHOR)}/papers`)) as
        { id: string; upvotes: number }[] | { paper: { id: string; upvotes: number } }[];
      type Listed = { id: string; upvotes: number };
      const fromAuthor = (author as (Listed & { paper?: Listed })[]).map((x) => x.paper ?? x).find((p) => p.id === ID);
      assert.deepEqual(
        [paper.upvotes, daily.find((d) => d.paper.id === ID)?.paper.upvotes, search.find((s) => s.paper.id === ID)?.paper.upvotes, fromAuthor?.upvotes],
        [want, want, want, want],
      );
      // HF's comment count is in the API's numComments; pages show it as "3 on Hugging Face ↗".
      assert.equal(daily.find((d) => d.paper.id === ID)?.numComments, 3);
      for (const path of ['/', `/papers/${ID}`, `/authors/${encodeURIComponent(AUTHOR)}`, '/papers/trending']) {
        const body = await (await fetch(srv.url + path)).text();
        assert.match(body, new RegExp(`href="/papers/${ID}/upvote"><span aria-hidden="true">▲</span><span class="count">${want}</span>`), path);
      }
      const search2 = await (await fetch(srv.url + '/search?q=Breaking%20the%20Memory%20Barrier')).text();
      assert.match(search2, new RegExp(`${want} upvotes`));
      const page = await (await fetch(srv.url + `/papers/${ID}`)).text();
      assert.match(page, /<h2 id="comments-h">Comments <span class="muted">\(0\)<\/span><\/h2>/);
      assert.match(
        page,
        /<a href="https:\/\/huggingface\.co\/papers\/2410\.17243" rel="noopener">3 comments on Hugging Face <span aria-hidden="true">↗<\/span><\/a>/,
      );
      const home = await (await fetch(srv.url + '/')).text();
      assert.match(home, /<a href="https:\/\/huggingface\.co\/papers\/2410\.17243" rel="noopener">3 comments on Hugging Face/);
      await pb.community.votes.set({ ...user, via: 'session' }, ID, false, '127.0.0.9');
    });

    test("from a fresh cookie jar, the home page's subscribe box sends a confirmation mail", async () => {
      const b = new Browser(srv.url);
      const home = await b.get('/');
      assert.equal(b.cookies.size, 0, 'the home page sets no cookie');
      assert.match(home.body, /<aside class="digest-box"[\s\S]*<form action="\/subscribe" method="post">/);
      const before = smtp.to('first@example.org').length;
      // As a browser posts it: same-origin.
      const r = await b.post('/subscribe', { email: 'first@example.org', frequency: 'daily', timeZone: 'UTC' }, undefined, {
        origin: srv.url,
        'sec-fetch-site': 'same-origin',
      });
      assert.equal(r.status, 200, r.body.slice(0, 300));
      assert.match(r.body, /Check your inbox/);
      const got = await smtp.waitFor(before + 1, (m) => m.to.includes('first@example.org'));
      assert.match(got[got.length - 1].parsed.text ?? '', /\/subscribe\/confirm\//);
      // Another site cannot post it.
      const forged = await new Browser(srv.url).post('/subscribe', { email: 'victim@example.org' }, undefined, {
        origin: 'https://elsewhere.example',
        'sec-fetch-site': 'cross-site',
      });
      assert.equal(forged.status, 403);
      assert.match(forged.body, /value="victim@example.org"/);
    });

    test('a refused /subscribe post comes back with the typed e-mail and keywords, the problem next to its field', async () => {
      const b = new Browser(srv.url);
      const form = await b.get('/subscribe');
      const r = await b.post(
        '/subscribe',
        { email: 'typed@example.org', keywords: 'diffusion, "retrieval augmented"', categories: 'not a category!', frequency: 'weekly', timeZone: 'UTC' },
        form,
      );
      assert.equal(r.status, 400);
      assert.match(r.body, /id="d-email" type="email" name="email" required value="typed@example.org"/);
      assert.match(r.body, /name="keywords" value="diffusion, &quot;retrieval augmented&quot;"/);
      assert.match(
        r.body,
        /<p class="field-error" id="categories-error">&quot;not a category!&quot; is not an arXiv category such as cs.LG.<\/p><input id="d-categories"[^>]*aria-invalid="true"/,
      );
      assert.match(r.body, /value="weekly" checked/);
      const bad = await b.post('/subscribe', { email: 'not-an-address', keywords: 'kept' }, form);
      assert.equal(bad.status, 400);
      assert.match(bad.body, /<p class="field-error" id="email-error">Enter a valid e-mail address\.<\/p>/);
      assert.match(bad.body, /value="not-an-address"/);
      assert.match(bad.body, /name="keywords" value="kept"/);
    });

    test('▲ signed out → sign in → the vote is counted and the reader is back on the list', async () => {
      const b = new Browser(srv.url);
      const list = '/papers/date/2024-10-25';
      const start = await b.get(`/papers/${ID}/upvote`, { referer: `${srv.url}${list}` });
      assert.equal(start.status, 303);
      const signin = await b.get(start.location!);
      assert.match(signin.body, /After signing in, your upvote of arXiv:2410\.17243 is counted/);
      const sent = await b.post('/signin', { email: 'newreader@example.org', next: list, do: `upvote:${ID}` }, signin);
      assert.equal(sent.status, 200);
      const { token } = await latestSigninLink(pb.dataDir, 'newreader@example.org').catch(async () => {
        // SMTP instance: the link is in the mail the SMTP server received.
        const m = await smtp.waitFor(1, (x) => x.to.includes('newreader@example.org'));
        const link = (m[m.length - 1].parsed.text ?? '').match(/\/signin\/verify\?token=([\w-]+)/)!;
        return { token: link[1] };
      });
      const confirm = await b.get(`/signin/verify?token=${token}`);
      assert.match(confirm.body, /Then your upvote of arXiv:2410\.17243 is counted\./);
      const done = await b.post('/signin/verify', { token }, confirm);
      assert.equal(done.status, 303);
      assert.match(done.location!, /^\/welcome\?next=%2Fpapers%2Fdate%2F2024-10-25&do=upvote%3A2410\.17243$/);
      const welcome = await b.get(done.location!);
      assert.match(welcome.body, /2 to 30 characters: lower-case letters a–z, digits/);
      const refused = await b.post('/welcome', { username: 'No Spaces', display_name: 'New Reader', next: list, do: `upvote:${ID}` }, welcome);
      assert.equal(refused.status, 400);
      assert.match(refused.body, /<p class="field-error" id="username-error">/);
      assert.match(refused.body, /value="No Spaces"/);
      const saved = await b.post('/welcome', { username: 'newreader', display_name: 'New Reader', next: list, do: `upvote:${ID}` }, welcome);
      assert.equal(saved.status, 303);
      assert.equal(saved.location, list);
      const back = await b.get(list);
      assert.match(back.body, /aria-pressed="true"><span aria-hidden="true">▲<\/span><span class="count">65<\/span>/);
      assert.equal((await pb.stores.papers.byArxivId(ID))!.localUpvotes, 1);
      // The used link offers a new one.
      const reused = await b.post('/signin/verify', { token }, confirm);
      assert.equal(reused.status, 400);
      assert.match(reused.body, /already been used[\s\S]*value="newreader@example.org"[\s\S]*Send me a sign-in link/);
    });

    test('a refused comment comes back on the paper page with its text; saving and following work from the paper page', async () => {
      const b = new Browser(srv.url);
      // Signed in through the accounts service (the mail flow is covered above).
      const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('commenter@example.org'));
      b.cookies.set('pb_session', await pb.community.accounts.createSession(user.id));
      const page = await b.get(`/papers/${ID}`);
      const blank = await b.post(`/papers/${ID}/comments`, { body: '   ' }, page);
      assert.equal(blank.status, 400);
      assert.match(blank.body, /<h1>Breaking the Memory Barrier/);
      assert.match(blank.body, /<p class="field-error" id="body-error">[^<]+<\/p>\s*<textarea id="comment-body"[^>]*aria-invalid="true"[^>]*> {3}<\/textarea>/);
      // Save: to the reading list, made on first use, back on the paper (JSON for the script).
      const saved = await b.post('/collections/add', { paper: ID, back: `/papers/${ID}` }, page);
      assert.equal(saved.status, 303);
      assert.match(saved.location!, /^\/papers\/2410\.17243\?saved=\d+$/);
      const after = await b.get(saved.location!);
      assert.match(after.body, /Saved to <a href="\/collections\/\d+">Reading list<\/a>\./);
      const js = await b.post('/collections/add', { paper: '2410.16251', back: `/papers/${ID}` }, page, { accept: 'application/json' });
      assert.deepEqual(JSON.parse(js.body).collection.name, 'Reading list');
      // Follow an author: into the digest at once (the account's address is proven).
      const followed = await b.post('/follow', { author: AUTHOR, back: `/papers/${ID}` }, page);
      assert.equal(followed.status, 200);
      assert.match(followed.body, /New papers by Zesen Cheng are now in your digest\./);
      const sub = await pb.digest.subscriptions.forUser(user);
      assert.deepEqual([sub?.status, sub?.authors], ['confirmed', [AUTHOR]]);
      // A refused digest setting keeps what was typed.
      const settings = await b.get('/settings/digest');
      const refused = await b.post(
        '/settings/digest',
        { action: 'save', frequency: 'daily', categories: 'cs.CL, bogus!', keywords: 'tiling', authors: AUTHOR, timeZone: 'UTC' },
        settings,
      );
      assert.equal(refused.status, 400);
      assert.match(refused.body, /id="categories-error">&quot;bogus!&quot; is not an arXiv category/);
      assert.match(refused.body, /name="categories" value="cs.CL, bogus!"/);
      assert.match(refused.body, /name="keywords" value="tiling"/);
      // Collections are in the main menu; public ones are listed.
      assert.match(after.body, /<nav aria-label="Main"><ul>[\s\S]*<a href="\/collections">Collections<\/a>/);
    });

    test('signed out, commenting, saving and submitting lead through sign-in and back', async () => {
      const b = new Browser(srv.url);
      const page = await b.get(`/papers/${ID}`);
      assert.match(
        page.body,
        /<form method="post" action="\/papers\/2410\.17243\/comments" class="comment-form" id="comment-form" data-draft="comment:2410\.17243">/,
      );
      const c = await b.post(`/papers/${ID}/comments`, { body: 'kept in the tab by app.js' });
      assert.equal(c.status, 303);
      // The text waits on the server; only its draft's key rides (test/signin-completes.test.ts walks it through).
      assert.match(c.location!, new RegExp(`^/signin\\?next=${encodeURIComponent(`/papers/${ID}#comments`)}&do=comment%3A2410\\.17243~[\\w-]{22}$`));
      const s = await b.post('/collections/add', { paper: ID, back: `/papers/${ID}` });
      assert.equal(s.location, `/signin?next=${encodeURIComponent(`/papers/${ID}`)}&do=${encodeURIComponent(`save:${ID}`)}`);
      const signin = await b.get(s.location!);
      assert.match(signin.body, /After signing in, arXiv:2410\.17243 is saved to your reading list/);
      // The submit form is there signed out; sending it leads through sign-in, which submits it.
      const sub = await b.get('/submit?paper=2410.99999');
      assert.equal(sub.status, 200);
      assert.match(sub.body, /id="paper" name="paper"[^>]*value="2410\.99999"/);
      assert.match(sub.body, /Sign in and submit/);
    });

    test('following signed out asks for an address and confirms it by mail first', async () => {
      const b = new Browser(srv.url);
      const page = await b.get(`/follow?author=${encodeURIComponent(AUTHOR)}`);
      assert.match(page.body, /Follow Zesen Cheng/);
      const bad = await b.post('/follow', { author: AUTHOR, email: 'nope' }, undefined, { origin: srv.url });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /id="email-error"[\s\S]*value="nope"/);
      const ok = await b.post('/follow', { author: AUTHOR, email: 'follower@example.org' }, undefined, { origin: srv.url });
      assert.equal(ok.status, 200);
      assert.match(ok.body, /Check your inbox/);
      const s = await pb.digest.subscriptions.byEmail('follower@example.org');
      assert.equal(s?.status, 'pending');
      await smtp.waitFor(1, (m) => m.to.includes('follower@example.org'));
    });

    test('two apps in one process share nothing: each has its own assets, context and routes', async () => {
      const other = await startServer(pb);
      try {
        const [a, c] = await Promise.all([fetch(srv.url + '/'), fetch(other.url + '/')]);
        const [ba, bc] = [await a.text(), await c.text()];
        assert.equal(titles(ba).join(), titles(bc).join());
        // Each page is built once: no section appears twice however many apps exist.
        assert.equal([...bc.matchAll(/class="digest-box"/g)].length, 1);
        assert.equal([...bc.matchAll(/<link rel="alternate" type="application\/rss\+xml" title="Trending papers \(RSS\)"/g)].length, 1);
        const paper = await (await fetch(other.url + `/papers/${ID}`)).text();
        assert.equal([...paper.matchAll(/id="follow-h"/g)].length, 1);
        assert.equal([...paper.matchAll(/id="comments-h"/g)].length, 1);
      } finally {
        await other.close();
      }
    });
  });
}
