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
      // The public URL is https: the cookies are __Host- prefixed and Secure whatever scheme the
      // request came by (a proxy may speak http to Paperboy), never decided by X-Forwarded-Proto.
      const c = b.setCookies.find((x) => x.startsWith('__Host-pb_session='))!;
      assert.match(c, /; Secure/);
      assert.ok(b.setCookies.some((x) => x.startsWith('__Host-pb_csrf=') && /; Secure/.test(x)));
      assert.ok(!b.setCookies.some((x) => x.startsWith('pb_session=')));
      assert.equal((await b.get('/welcome')).status, 200, 'signed in by the __Host- cookie (a first sign-in picks a username)');
      const spoofed = new Browser(srv.url);
      await spoofed.get('/signin', { 'x-forwarded-proto': 'http' });
      assert.ok(spoofed.setCookies.every((x) => /; Secure/.test(x)));
    });

    test('sign-in mails are limited per IP as well as per address', async () => {
      const b = new Browser(srv.url);
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await b.post('/signin', { email: `ip${i}@example.org` }, await b.get('/signin'))).status);
      // One per address per hour and four per IP (one was spent by the test above).
      assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
      const last = await b.post('/signin', { email: 'ip9@example.org' }, await b.get('/signin'));
      assert.match(last.body, /Too many sign-in mails from your network/);
      const again = await b.post('/signin', { email: 'smtp-user@example.org' }, await b.get('/signin'));
      assert.match(again.body, /Too many sign-in mails for this address/);
    });
  });
}
