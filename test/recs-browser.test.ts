// "For you" in Chromium: the tab beside the daily list, the reason line on each recommended card,
// "Not interested" (the paper leaves the list), "More like this", and the first-visit screen.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { axeScan, launchBrowser, noBrowser, screenshot, seriousOf, type TestBrowser } from './support/browser.ts';
import { SESSION_COOKIE } from '../src/http/pages/community-session.ts';
import { Worker } from '../src/jobs/worker.ts';
import { registerRecsTasks, RECS_POOL_JOB, RECS_TRAIN_JOB } from '../src/jobs/tasks/recs.ts';
import type { PaperInput } from '../src/domain/paper.ts';

const TOPICS = {
  diffusion: ['denoising diffusion model', 'score-based diffusion sampler', 'latent diffusion image generation', 'diffusion noise schedule'],
  robots: ['robot grasping policy', 'legged robot locomotion', 'robot manipulation from demonstrations', 'mobile robot navigation'],
  language: [
    'language model instruction tuning',
    'machine translation with transformers',
    'question answering over documents',
    'tokenizer for language models',
  ],
};

function corpus(): { papers: PaperInput[]; listed: string[] } {
  const papers: PaperInput[] = [];
  const listed: string[] = [];
  let n = 0;
  for (const [topic, phrases] of Object.entries(TOPICS)) {
    for (let i = 0; i < 12; i++) {
      n++;
      const ph = phrases[i % phrases.length];
      const other = phrases[(i + 1) % phrases.length];
      const id = `2412.${String(10000 + n)}`;
      papers.push({
        arxivId: id,
        version: 1,
        title: `${ph[0].toUpperCase()}${ph.slice(1)}: study ${i + 1} in ${topic}`,
        abstract: `We study ${ph} and ${other}. Our ${topic} method improves ${ph} on standard benchmarks, and we analyse ${other} in depth.`,
        authors: [`${topic} Author ${i % 4}`, `Coauthor ${n}`],
        categories: [topic === 'robots' ? 'cs.RO' : topic === 'language' ? 'cs.CL' : 'cs.CV'],
        publishedAt: `2024-12-${String(10 + (i % 5)).padStart(2, '0')}T10:00:00Z`,
        source: 'test',
      });
      // The first four of each topic are older, off the list; the rest are on the latest day.
      if (i >= 4) listed.push(id);
    }
  }
  return { papers, listed };
}

