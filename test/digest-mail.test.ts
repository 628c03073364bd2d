// The digest mail in headless Chromium: a real edition built from the Hugging Face list of
// 2024-10-25, rendered with images and remote content blocked (as many mail clients show it).
// At phone width nothing scrolls sideways; at desktop width it is a 600 px newsletter column.
// DIGEST_SCREENSHOT=1 also writes docs/screenshots/digest-mail.png.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { databases, type TestInstance } from './support/db.ts';
import { launchBrowser, noBrowser, ARTIFACTS, PHONE, type TestBrowser } from './support/browser.ts';
import { ROOT } from './support/paths.ts';
import { loadHfDay } from './digest-smtp.ts';

const dbk = databases[0];
describe(`the digest mail in Chromium (${dbk.name})`, { skip: noBrowser }, () => {
  let pb: TestInstance;
  let browser: TestBrowser;
  let mail: { subject: string; html: string; text: string };
  before(async () => {
    pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' });
    await loadHfDay(pb);
    await pb.digest.subscriptions.saveForUser(
      { id: 1, email: 'reader@example.org' },
      { frequency: 'daily', categories: [], keywords: ['video', 'reasoning'], authors: [], timeZone: 'Europe/Berlin' },
    );
    await pb.digest.build('daily', '2024-10-25');
    mail = await pb.digest.preview('reader@example.org');
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await pb?.dispose();
  });

  test('desktop: a 600 px column with every paper title, readable without images', async () => {
    const page = await browser.newPage('about:blank', { width: 760, height: 1000 });
    await page.setContent(mail.html, { waitUntil: 'load' });
    const box = await page.locator('table.container').boundingBox();
    assert.ok(box && Math.round(box.width) === 600, `container is ${box?.width}px`);
    const titles = await page.locator('a[style*="font-size:17px"]').allInnerTexts();
    assert.ok(titles.length >= 8, `${titles.length} titles`);
    assert.equal(await page.locator('img').count(), 0, 'no images needed');
    assert.match(await page.locator('body').innerText(), /Unsubscribe/);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'digest-mail-desktop.png'), fullPage: true });
    if (process.env.DIGEST_SCREENSHOT === '1') {
      await page.setViewportSize({ width: 760, height: 1400 });
      await page.screenshot({ path: join(ROOT, 'docs', 'screenshots', 'digest-mail.png'), fullPage: false });
    }
  });

  test('phone: one column, nothing scrolls sideways', async () => {
    const page = await browser.newPage('about:blank', PHONE);
    await page.setContent(mail.html, { waitUntil: 'load' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `scrolls sideways by ${overflow}px`);
    assert.equal(await page.locator('td.votes').first().isVisible(), false, 'the vote column folds away');
    await page.screenshot({ path: join(ARTIFACTS, 'digest-mail-phone.png'), fullPage: true });
  });
});
