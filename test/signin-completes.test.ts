// Sign-in completes what a signed-out reader typed (issue 19, "sign-in returns you"): a comment or
// a submission is kept on the server as a draft (never in a URL or the mail), the sign-in link
// comes by real SMTP on loopback, and on return the comment is posted or the paper submitted and
// the reader lands on it. Refusals before sign-in keep the text; refusals after it (a rate limit,
// a paper already listed) leave the draft on its form with the reason. On each database.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, listenOnLoopback, type TestServer } from './support/server.ts';
import { fixture } from './support/paths.ts';
import { Browser, type Page } from './support/community-client.ts';
import { loadHfDay, startSmtp, type TestSmtp } from './digest-smtp.ts';
import { axeScan, launchBrowser, noBrowser } from './support/browser.ts';

const NOW = '2026-02-28T12:00:00.000Z';
const ID = '2410.17243'; // on the HF list of 2024-10-25 (sample)
const FRESH = '2602.15552'; // announced 2026-02-17: within 14 days of NOW, fetched from the replay
const FRESH_TOO = '2602.19294'; // announced 2026-02-22
const PHONE = { width: 390, height: 844 };
const MAX_COMMENT = 300;

/** A stand-in for export.arxiv.org/api/query answering id_list lookups from the recorded feed. */
async function atomReplay(): Promise<{ url: string; close: () => Promise<void> }> {
  const xml = readFileSync(fixture('arxiv-atom', 'query-testing-100.xml'), 'utf8');
  const head = xml.slice(0, xml.indexOf('<entry>'));
  const entries = xml.match(/<entry>[\s\S]*?<\/entry>/g) ?? [];
  const server: Server = createServer((req, res) => {
    const ids = (new URL(req.url!, 'http://x').searchParams.get('id_list') ?? '').split(',').filter(Boolean);
    const keep = entries.filter((e) => ids.some((id) => e.includes(`/abs/${id.replace(/v\d+$/, '')}v`)));
    res.writeHead(200, { 'content-type': 'application/atom+xml; charset=utf-8' });
    res.end(`${head}${keep.join('\n')}\n</feed>\n`);
  });
  const { port, close } = await listenOnLoopback(server);
  return { url: `http://127.0.0.1:${port}/api/query`, close };
}

