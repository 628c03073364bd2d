// The whole digest flow against a real SMTP server on loopback: subscribe → confirmation mail →
// confirm → build → send → digest with both parts and the right papers → one-click unsubscribe;
// and a second build + send of the same edition sends nothing.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { startSmtp, loadHfDay, type TestSmtp } from './digest-smtp.ts';

const BASE = 'https://papers.example.org';
const DAY = '2024-10-25'; // a Friday: the sample's Hugging Face daily list

/** A browser-ish client: keeps cookies, reads the CSRF field of a form. */
function client(srv: TestServer) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  async function req(path: string, init: RequestInit = {}) {
    const r = await fetch(srv.url + path, { ...init, redirect: 'manual', headers: { ...(init.headers as object), cookie: cookie() } });
    for (const c of r.headers.getSetCookie()) {
      const [kv] = c.split(';');
      const i = kv.indexOf('=');
      jar.set(kv.slice(0, i), kv.slice(i + 1));
    }
    return r;
  }
  return {
    get: (path: string) => req(path),
    post: (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
      req(path, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() }),
  };
}

const csrfOf = (body: string) => /name="_csrf" value="([^"]+)"/.exec(body)?.[1] ?? '';
/** Our links point at the public URL; the test server listens elsewhere. */
const local = (url: string) => url.replace(BASE, '');

