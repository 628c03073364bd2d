// Sign-in links through real SMTP (a loopback smtp-server parsing with mailparser), and the
// per-IP limit on sign-in mails.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { startSmtp, type TestSmtp } from './digest-smtp.ts';
import { Browser } from './support/community-client.ts';

for (const dbk of databases) {
  describe(`sign-in mail over SMTP on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    let smtp: TestSmtp;
    before(async () => {
      smtp = await startSmtp();
      pb = await dbk.open({ SMTP_URL: smtp.url, LIMIT_SIGNIN_MAILS_PER_HOUR: '1', PAPERBOY_BASE_URL: 'https://papers.example.org' });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv.close();
      await pb.dispose();
      await smtp.close();
    });

    test('the link arrives by SMTP, points at the public address, and signs in once', async () => {
      const b = new Browser(srv.url);
      const sent = await b.post('/signin', { email: 'smtp-user@example.org' }, await b.get('/signin'));
      assert.equal(sent.status, 200);
      const [mail] = await smtp.waitFor(1, (r) => r.to.includes('smtp-user@example.org'));
      assert.equal(mail.parsed.subject, 'Your Paperboy sign-in link');
      const link = mail.parsed.text!.match(/https:\/\/papers\.example\.org\/signin\/verify\?token=([\w-]+)/);
      assert.ok(link, mail.parsed.text);
      assert.match(mail.parsed.text!, /expires in 15 minutes/);
      assert.match(String(mail.parsed.html), /<a href="https:\/\/papers\.example\.org\/signin\/verify\?token=/);
      const confirm = await b.get(`/signin/verify?token=${link[1]}`);
      const done = await b.post('/signin/verify', { token: link[1] }, confirm);
      assert.equal(done.status, 303);
      // Over https (as the proxy tells us), the cookie is Secure.
      const c = b.setCookies.find((x) => x.startsWith('pb_session='))!;
      assert.doesNotMatch(c, /Secure/);
      const https = new Browser(srv.url);
      const form = await https.get('/signin', { 'x-forwarded-proto': 'https' });
      await https.post('/signin', { email: 'secure@example.org' }, form, { 'x-forwarded-proto': 'https' });
      const [m2] = await smtp.waitFor(1, (r) => r.to.includes('secure@example.org'));
      const t2 = m2.parsed.text!.match(/token=([\w-]+)/)![1];
      const conf2 = await https.get(`/signin/verify?token=${t2}`, { 'x-forwarded-proto': 'https' });
      await https.post('/signin/verify', { token: t2 }, conf2, { 'x-forwarded-proto': 'https' });
      assert.match(https.setCookies.find((x) => x.startsWith('pb_session='))!, /; Secure/);
    });

    test('sign-in mails are limited per IP as well as per address', async () => {
      const b = new Browser(srv.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await b.post('/signin', { email: `ip${i}@example.org` }, await b.get('/signin'))).status);
      // One per address per hour and four per IP (two were spent by the test above).
      assert.deepEqual(statuses, [200, 200, 429, 429, 429, 429]);
      const last = await b.post('/signin', { email: 'ip9@example.org' }, await b.get('/signin'));
      assert.match(last.body, /Too many sign-in mails from your network/);
      const again = await b.post('/signin', { email: 'smtp-user@example.org' }, await b.get('/signin'));
      assert.match(again.body, /Too many sign-in mails for this address/);
    });
  });
}