describe('For you in Chromium', { skip: noBrowser }, () => {
  let pb: TestInstance;
  let srv: TestServer;
  let browser: TestBrowser;
  let worker: Worker;
  let listed: string[];
  const drain = async () => {
    while (await worker.runOnce());
  };
  before(async () => {
    pb = await databases[0].open({ SEARCH_EMBEDDER: 'none' });
    const c = corpus();
    listed = c.listed;
    await pb.stores.papers.upsertMany(c.papers);
    await pb.stores.daily.upsertMany(c.listed.map((arxivId) => ({ arxivId, day: '2024-12-16', source: 'arxiv', submittedAt: '2024-12-16T00:00:00Z' })));
    srv = await startServer(pb);
    browser = await launchBrowser();
    worker = new Worker(pb.jobs, pb.log, { names: [RECS_TRAIN_JOB, RECS_POOL_JOB] });
    registerRecsTasks(worker, pb);
    const user = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('reader@example.org'));
    // Three upvoted diffusion papers (older ones, not on the list).
    for (const id of ['2412.10001', '2412.10002', '2412.10003']) await pb.community.votes.set({ ...user, via: 'session' }, id, true, '127.0.0.1');
    await pb.recs.requestTraining(user.id);
    // The worker trains the model and builds the windows' candidate pools (as its schedule would).
    await pb.jobs.enqueue(RECS_POOL_JOB, {});
    await drain();
    const token = await pb.community.accounts.createSession(user.id);
    await browser.context.addCookies([{ name: SESSION_COOKIE, value: token, url: srv.url, httpOnly: true, sameSite: 'Lax' }]);
  });
  after(async () => {
    await browser?.close();
    await srv?.close();
    await pb?.dispose();
  });

  test('the For you tab beside the daily list, with a reason on every card', async () => {
    const page = await browser.newPage(srv.url);
    await page.goto(`${srv.url}/`);
    await page.click('ul.tabs a:has-text("For you")');
    await page.waitForURL(/\/for-you\?window=day$/);
    assert.equal(await page.locator('ul.tabs a[aria-current="page"]').textContent(), 'Today');
    const cards = page.locator('ol.cards li.card');
    assert.equal(await cards.count(), listed.length);
    const titles = await cards.locator('h2 a').allTextContents();
    assert.ok(
      titles.slice(0, 8).every((t) => /diffusion/i.test(t)),
      titles.join(' | '),
    );
    const reasons = await cards.locator('.reason .why').allTextContents();
    assert.ok(
      reasons.slice(0, 8).every((r) => /^Because you upvoted “.*diffusion/i.test(r)),
      reasons.join(' | '),
    );
    const serious = seriousOf(await axeScan(page));
    assert.deepEqual(serious, [], serious.join('\n'));
    await screenshot(page, 'for-you');
    await page.close();
  });

  test('"Not interested" takes the paper off the list', async () => {
    const page = await browser.newPage(srv.url);
    await page.goto(`${srv.url}/for-you?window=day`);
    const first = page.locator('ol.cards li.card').first();
    const title = await first.locator('h2 a').textContent();
    await Promise.all([page.waitForURL(/dismissed=1/), first.locator('.reason button:has-text("Not interested")').click()]);
    assert.match((await page.locator('.notice').textContent()) ?? '', /will not be recommended again/);
    const titles = await page.locator('ol.cards li.card h2 a').allTextContents();
    assert.ok(!titles.includes(title!), `${title} still listed`);
    assert.equal(titles.length, listed.length - 1);
    await page.close();
  });

  test('"More like this" on a card ranks papers of the same topic', async () => {
    const page = await browser.newPage(srv.url);
    await page.goto(`${srv.url}/`);
    const card = page.locator('ol.cards li.card', { hasText: 'robot' }).first();
    await Promise.all([page.waitForURL(/\/more-like-this\//), card.locator('a:has-text("More like this")').click()]);
    assert.match((await page.locator('h1').textContent()) ?? '', /^More like/);
    const titles = await page.locator('ol.cards li.card h2 a').allTextContents();
    assert.ok(titles.length >= 5);
    assert.ok(
      titles.slice(0, 5).every((t) => /robot/i.test(t)),
      titles.join(' | '),
    );
    assert.match((await page.locator('ol.cards li.card .reason').first().textContent()) ?? '', /^Like “/);
    await page.close();
  });

  test('first visit: pick papers, then the list follows them', async () => {
    const other = await pb.community.accounts.ensureUsername(await pb.community.accounts.findOrCreate('newcomer@example.org'));
    const ctx = await browser.context.browser()?.newContext();
    const page = ctx ? await ctx.newPage() : await browser.newPage(srv.url);
    await page
      .context()
      .addCookies([{ name: SESSION_COOKIE, value: await pb.community.accounts.createSession(other.id), url: srv.url, httpOnly: true, sameSite: 'Lax' }]);
    await page.goto(`${srv.url}/for-you`);
    assert.equal(await page.locator('#fv-h').textContent(), 'Tell Paperboy what you read');
    const seeds = page.locator('fieldset:has(legend:has-text("Papers you like")) label', { hasText: /language|translation|tokenizer|question/i });
    assert.ok((await seeds.count()) >= 2);
    await seeds.nth(0).locator('input').check();
    await seeds.nth(1).locator('input').check();
    await Promise.all([page.waitForURL(/saved=1/), page.click('.first-visit button[type="submit"]')]);
    await drain();
    await page.goto(`${srv.url}/for-you?window=day`);
    assert.equal(await page.locator('#fv-h').count(), 0, 'no first-visit screen once there are choices');
    const titles = await page.locator('ol.cards li.card h2 a').allTextContents();
    assert.ok(
      titles.slice(0, 4).every((t) => /language|translation|tokenizer|question/i.test(t)),
      titles.join(' | '),
    );
    assert.match((await page.locator('.reason .why').first().textContent()) ?? '', /^Because you picked “/);
    await page.close();
    await ctx?.close();
  });
});
