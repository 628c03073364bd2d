// Digest settings for signed-in users (/settings/digest) and the admin preview (/admin/digests),
// through the real sign-in mail flow (file outbox).
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { Browser, signIn } from './support/community-client.ts';
import { loadHfDay } from './digest-smtp.ts';

for (const dbk of databases) {
  describe(`digest settings and admin preview on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      pb = await dbk.open({ PAPERBOY_BASE_URL: 'https://papers.example.org' });
      await loadHfDay(pb);
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
    });

    test('signed out: settings point to /subscribe; the admin page is refused', async () => {
      const b = new Browser(srv.url);
      const p = await b.get('/settings/digest');
      assert.equal(p.status, 401);
      assert.match(p.body, /href="\/subscribe"/);
      assert.equal((await b.get('/admin/digests')).status, 403);
    });

    test('a signed-in user subscribes from settings without a confirmation mail; an admin previews it', async () => {
      const b = new Browser(srv.url);
      await signIn(b, pb.dataDir, 'member@example.org', 'member');
      const form = await b.get('/settings/digest');
      assert.equal(form.status, 200);
      assert.match(form.body, /member@example\.org/);
      const saved = await b.post('/settings/digest', { action: 'save', frequency: 'weekly', keywords: 'reasoning', categories: '', authors: '', timeZone: 'Asia/Tokyo' }, form);
      assert.equal(saved.status, 200);
      assert.match(saved.body, /Saved/);
      const s = (await pb.digest.subscriptions.byEmail('member@example.org'))!;
      assert.equal(s.status, 'confirmed');
      assert.equal(s.frequency, 'weekly');
      assert.deepEqual(s.keywords, ['reasoning']);
      assert.equal(s.timeZone, 'Asia/Tokyo');
      const built = await pb.digest.build('weekly', '2024-10-25');
      assert.equal(built.deliveries, 1);

      assert.equal((await b.get('/admin/digests')).status, 403, 'a plain user is no admin');
      await pb.community.accounts.setRole('member@example.org', 'admin');
      const admin = await b.get('/admin/digests');
      assert.equal(admin.status, 200);
      const id = /href="\/admin\/digests\/(\d+)"/.exec(admin.body)![1];
      const preview = await b.get(`/admin/digests/${id}`);
      assert.equal(preview.status, 200);
      assert.match(preview.body, /<iframe class="digest-preview" sandbox=""/);
      assert.match(preview.body, /List-Unsubscribe-Post: List-Unsubscribe=One-Click/);

      const off = await b.post('/settings/digest', { action: 'unsubscribe' }, preview.body.includes('_csrf') ? preview : await b.get('/settings/digest'));
      assert.equal(off.status, 200);
      assert.equal((await pb.digest.subscriptions.byEmail('member@example.org'))!.status, 'unsubscribed');
    });
  });
}
