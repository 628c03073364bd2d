// The pages in headless Chromium against the real server with the sample: navigation, the
// abstract toggle, the theme toggle, keyboard use, layout from 360 px, the axe-core scan, and
// screenshots under test-artifacts/screenshots/ (git-ignored).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { axeScan, cspViolations, DESKTOP, launchBrowser, noBrowser, noScriptPage, PHONE, screenshot, seriousOf, type TestBrowser } from './support/browser.ts';

const PAPER = '2410.17243';

for (const dbk of databases) {
  describe(`the web pages in Chromium on ${dbk.name}`, { skip: noBrowser }, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let browser: TestBrowser;
    /** Pages that exist on this build, beyond the core ones (features land separately). */
    const optional: Record<string, boolean> = {};
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' }, { sample: true });
      srv = await startServer(pb);
      browser = await launchBrowser();
      for (const path of ['/search?q=contrastive', '/papers/trending', '/subscribe', '/signin', '/submit']) optional[path] = (await fetch(srv.url + path, { redirect: 'manual' })).status === 200;
    });
    after(async () => {
      await browser?.close();
      await srv?.close();
      await pb?.dispose();
    });
    const open = async (path: string, viewport = DESKTOP): Promise<Page> => {
      const page = await browser.newPage(srv.url, viewport);
      const res = await page.goto(srv.url + path);
      assert.ok(res, path);
      return page;
    };

    test('navigate between days with previous/next and the date picker', async () => {
      const page = await open('/?list=all');
      const latest = await pb.papers.latestDay('all');
      assert.match((await page.textContent('h1'))!, /^All new papers/);
      await page.click('a[rel="prev"]');
      await page.waitForURL(/\/papers\/date\/\d{4}-\d{2}-\d{2}\?list=all$/);
      const prevDay = page.url().slice(-19, -9);
      assert.ok(prevDay < latest, `${prevDay} before ${latest}`);
      await page.click('.period-nav a[rel="next"]');
      await page.waitForURL(new RegExp(`/papers/date/${latest}\\?list=all$`));
      await page.fill('#go-date', '2024-10-25');
      await page.click('.go-date button[type="submit"]');
      await page.waitForURL(/\/papers\/date\/2024-10-25\?list=all$/);
      await page.click('.tabs a:text-is("Daily papers")');
      await page.waitForURL(/\/papers\/date\/2024-10-25$/);
      assert.match((await page.textContent('h1'))!, /Daily papers · 25 Oct 2024/);
      assert.equal(await page.locator('li.card').count(), 29);
      await page.click('.tabs a:text-is("Week")');
      await page.waitForURL(/\/papers\/week\/2024-W43$/);
      assert.match((await page.textContent('h1'))!, /Papers of the week/);
      await page.close();
    });

    test('expand an abstract in place: the whole abstract replaces the excerpt', async () => {
      const page = await open('/papers/date/2024-10-25');
      const card = page.locator('li.card').first();
      const p = card.locator('.abstract p');
      const end = (await pb.papers.get(PAPER)).paper.abstract.slice(-40);
      const before = await p.evaluate((el) => ({ h: el.clientHeight, text: el.textContent! }));
      assert.ok(!before.text.includes(end), 'the card has an excerpt');
      assert.equal(await card.locator('.abstract details a').isVisible(), false);
      await card.locator('.abstract summary').click();
      // Opening it brings the whole abstract in.
      await page.waitForFunction(({ sel, end }) => document.querySelector(sel)!.textContent!.includes(end), { sel: 'li.card .abstract p', end });
      const after = await p.evaluate((el) => ({ h: el.clientHeight, full: el.scrollHeight }));
      assert.ok(after.h > before.h && after.full <= after.h + 1, `expanded: ${JSON.stringify(after)}`);
      assert.equal(await card.locator('.abstract summary span:visible').textContent(), 'Show less');
      assert.equal(await card.locator('.abstract details a').count(), 0, 'the "Full abstract" link is no longer needed');
      // Keyboard: Enter on the focused toggle closes it again.
      await card.locator('.abstract summary').focus();
      await page.keyboard.press('Enter');
      assert.equal(await p.evaluate((el) => el.clientHeight), before.h);
      await page.close();
    });

    test('without JavaScript: the abstract still expands, the date picker still works, no dead buttons', async () => {
      const { page, close } = await noScriptPage(srv.url);
      try {
        await page.goto(srv.url + '/papers/date/2024-10-25');
        const p = page.locator('li.card .abstract p').first();
        const before = await p.evaluate((el) => ({ h: el.clientHeight, full: el.scrollHeight }));
        assert.ok(before.full > before.h + 5, `clamped: ${JSON.stringify(before)}`);
        await page.locator('li.card .abstract summary').first().click();
        const after = await p.evaluate((el) => ({ h: el.clientHeight, full: el.scrollHeight }));
        assert.ok(after.h >= after.full - 1 && after.h > before.h, `unclamped: ${JSON.stringify(after)}`);
        assert.equal(await page.locator('li.card .abstract details a').first().isVisible(), true, 'the "Full abstract" link');
        assert.equal(await page.locator('[data-theme-toggle]').isVisible(), false);
        await page.fill('#go-date', '2025-12-17');
        await page.click('.go-date button[type="submit"]');
        await page.waitForURL(/\/papers\/date\/2025-12-17$/);
        await page.goto(`${srv.url}/papers/${PAPER}`);
        assert.equal(await page.locator('button[data-copy]').isVisible(), false);
        assert.equal(await page.locator('#bibtex').isVisible(), true);
      } finally {
        await close();
      }
    });

    test('open a paper from its card: full abstract, authors, BibTeX and its copy button', async () => {
      const page = await open('/papers/date/2024-10-25');
      await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: srv.url });
      const title = (await page.locator('li.card h2 a').first().textContent())!;
      await page.locator('li.card h2 a').first().click();
      await page.waitForURL(new RegExp(`/papers/${PAPER.replace('.', '\\.')}$`));
      assert.equal((await page.textContent('h1'))!.trim(), title.trim());
      const view = await pb.papers.get(PAPER);
      assert.ok((await page.textContent('.abstract-full'))!.includes(view.paper.abstract.slice(-50)));
      assert.equal(await page.locator('.author-list a').count(), view.paper.authors.length);
      await page.click('button[data-copy="bibtex"]');
      await page.locator('.copy-status:text("Copied")').waitFor();
      const copied = await page.evaluate(() => navigator.clipboard.readText());
      assert.match(copied, /^@misc\{cheng2024breaking,/);
      // An author link leads to their list.
      await page.click('.author-list a >> nth=0');
      await page.waitForURL(/\/authors\//);
      assert.equal(await page.textContent('h1'), view.paper.authors[0]);
      await page.close();
    });

    test('the theme follows the system, the toggle overrides it and is remembered across reloads', async () => {
      const page = await open('/');
      const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      await page.emulateMedia({ colorScheme: 'dark' });
      const systemDark = await bg();
      await page.emulateMedia({ colorScheme: 'light' });
      const light = await bg();
      assert.notEqual(systemDark, light, 'the system preference changes the colours');
      const toggle = page.locator('[data-theme-toggle]');
      assert.equal(await toggle.isVisible(), true);
      assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
      await toggle.click();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
      assert.equal(await bg(), systemDark);
      assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
      await page.reload();
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
      assert.equal(await bg(), systemDark, 'still dark after a reload, with a light system');
      await screenshot(page, 'daily-desktop-dark');
      await page.locator('[data-theme-toggle]').click();
      await page.reload();
      assert.equal(await bg(), light);
      await page.evaluate(() => localStorage.removeItem('theme'));
      await page.close();
    });

    test('keyboard: the skip link comes first and focus is visible', async () => {
      const page = await open('/');
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => ({ text: document.activeElement?.textContent, left: document.activeElement?.getBoundingClientRect().left }));
      assert.equal(skip.text, 'Skip to content');
      assert.ok(skip.left! >= 0, 'the skip link is on screen when focused');
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      const focused = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        return { inMain: !!el.closest('main'), outline: getComputedStyle(el).outlineStyle, width: getComputedStyle(el).outlineWidth };
      });
      assert.ok(focused.inMain, 'after skipping, Tab moves into the main content');
      assert.notEqual(focused.outline, 'none');
      assert.notEqual(focused.width, '0px');
      await page.close();
    });

    test('no horizontal scrolling at 360 px on the main pages', async () => {
      const extra = Object.keys(optional).filter((p) => optional[p]);
      for (const path of ['/', `/papers/${PAPER}`, '/papers/week/2024-W43', '/authors/Zesen%20Cheng', '/no/such/page', ...extra]) {
        const page = await open(path, { width: 360, height: 740 });
        const w = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(w <= 360, `${path} is ${w} px wide at 360`);
        if (path === '/') {
          // On a phone the excerpt is clamped to a few lines until "Show more".
          const p = await page.locator('li.card .abstract.clamp p').first().evaluate((el) => ({ h: el.clientHeight, full: el.scrollHeight }));
          assert.ok(p.full > p.h + 5, `clamped on a phone: ${JSON.stringify(p)}`);
        }
        await page.close();
      }
    });

    test('axe-core finds no serious or critical accessibility issues', async (t) => {
      const pages: [string, 'light' | 'dark'][] = [
        ['/', 'light'],
        ['/', 'dark'],
        ['/papers/date/2024-10-25', 'light'],
        [`/papers/${PAPER}`, 'light'],
        [`/papers/${PAPER}`, 'dark'],
        ['/papers/week/2024-W43', 'light'],
        ['/authors/Zesen%20Cheng', 'light'],
        ['/papers/category/cs.CL', 'light'],
        ['/no/such/page', 'light'],
        ...Object.entries(optional)
          .filter(([, ok]) => ok)
          .map(([path]) => [path, 'light'] as [string, 'light']),
      ];
      const problems: string[] = [];
      for (const [path, scheme] of pages) {
        const page = await browser.newPage(srv.url);
        await page.emulateMedia({ colorScheme: scheme });
        await page.goto(srv.url + path);
        const v = await axeScan(page);
        t.diagnostic(`axe ${path} (${scheme}): ${v.length ? v.map((x) => `${x.impact} ${x.id}`).join(', ') : 'no violations'}`);
        problems.push(...seriousOf(v).map((s) => `${path} (${scheme}): ${s}`));
        // Issue 16: the Content-Security-Policy allows only the site's own scripts; nothing on any page trips it.
        problems.push(...cspViolations(page).map((c) => `CSP: ${c}`));
        await page.close();
      }
      assert.deepEqual(problems, []);
    });

    test('search from the header box (when search exists)', async (t) => {
      if (!optional['/search?q=contrastive']) return t.skip('no /search on this build yet (search issue)');
      const page = await open('/');
      await page.fill('header input[name="q"]', 'contrastive loss batch size');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/search\?/);
      assert.ok((await page.locator('main a[href="/papers/2410.17243"]').count()) > 0, 'the paper is found');
      await page.fill('header input[name="q"]', 'https://arxiv.org/abs/2410.17243v2');
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/papers\/2410\.17243$/);
      await page.close();
    });

    test('screenshots of the daily, paper and search pages, desktop and phone', async (t) => {
      const shots: [string, string][] = [
        ['daily', '/'],
        ['daily-hf', '/papers/date/2024-10-25'],
        ['paper', `/papers/${PAPER}`],
        ['error', '/no/such/page'],
      ];
      if (optional['/search?q=contrastive']) shots.push(['search', '/search?q=contrastive']);
      if (optional['/papers/trending']) shots.push(['trending', '/papers/trending']);
      for (const [name, path] of shots) {
        for (const [size, vp] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
          const page = await open(path, vp);
          await page.emulateMedia({ colorScheme: 'light' });
          const file = await screenshot(page, `${name}-${size}`);
          t.diagnostic(file);
          await page.close();
        }
      }
    });
  });
}
