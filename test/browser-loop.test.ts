// The reader's whole daily loop in headless Chromium, on a desktop and on a 390×844 phone (issue 19):
// open the home page, read a paper, search, subscribe, press ▲ signed out → sign in by the mailed
// link (real SMTP on loopback) → the vote is counted → back on the list; sign out, write a comment
// signed out → sign in → the comment is posted and shown; save to a collection, follow an author.
// Every page on the way passes axe-core with 0 violations and never scrolls sideways; on the phone
// the first paper title starts in the top 300 px of the home page and the first search hit in the
// top 350 px (measured). Screenshots go to docs/screenshots/ (the README shows them).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { axeScan, DESKTOP, launchBrowser, noBrowser, type TestBrowser } from './support/browser.ts';
import { startSmtp, type TestSmtp } from './digest-smtp.ts';

const PHONE = { width: 390, height: 844 };
const ID = '2410.17243';
const SHOTS = join(process.cwd(), 'docs', 'screenshots');
/** The signed-in reader's daily page: HTML + CSS + JS (community.js too), KaTeX aside. */
const SIGNED_IN_BUDGET = 100_000;

for (const dbk of databases) {
  describe(`the daily loop in Chromium on ${dbk.name}`, { skip: noBrowser }, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startSmtp();
      pb = await dbk.open({ SMTP_URL: smtp.url }, { sample: true });
      srv = await startServer(pb);
      mkdirSync(SHOTS, { recursive: true });
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await smtp?.close();
    });

    /** Presses "Send me a sign-in link" for `email` and returns the link from the mail the SMTP server receives. */
    const mailedLink = async (page: Page, email: string) => {
      const before = smtp.to(email).length;
      await page.fill('#email', email);
      await page.click('main button[type="submit"]');
      await page.waitForSelector('h1:text-is("Check your inbox")');
      const got = await smtp.waitFor(before + 1, (m) => m.to.includes(email));
      const link = (got[got.length - 1].parsed.text ?? '').match(/https?:\/\/\S+\/signin\/verify\?token=[\w-]+/)![0];
      return link.replace(/^https?:\/\/[^/]+/, srv.url);
    };

    /** Axe at 0 violations (any impact), and nothing wider than the window. */
    const check = async (page: Page, what: string) => {
      // Scanned as first seen: from the top (a sticky header over a scrolled-to button is not a layout fault).
      await page.evaluate(() => window.scrollTo(0, 0));
      const v = await axeScan(page);
      assert.deepEqual(
        v.map((x) => `${x.impact} ${x.id}: ${x.help} at ${x.nodes.map((n) => n.target.join(' ')).join(' | ')}`),
        [],
        `${what}: axe violations`,
      );
      const w = await page.evaluate(() => ({ doc: document.documentElement.scrollWidth, win: window.innerWidth }));
      assert.ok(w.doc <= w.win, `${what}: ${w.doc} px wide in a ${w.win} px window (horizontal scrolling)`);
    };
    const shot = async (page: Page, name: string, onlyFirst: boolean) => {
      if (onlyFirst && dbk.name !== 'sqlite') return;
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: false });
    };

    for (const [device, viewport] of [
      ['desktop', DESKTOP],
      ['phone', PHONE],
    ] as const) {
      test(`${device}: home, read, search, subscribe, vote through sign-in, comment through sign-in, save, follow`, async () => {
        const browser: TestBrowser = await launchBrowser();
        const email = `reader-${device}@example.org`;
        const username = `reader-${device}`;
        try {
          const page = await browser.newPage(srv.url, viewport);

          // Home: Hugging Face's picks of 2024-10-25, most upvoted first.
          await page.goto(`${srv.url}/`);
          const first = page.locator('li.card h2 a').first();
          assert.match((await first.textContent())!, /^Breaking the Memory Barrier/);
          if (device === 'phone') {
            const top = await first.evaluate((el) => el.getBoundingClientRect().top);
            assert.ok(top <= 300, `the first title starts at ${Math.round(top)} px (at most 300)`);
          }
          await check(page, 'home');
          await shot(page, `daily-${device}`, true);

          // The full listing is a tab away.
          await page.click('a:text-is("All new papers")');
          await page.waitForURL(/\?list=all$/);
          assert.equal(await page.locator('li.card').count(), 50);
          await check(page, 'all new papers');
          await page.goBack();

          // Trending is never empty.
          await page.click('header nav a:text-is("Trending")');
          await page.waitForURL(/\/papers\/trending$/);
          assert.ok((await page.locator('li.card').count()) >= 10);
          await check(page, 'trending');
          await shot(page, `trending-${device}`, true);

          // Read: the paper page.
          await page.goto(`${srv.url}/`);
          await page.locator('li.card h2 a').first().click();
          await page.waitForURL(new RegExp(`/papers/${ID}$`));
          assert.match((await page.textContent('h1'))!, /Breaking the Memory Barrier/);
          await check(page, 'paper');
          await shot(page, `paper-${device}`, true);

          // Search from the header box.
          await page.fill('#q', 'memory barrier contrastive loss');
          await page.press('#q', 'Enter');
          await page.waitForURL(/\/search\?q=/);
          const hit = page.locator('ol.search-results li.card h2 a').first();
          await hit.waitFor();
          const hits = await page.locator('ol.search-results li.card h2 a').allTextContents();
          assert.ok(hits.slice(0, 3).some((t) => /^Breaking the Memory Barrier/.test(t)), hits.slice(0, 3).join(' | '));
          if (device === 'phone') {
            const top = await hit.evaluate((el) => el.getBoundingClientRect().top);
            assert.ok(top <= 350, `the first hit starts at ${Math.round(top)} px (at most 350)`);
          }
          await check(page, 'search');
          await shot(page, `search-${device}`, true);

          // Subscribe from the home page's box (a first visit: no cookie needed).
          await page.goto(`${srv.url}/`);
          await page.fill('#digest-box-email', `digest-${email}`);
          await page.click('.digest-box button[type="submit"]');
          await page.waitForSelector('h1:text-is("Check your inbox")');
          await check(page, 'subscribed');

          // ▲ signed out → sign in → the vote counts → back on the list.
          await page.goto(`${srv.url}/`);
          await page.locator('li.card').first().locator('a.vote').click();
          await page.waitForURL(/\/signin\?/);
          assert.match((await page.textContent('main'))!, /your upvote of arXiv:2410\.17243 is counted/);
          await check(page, 'sign in');
          await shot(page, `signin-${device}`, true);
          await page.goto(await mailedLink(page, email));
          await check(page, 'confirm sign-in');
          await page.click('main button[type="submit"]');
          await page.waitForURL(/\/welcome/);
          assert.match((await page.textContent('main'))!, /2 to 30 characters/);
          await check(page, 'welcome');
          await page.fill('#username', username);
          await page.fill('#display_name', `Reader on a ${device}`);
          await page.click('main button[type="submit"]');
          await page.waitForURL(`${srv.url}/`);
          const vote = page.locator('li.card').first().locator('form[data-vote] button');
          assert.equal(await vote.getAttribute('aria-pressed'), 'true');
          const counted = Number(await vote.locator('.count').textContent());
          assert.ok(counted >= 65, `${counted} upvotes`);
          await check(page, 'home, signed in');
          if (device === 'desktop') {
            // The signed-in reader's daily page keeps to its budget too (community.js included), as sent.
            const cookie = (await browser.context.cookies(srv.url)).map((c) => `${c.name}=${c.value}`).join('; ');
            const html = await (await fetch(`${srv.url}/`, { headers: { cookie, 'accept-encoding': 'identity' } })).text();
            assert.match(html, /form method="post" action="\/papers\/2410\.17243\/upvote" data-vote/);
            const assets = [...html.matchAll(/<(?:link rel="stylesheet" href|script src)="(\/static\/[^"]+)"/g)].map((m) => srv.url + m[1]).filter((u) => !u.includes('/katex-'));
            let bytes = Buffer.byteLength(html);
            let br = brotliCompressSync(Buffer.from(html)).length;
            for (const u of assets) {
              const body = Buffer.from(await (await fetch(u, { headers: { 'accept-encoding': 'identity' } })).arrayBuffer());
              bytes += body.length;
              br += brotliCompressSync(body).length;
            }
            process.stdout.write(`# signed-in daily page weight: ${bytes} B uncompressed (${assets.length} assets), ${br} B brotli\n`);
            assert.ok(bytes < SIGNED_IN_BUDGET, `signed-in daily page weighs ${bytes} bytes`);
          }

          // Signed out again, a comment typed on the paper page: "Sign in and post" → the mailed link →
          // the comment is posted and the reader is on it (an account already: no welcome step).
          await page.goto(`${srv.url}/settings`);
          await page.click('button:text-is("Sign out")');
          await page.waitForURL(`${srv.url}/`);
          await page.goto(`${srv.url}/papers/${ID}`);
          const said = `Read it on my ${device}: the tiling trick is neat, $O(n)$ memory.`;
          await page.fill('#comment-body', said);
          await page.click('#comment-form button:text-is("Sign in and post")');
          await page.waitForURL(/\/signin\?/);
          assert.ok(!page.url().includes('tiling'), 'the text does not ride in the URL');
          assert.match((await page.textContent('main'))!, /your comment on arXiv:2410\.17243 is posted/);
          assert.equal(await page.textContent('blockquote.draft-preview'), said);
          await check(page, 'sign in with a comment');
          await shot(page, `signin-comment-${device}`, true);
          await page.goto(await mailedLink(page, email));
          assert.match((await page.textContent('main'))!, /Then your comment on arXiv:2410\.17243 is posted:/);
          await page.click('main button[type="submit"]');
          await page.waitForURL(/\/papers\/2410\.17243#comment-\d+$/);
          const mine = page.locator(`#${new URL(page.url()).hash.slice(1)}`);
          assert.match((await mine.textContent())!, new RegExp(`Reader on a ${device}[\\s\\S]*Read it on my ${device}`));
          assert.equal(await page.inputValue('#comment-body'), '', 'the posted text is not offered again');

          // Save to a collection without leaving the page.
          let navigated = false;
          page.on('framenavigated', () => (navigated = true));
          await page.click('form[data-save] button');
          await page.waitForSelector('.save-status a');
          assert.match((await page.textContent('.save-status'))!, /Saved to Reading list/);
          assert.equal(navigated, false, 'saved in the background');
          await check(page, 'paper, signed in');
          await shot(page, `paper-signed-in-${device}`, true);

          // Follow an author: into the digest.
          await page.locator('section.follow button').first().click();
          await page.waitForSelector('h1:has-text("Following")');
          assert.match((await page.textContent('main'))!, /are now in your digest/);
          await check(page, 'followed');
          const sub = await pb.digest.subscriptions.byEmail(email);
          assert.equal(sub?.status, 'confirmed');
          assert.ok(sub!.authors.length === 1);

          // Collections from the main menu: the reading list is there.
          await page.click('header nav a:text-is("Collections")');
          await page.waitForURL(/\/collections$/);
          assert.match((await page.textContent('main'))!, /Reading list/);
          await check(page, 'collections');

          // The API reference fits the screen too.
          await page.goto(`${srv.url}/api/docs`);
          await check(page, 'API docs');
        } finally {
          await browser.close();
        }
      });
    }
  });
}