for (const dbk of databases) {
  describe(`digest flow on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startSmtp();
      pb = await dbk.open(
        { PAPERBOY_BASE_URL: BASE, SMTP_URL: smtp.url, MAIL_FROM: 'Paperboy <digest@papers.example.org>', MAIL_REPLY_TO: 'help@papers.example.org', DIGEST_RATE: '100' },
      );
      await loadHfDay(pb);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
      await smtp?.close();
    });

    test('the daily page offers the subscribe box, /subscribe the full form', async () => {
      const c = client(srv);
      const daily = await (await c.get(`/papers/date/${DAY}`)).text();
      assert.match(daily, /Get trending papers in your inbox/);
      assert.match(daily, /<form action="\/subscribe" method="post">/);
      const r = await c.get('/subscribe');
      assert.equal(r.status, 200);
      const body = await r.text();
      assert.ok(csrfOf(body), 'the form carries a CSRF field');
      for (const f of ['email', 'frequency', 'categories', 'keywords', 'authors', 'timeZone']) assert.match(body, new RegExp(`name="${f}"`));
    });

    test('subscribe, confirm, build, send, receive, one-click unsubscribe; a second run sends nothing', async () => {
      const c = client(srv);
      const email = 'reader@example.net';
      const form = (await (await c.get('/subscribe')).text());
      const fields = { _csrf: csrfOf(form), email: 'Reader@Example.net', frequency: 'daily', categories: 'cs.CL', keywords: 'hallucination', authors: '', timeZone: 'Europe/Berlin' };

      // A POST from another site (no CSRF token, a foreign Origin) subscribes nobody.
      const forged = await client(srv).post('/subscribe', { ...fields, _csrf: '' }, { origin: 'https://elsewhere.example' });
      assert.equal(forged.status, 403);

      const r1 = await c.post('/subscribe', fields);
      assert.equal(r1.status, 200);
      const page1 = await r1.text();
      assert.match(page1, /Check your inbox/);

      const [confirmation] = await smtp.waitFor(1, (m) => m.to.includes(email));
      assert.match(confirmation.parsed.subject ?? '', /Confirm your daily Paperboy digest/);
      assert.ok(confirmation.parsed.text && confirmation.parsed.html, 'the confirmation has both parts');
      const link = /https:\/\/papers\.example\.org\/subscribe\/confirm\/[\w-]+/.exec(confirmation.parsed.text!)![0];

      // Asking again within the window: the very same answer, and no second mail.
      const r2 = await c.post('/subscribe', { ...fields, _csrf: csrfOf(form) });
      assert.equal(r2.status, 200);
      assert.equal((await r2.text()).replace(/\s+/g, ' ').match(/<main[\s\S]*<\/main>/)?.[0], page1.replace(/\s+/g, ' ').match(/<main[\s\S]*<\/main>/)?.[0]);
      const row = await pb.db.kysely.selectFrom('digest_subscribers').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
      assert.equal(row.status, 'pending');

      // Nothing is built for an unconfirmed address.
      const dry = await pb.digest.build('daily', DAY, { dryRun: true });
      assert.equal(dry.subscribers, 0);

      const confirmPage = await c.get(local(link));
      assert.equal(confirmPage.status, 200);
      const confirmBody = await confirmPage.text();
      assert.match(confirmBody, /reader@example\.net/);
      const done = await c.post(local(link), { _csrf: csrfOf(confirmBody) });
      assert.equal(done.status, 200);
      assert.match(await done.text(), /You are subscribed/);
      // The link is single-use.
      assert.equal((await c.get(local(link))).status, 410);

      const built = await pb.digest.build('daily', DAY);
      assert.equal(built.subscribers, 1);
      assert.equal(built.deliveries, 1);
      const sent = await pb.digest.send();
      assert.equal(sent.sent, 1);

      const [digest] = await smtp.waitFor(1, (m) => m.to.includes(email) && /Trending papers/.test(m.parsed.subject ?? ''));
      const p = digest.parsed;
      assert.ok(p.text && p.html, 'multipart: text and HTML');
      // The right papers: the day's five most upvoted, in order, and the keyword match marked as such.
      const top = (await pb.papers.list({ kind: 'day', day: DAY }, { limit: 5, offset: 0 })).items.map((i) => i.paper);
      let at = -1;
      for (const paper of top) {
        const i = p.text!.indexOf(`${BASE}/papers/${paper.arxivId}`);
        assert.ok(i > at, `${paper.arxivId} in order`);
        at = i;
        assert.ok((p.html as string).includes(`${BASE}/papers/${paper.arxivId}`));
      }
      const delivery = await pb.db.kysely.selectFrom('digest_deliveries').selectAll().executeTakeFirstOrThrow();
      const chosen = JSON.parse(delivery.papers_json) as { top: number[]; personal: [number, string][] };
      assert.deepEqual(chosen.top, top.map((x) => x.id));
      assert.ok(chosen.personal.some(([, why]) => why === 'search: hallucination'), 'the saved search matched');
      for (const [id] of chosen.personal) {
        const paper = (await pb.stores.papers.byIds([id])).get(id)!;
        assert.ok(p.text!.includes(paper.arxivId));
      }
      // Headers that make it land.
      assert.equal(p.messageId, delivery.message_id);
      assert.equal(p.from?.value[0].address, 'digest@papers.example.org');
      assert.equal(p.replyTo?.value[0].address, 'help@papers.example.org');
      // The raw header lines, unfolded, as a mail provider reads them.
      const header = (k: string) => p.headerLines.find((h) => h.key === k)?.line.replace(/\r?\n[ \t]+/g, ' ').replace(/^[^:]+:\s*/, '');
      assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      const lu = header('list-unsubscribe')!;
      const unsubscribeUrl = /<(https:[^>]+)>/.exec(lu)![1];
      assert.match(unsubscribeUrl, /^https:\/\/papers\.example\.org\/unsubscribe\/\d+\.[\w-]{32}$/);
      assert.match(lu, /<mailto:help@papers\.example\.org\?subject=unsubscribe%20[\w.-]+>/);

      // The same edition again: nothing new is built, nothing is sent.
      const again = await pb.digest.build('daily', DAY);
      assert.equal(again.deliveries, 0);
      assert.equal(again.existing, 1);
      const sentAgain = await pb.digest.send();
      assert.equal(sentAgain.claimed, 0);
      assert.equal(smtp.to(email).length, 2, 'one confirmation and one digest');

      // A bad token changes nothing; the one-click POST (no cookie, no CSRF) unsubscribes.
      assert.equal((await fetch(srv.url + local(unsubscribeUrl).replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')), { method: 'POST' })).status, 404);
      const getPage = await fetch(srv.url + local(unsubscribeUrl));
      assert.equal(getPage.status, 200, 'GET only shows the confirm button');
      assert.equal((await pb.digest.subscriptions.byEmail(email))!.status, 'confirmed');
      const oneClick = await fetch(srv.url + local(unsubscribeUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'List-Unsubscribe=One-Click',
      });
      assert.equal(oneClick.status, 200);
      assert.equal((await pb.digest.subscriptions.byEmail(email))!.status, 'unsubscribed');
      const weekly = await pb.digest.build('weekly', DAY, { dryRun: true });
      assert.equal(weekly.subscribers, 0);
    });

    test('bad input is a clear 400, and the page never says whether an address exists', async () => {
      const c = client(srv);
      const form = await (await c.get('/subscribe')).text();
      const bad = await c.post('/subscribe', { _csrf: csrfOf(form), email: 'not-an-address', frequency: 'daily', timeZone: 'UTC' });
      assert.equal(bad.status, 400);
      const badTz = await c.post('/subscribe', { _csrf: csrfOf(form), email: 'x@example.org', frequency: 'daily', timeZone: 'Mars/Olympus' });
      assert.equal(badTz.status, 400);
      assert.match(await badTz.text(), /Unknown time zone/);
    });

    test('no paper reaches a subscriber twice, across editions; followed authors are matched', async () => {
      const prefs = { frequency: 'daily' as const, categories: [], keywords: [], authors: [], timeZone: 'UTC' };
      const old = await pb.digest.subscriptions.saveForUser({ id: 9001, email: 'twice@example.org' }, prefs);
      const d1 = await pb.digest.build('daily', DAY);
      assert.ok(d1.deliveries >= 1);
      const got = new Set(
        (await pb.db.kysely.selectFrom('digest_sent_papers').select('paper_id').where('subscriber_id', '=', old.id).execute()).map((r) => r.paper_id),
      );
      assert.ok(got.size > 0);
      // A newcomer who follows an author of a paper low on the list.
      const list = (await pb.papers.list({ kind: 'day', day: DAY }, { limit: 100, offset: 0 })).items;
      const author = list[list.length - 1].paper.authors[0];
      const fresh = await pb.digest.subscriptions.saveForUser({ id: 9002, email: 'new@example.org' }, { ...prefs, authors: [author] });
      // Monday's edition has no list of its own; its trending papers are Friday's most upvoted.
      const d2 = await pb.digest.build('daily', '2024-10-28');
      assert.ok(d2.trending > 0);
      const rows = await pb.db.kysely
        .selectFrom('digest_deliveries as d')
        .innerJoin('digest_editions as e', 'e.id', 'd.edition_id')
        .select(['d.subscriber_id', 'd.papers_json'])
        .where('e.edition_key', '=', '2024-10-28')
        .execute();
      assert.ok(!rows.some((r) => r.subscriber_id === old.id), 'everything trending was already sent to the old subscriber');
      const mine = rows.find((r) => r.subscriber_id === fresh.id);
      assert.ok(mine, 'the newcomer gets the trending papers');
      const chosen = JSON.parse(mine.papers_json) as { trending: number[] };
      assert.ok(chosen.trending.every((id) => got.has(id)), 'the same papers the old subscriber already had');
      // And Friday's edition gave the newcomer the followed author's paper.
      const fri = await pb.digest.build('daily', DAY);
      assert.equal(fri.deliveries, 1);
      const friRow = await pb.db.kysely
        .selectFrom('digest_deliveries')
        .select('papers_json')
        .where('subscriber_id', '=', fresh.id)
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      const personal = (JSON.parse(friRow.papers_json) as { personal: [number, string][] }).personal;
      assert.ok(personal.some(([id, why]) => id === list[list.length - 1].paper.id && why === `author: ${author}`));
      // Weekends have no daily edition.
      assert.match((await pb.digest.build('daily', '2024-10-26')).skipped ?? '', /not an arXiv announcement day/);
    });
  });
}
