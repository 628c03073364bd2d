// The community pages in headless Chromium: the upvote button works in the background with
// community.js (no navigation), and the account, submit, paper and trending pages pass the
// accessibility scan with no serious or critical issue.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { axeScan, cspViolations, launchBrowser, noBrowser, screenshot, seriousOf, type TestBrowser } from './support/browser.ts';
import { SESSION_COOKIE } from '../src/http/pages/community-session.ts';

const ID = '2410.17243';

describe('community pages in Chromium', { skip: noBrowser }, () => {
  let pb: TestInstance;
  let srv: TestServer;
  let browser: TestBrowser;
  before(async () => {
    pb = await databases[0].open({ PAPERBOY_NOW: '2024-10-25T18:00:00Z' });
    await pb.stores.papers.upsert({
      arxivId: ID,
      version: 1,
      title: 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss',
      abstract: 'Contrastive loss is a powerful approach for representation learning with $O(n^2)$ memory.',
      authors: ['Zesen Cheng', 'Hang Zhang'],
      categories: ['cs.CV'],
      publishedAt: '2024-10-22T17:59:30Z',
      source: 'test',
    });
    await pb.stores.daily.upsertMany([{ arxivId: ID, day: '2024-10-25', source: 'hf', submittedAt: '2024-10-25T08:00:00Z', sourceUpvotes: 64 }]);
    srv = await startServer(pb);
    browser = await launchBrowser();
    // A signed-in browser: a real session from the accounts service, set as the cookie.
    const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('reader@example.org'));
    const token = await pb.community.accounts.createSession(user.id);
    await browser.context.addCookies([{ name: SESSION_COOKIE, value: token, url: srv.url, httpOnly: true, sameSite: 'Lax' }]);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    await pb?.dispose();
  });

  test('the upvote button posts in the background and updates the count', async () => {
    const page = await browser.newPage(srv.url);
    await page.goto(`${srv.url}/papers/${ID}`);
    const button = page.locator('.paper-head form[data-vote] button');
    assert.equal(await button.getAttribute('aria-pressed'), 'false');
    assert.equal(await button.locator('.count').textContent(), '64');
    let navigated = false;
    page.on('framenavigated', () => (navigated = true));
    await button.click();
    await page.waitForSelector('.paper-head form[data-vote] button[aria-pressed="true"]');
    assert.equal(await button.locator('.count').textContent(), '65');
    assert.equal(navigated, false, 'no page load: the script did it');
    assert.equal((await pb.stores.papers.byArxivId(ID))!.localUpvotes, 1);
    await screenshot(page, 'community-paper-voted');
    await button.click();
    await page.waitForSelector('.paper-head form[data-vote] button[aria-pressed="false"]');
    assert.equal((await pb.stores.papers.byArxivId(ID))!.localUpvotes, 0);
    await page.close();
  });

  test('comment, then the pages pass the accessibility scan', async () => {
    const page = await browser.newPage(srv.url);
    await page.goto(`${srv.url}/papers/${ID}`);
    await page.fill('#comment-body', 'Memory scales as $O(n)$ with **tiling**.');
    await Promise.all([page.waitForURL(/#comment-\d+$/), page.click('.comment-form button[type="submit"]')]);
    assert.equal(await page.locator('.comment-body strong').textContent(), 'tiling');
    await pb.community.trending.compute();
    for (const path of [`/papers/${ID}`, '/papers/trending?window=week', '/submit', '/settings', '/settings/tokens', '/collections', '/users/reader']) {
      await page.goto(srv.url + path);
      const serious = seriousOf(await axeScan(page));
      assert.deepEqual(serious, [], `${path}: ${serious.join('\n')}`);
    }
    await page.goto(`${srv.url}/papers/trending?window=week`);
    assert.match((await page.locator('li.card').first().getAttribute('title')) ?? '', /^Trending score [^:]+: \d+ upvotes/);
    await screenshot(page, 'community-trending', true);
    // Issue 16: signed-in pages (vote script, forms, KaTeX) trip no Content-Security-Policy rule.
    assert.deepEqual(cspViolations(page), []);
    await page.close();
  });
});