for (const dbk of databases) {
  describe(`sign-in completes a typed comment or submission on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    let atom: Awaited<ReturnType<typeof atomReplay>>;
    before(async () => {
      smtp = await startSmtp();
      atom = await atomReplay();
      pb = await dbk.open(
        {
          SMTP_URL: smtp.url,
          PAPERBOY_NOW: NOW,
          PAPERBOY_ARXIV_API_URL: atom.url,
          PAPERBOY_ARXIV_GAP_MS: '0',
          PAPERBOY_COMMENT_MAX_CHARS: String(MAX_COMMENT),
          PAPERBOY_LIMIT_COMMENTS_PER_HOUR: '3',
        },
        { sample: true },
      );
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await atom?.close();
      await smtp?.close();
    });

    const drafts = () => pb.db.kysely.selectFrom('pending_drafts').selectAll().execute();
    /** Asks for a link on the sign-in page `signin` and returns the token read from the mail that arrives by SMTP. */
    const mailedToken = async (b: Browser, signin: Page, email: string, fields: Record<string, string>) => {
      const before = smtp.to(email).length;
      const sent = await b.post('/signin', { email, ...fields }, signin);
      assert.equal(sent.status, 200, sent.body.slice(0, 400));
      assert.match(sent.body, /Check your inbox/);
      const got = await smtp.waitFor(before + 1, (m) => m.to.includes(email));
      const text = got[got.length - 1].parsed.text ?? '';
      return { token: text.match(/\/signin\/verify\?token=([\w-]+)/)![1], text };
    };
    /** The hidden fields of the sign-in form (where to return, what to do). */
    const hidden = (page: Page) => ({
      next: page.body.match(/name="next" value="([^"]*)"/)![1].replace(/&amp;/g, '&'),
      do: (page.body.match(/name="do" value="([^"]*)"/)?.[1] ?? '').replace(/&amp;/g, '&'),
    });
    const existingUser = async (email: string) => pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate(email));

    test('a comment typed signed out is kept on the server, posted by the sign-in, and the reader lands on it', async () => {
      const b = new Browser(srv.url);
      const page = await b.get(`/papers/${ID}`);
      assert.match(page.body, /<button class="btn" type="submit">Sign in and post<\/button>/);
      assert.match(page.body, /your comment is posted as soon as you are back/);
      const text = 'Kept through **sign-in**: the tiling trick needs $O(n)$ memory <script>alert(1)</script>';
      const c = await b.post(`/papers/${ID}/comments`, { body: text });
      assert.equal(c.status, 303);
      const to = new URL(c.location!, srv.url);
      assert.equal(to.pathname, '/signin');
      assert.equal(to.searchParams.get('next'), `/papers/${ID}#comments`);
      assert.match(to.searchParams.get('do')!, new RegExp(`^comment:${ID.replace('.', '\\.')}~[\\w-]{22}$`));
      assert.ok(!c.location!.includes('tiling'), 'the text never rides in the URL');
      const [row] = (await drafts()).filter((d) => d.target === ID);
      assert.equal(row.body, text.trim());
      assert.ok(row.key_hash.length === 64 && !c.location!.includes(row.key_hash), 'only the hash of the key is stored');

      // The sign-in page says what will happen and shows the text (escaped).
      const signin = await b.get(c.location!);
      assert.match(signin.body, /After signing in, your comment on arXiv:2410\.17243 is posted, and you come back to where you were:/);
      assert.match(signin.body, /<blockquote class="draft-preview"><p>Kept through \*\*sign-in\*\*: the tiling trick needs \$O\(n\)\$ memory &lt;script&gt;/);
      const { token, text: mail } = await mailedToken(b, signin, 'late-commenter@example.org', hidden(signin));
      assert.ok(!mail.includes('tiling'), 'the text is not in the mail');
      const confirm = await b.get(`/signin/verify?token=${token}`);
      assert.match(confirm.body, /Then your comment on arXiv:2410\.17243 is posted:/);
      const verified = await b.post('/signin/verify', { token }, confirm);
      assert.equal(verified.status, 303);
      assert.match(verified.location!, /^\/welcome\?next=/);
      const welcome = await b.get(verified.location!);
      assert.match(welcome.body, /Then your comment on arXiv:2410\.17243 is posted:/);
      const fields = { username: 'late-commenter', display_name: 'Late Commenter', ...hidden(welcome) };
      const saved = await b.post('/welcome', fields, welcome);
      assert.equal(saved.status, 303);
      const landed = saved.location!.match(/^\/papers\/2410\.17243#comment-(\d+)$/);
      assert.ok(landed, saved.location!);

      const shown = await b.get(`/papers/${ID}`);
      assert.match(shown.body, /<h2 id="comments-h">Comments <span class="muted">\(1\)<\/span>/);
      assert.match(
        shown.body,
        new RegExp(`<li id="comment-${landed[1]}" class="comment">[\\s\\S]*?Late Commenter[\\s\\S]*?Kept through <strong>sign-in</strong>`),
      );
      assert.ok(!shown.body.includes('<script>alert(1)'), 'sanitised like any comment');
      assert.doesNotMatch(shown.body, /<textarea id="comment-body"[^>]*>[^<]/, 'the form is empty again');
      assert.equal((await drafts()).filter((d) => d.target === ID).length, 0, 'a posted draft is gone');
      // Sending the welcome form again posts nothing twice.
      const again = await b.post('/welcome', fields, welcome);
      assert.equal(again.status, 303);
      assert.equal((await pb.stores.papers.byArxivId(ID))!.numComments, 1);
    });

    test('a refused comment signed out comes back with its text and leads nowhere: blank, too long, from another site', async () => {
      const b = new Browser(srv.url);
      const before = (await drafts()).length;
      const blank = await b.post(`/papers/${ID}/comments`, { body: '   ' });
      assert.equal(blank.status, 400);
      assert.match(
        blank.body,
        /<p class="field-error" id="body-error">Write something before posting\.<\/p>\s*<textarea id="comment-body"[^>]*aria-invalid="true"[^>]*> {3}<\/textarea>/,
      );
      const long = 'x'.repeat(MAX_COMMENT + 1);
      const tooLong = await b.post(`/papers/${ID}/comments`, { body: long });
      assert.equal(tooLong.status, 400);
      assert.match(tooLong.body, new RegExp(`A comment can be at most ${MAX_COMMENT} characters \\(this one has ${MAX_COMMENT + 1}\\)`));
      assert.ok(tooLong.body.includes(`>${long}</textarea>`));
      const forged = await b.post(`/papers/${ID}/comments`, { body: 'posted from elsewhere' }, undefined, {
        origin: 'https://elsewhere.example',
        'sec-fetch-site': 'cross-site',
      });
      assert.equal(forged.status, 403);
      assert.match(forged.body, /sent from another site[\s\S]*>posted from elsewhere<\/textarea>/);
      const missing = await b.post('/papers/2410.99999/comments', { body: 'on nothing' });
      assert.equal(missing.status, 404);
      assert.equal((await drafts()).length, before, 'nothing kept');
    });

    test('a reader with an account comes straight back to the posted comment; over the rate limit it waits on the form with the reason', async () => {
      const user = await existingUser('regular@example.org');
      // Three comments this hour already (the limit here): the next is refused after sign-in.
      for (let i = 0; i < 3; i++) await pb.community.comments.add({ ...user, via: 'session' }, '2410.16251', { body: `earlier ${i}` }, '127.0.0.8');
      const b = new Browser(srv.url);
      const c = await b.post(`/papers/${ID}/comments`, { body: 'One more thought on the tiling.' });
      const signin = await b.get(c.location!);
      const { token } = await mailedToken(b, signin, 'regular@example.org', hidden(signin));
      const done = await b.post('/signin/verify', { token }, await b.get(`/signin/verify?token=${token}`));
      assert.equal(done.status, 303);
      const m = done.location!.match(/^\/papers\/2410\.17243\?draft=([\w-]{22})#comment-form$/);
      assert.ok(m, done.location!);
      const form = await b.get(done.location!.replace(/#.*/, ''));
      assert.match(form.body, /role="alert">Your comment is not posted yet: You are commenting too fast\. Try again in \d+ minutes\.<\/p>/);
      assert.match(form.body, /<textarea id="comment-body"[^>]*>One more thought on the tiling\.<\/textarea>/);
      assert.match(form.body, new RegExp(`<input type="hidden" name="draft" value="${m[1]}">`));
      // Another reader cannot see it.
      assert.doesNotMatch((await new Browser(srv.url).get(`/papers/${ID}?draft=${m[1]}`)).body, /One more thought/);
      // An hour later it is posted from the form, and the draft is gone.
      pb.community.clock.set(new Date(Date.parse(NOW) + 3_600_000));
      try {
        const posted = await b.post(`/papers/${ID}/comments`, { body: 'One more thought on the tiling.', draft: m[1] }, form);
        assert.equal(posted.status, 303);
        assert.match(posted.location!, /#comment-\d+$/);
        assert.equal((await drafts()).filter((d) => d.body.startsWith('One more')).length, 0);
      } finally {
        pb.community.clock.set(NOW);
      }
    });

    test('a submission typed signed out is made by the sign-in, and the reader lands on the paper', async () => {
      await existingUser('submitter@example.org');
      const b = new Browser(srv.url);
      const form = await b.get('/submit');
      assert.equal(form.status, 200, 'the form is there signed out');
      assert.match(form.body, /<button class="btn" type="submit">Sign in and submit<\/button>/);
      // A refusal before sign-in keeps what was typed.
      const bad = await b.post('/submit', { paper: 'hello world', comment: 'kept note' });
      assert.equal(bad.status, 400);
      assert.match(bad.body, /is not an arXiv id or arXiv URL/);
      assert.match(bad.body, /value="hello world"[\s\S]*>kept note<\/textarea>/);
      const s = await b.post('/submit', { paper: `arXiv:${FRESH}v1`, comment: 'A neat testing idea' });
      assert.equal(s.status, 303);
      const to = new URL(s.location!, srv.url);
      assert.equal(to.searchParams.get('next'), '/submit');
      assert.match(to.searchParams.get('do')!, /^submit:2602\.15552~[\w-]{22}$/);
      const signin = await b.get(s.location!);
      assert.match(signin.body, /After signing in, arXiv:2602\.15552 is submitted to today&#39;s list, and you land on its page:/);
      assert.match(signin.body, /<blockquote class="draft-preview"><p>A neat testing idea<\/p><\/blockquote>/);
      const { token } = await mailedToken(b, signin, 'submitter@example.org', hidden(signin));
      const done = await b.post('/signin/verify', { token }, await b.get(`/signin/verify?token=${token}`));
      assert.equal(done.status, 303);
      assert.equal(done.location, `/papers/${FRESH}?submitted=1`);
      const shown = await b.get(done.location!);
      assert.match(shown.body, /Submitted to the list of 2026-02-28\. Thank you!/);
      assert.match(shown.body, /submitted it<\/h2><p>A neat testing idea<\/p>/);
      const entry = (await pb.stores.daily.forPaper((await pb.stores.papers.byArxivId(FRESH))!.id))!;
      assert.deepEqual([entry.source, entry.submitter?.name], ['submission', 'submitter']);
      assert.equal((await drafts()).filter((d) => d.kind === 'submit').length, 0);
    });

    test('a submission refused after sign-in waits on the form with its note and the reason', async () => {
      await existingUser('second-submitter@example.org');
      const b = new Browser(srv.url);
      const s = await b.post('/submit', { paper: ID, comment: 'Everyone should read it' });
      const signin = await b.get(s.location!);
      const { token } = await mailedToken(b, signin, 'second-submitter@example.org', hidden(signin));
      const done = await b.post('/signin/verify', { token }, await b.get(`/signin/verify?token=${token}`));
      const m = done.location!.match(/^\/submit\?draft=([\w-]{22})$/);
      assert.ok(m, done.location!);
      const form = await b.get(done.location!);
      assert.match(form.body, /role="alert">Not submitted yet: 2410\.17243 is already on the daily list of 2024-10-25\.<\/p>/);
      assert.match(form.body, /value="2410\.17243"[\s\S]*>Everyone should read it<\/textarea>/);
    });

    test('in Chromium on a phone: a submission typed signed out → the mailed link → a username → on the submitted paper', { skip: noBrowser }, async () => {
      const browser = await launchBrowser();
      try {
        const page = await browser.newPage(srv.url, PHONE);
        const axe = async (what: string) =>
          assert.deepEqual(
            (await axeScan(page)).map((v) => `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(' | ')}`),
            [],
            what,
          );
        await page.goto(`${srv.url}/`);
        await page.click('header nav a:text-is("Submit")');
        await page.waitForURL(/\/submit$/);
        await axe('submit form, signed out');
        await page.fill('#paper', `https://arxiv.org/abs/${FRESH_TOO}`);
        await page.fill('#comment', 'Found it on my phone');
        await page.click('main button:text-is("Sign in and submit")');
        await page.waitForURL(/\/signin\?/);
        assert.match((await page.textContent('main'))!, /arXiv:2602\.19294 is submitted to today's list/);
        assert.equal(await page.textContent('blockquote.draft-preview'), 'Found it on my phone');
        await axe('sign in with a submission');
        const before = smtp.to('phone-submitter@example.org').length;
        await page.fill('#email', 'phone-submitter@example.org');
        await page.click('main button[type="submit"]');
        await page.waitForSelector('h1:text-is("Check your inbox")');
        const got = await smtp.waitFor(before + 1, (m) => m.to.includes('phone-submitter@example.org'));
        const link = (got[got.length - 1].parsed.text ?? '').match(/\/signin\/verify\?token=[\w-]+/)![0];
        await page.goto(srv.url + link);
        await page.click('main button[type="submit"]');
        await page.waitForURL(/\/welcome\?/);
        assert.match((await page.textContent('main'))!, /Then arXiv:2602\.19294 is submitted to today's list:/);
        await page.fill('#username', 'phone-submitter');
        await page.fill('#display_name', 'Phone Submitter');
        await page.click('main button:text-is("Save and continue")');
        await page.waitForURL(`${srv.url}/papers/${FRESH_TOO}?submitted=1`);
        assert.match((await page.textContent('main'))!, /Submitted to the list of 2026-02-28\. Thank you![\s\S]*Found it on my phone/);
        await axe('the submitted paper');
      } finally {
        await browser.close();
      }
    });

    test('a draft waits a day at most; the sign-in then offers to write it again; two sign-ins post it once', async () => {
      const b = new Browser(srv.url);
      const c = await b.post(`/papers/${ID}/comments`, { body: 'Too late' });
      const key = new URL(c.location!, srv.url).searchParams.get('do')!.split('~')[1];
      const user = await existingUser('racer@example.org');
      const [x, y] = await Promise.all([pb.community.drafts.claim(key, 'comment', user.id), pb.community.drafts.claim(key, 'comment', user.id)]);
      assert.equal([x, y].filter(Boolean).length, 1, 'claimed once');
      await pb.community.drafts.release(key, 'test');
      pb.community.clock.set(new Date(Date.parse(NOW) + 25 * 3_600_000));
      try {
        const signin = await b.get(c.location!);
        assert.match(signin.body, /After signing in, you can post your comment on arXiv:2410\.17243/);
        assert.doesNotMatch(signin.body, /Too late/);
        assert.match(hidden(signin).do, /^comment:2410\.17243$/);
        // Expired drafts are deleted when the next one is kept.
        await b.post(`/papers/${ID}/comments`, { body: 'a newer one' });
        assert.deepEqual(
          (await drafts()).map((d) => d.body),
          ['a newer one'],
        );
      } finally {
        pb.community.clock.set(NOW);
      }
    });
  });
}

for (const dbk of databases) {
  describe(`on ${dbk.name} with the page micro-cache on`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startSmtp();
      pb = await dbk.open({ SMTP_URL: smtp.url, PAPERBOY_PAGE_CACHE_SECONDS: '300' });
      await loadHfDay(pb);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await smtp?.close();
    });

    test('a comment posted by a sign-in shows to anonymous readers at once', async () => {
      await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('cached@example.org'));
      const anon = new Browser(srv.url);
      await anon.get(`/papers/${ID}`);
      assert.equal((await anon.get(`/papers/${ID}`)).headers.get('x-cache'), 'hit');
      const b = new Browser(srv.url);
      const c = await b.post(`/papers/${ID}/comments`, { body: 'Seen by everyone at once' });
      const signin = await b.get(c.location!);
      const next = signin.body.match(/name="next" value="([^"]*)"/)![1];
      const act = signin.body.match(/name="do" value="([^"]*)"/)![1];
      await b.post('/signin', { email: 'cached@example.org', next, do: act }, signin);
      const [mail] = await smtp.waitFor(1, (m) => m.to.includes('cached@example.org'));
      const token = (mail.parsed.text ?? '').match(/\/signin\/verify\?token=([\w-]+)/)![1];
      // A reader with an account: the comment is posted by the sign-in's own (signed-out) request.
      const done = await b.post('/signin/verify', { token }, await b.get(`/signin/verify?token=${token}`));
      assert.match(done.location!, /#comment-\d+$/);
      const seen = await anon.get(`/papers/${ID}`);
      assert.notEqual(seen.headers.get('x-cache'), 'hit');
      assert.match(seen.body, /Seen by everyone at once/);
    });
  });
}
