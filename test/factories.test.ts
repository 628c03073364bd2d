// The test factories (test/support/factories.ts) make real rows through the stores and services,
// on each database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { paper, papers, subscriber, user } from './support/factories.ts';

for (const dbk of databases) {
  describe(`test factories (${dbk.name})`, () => {
    let pb: TestInstance;
    before(async () => {
      pb = await dbk.open();
    });
    after(async () => {
      await pb?.dispose();
    });

    it('paper() and papers() store searchable papers with fresh ids', async () => {
      const p = await paper(pb, { title: 'Factories Make Honest Fixtures' });
      assert.match(p.arxivId, /^2401\.\d{5}$/);
      assert.equal(p.title, 'Factories Make Honest Fixtures');
      const more = await papers(pb, 3, (i) => ({ categories: [i ? 'cs.CL' : 'cs.IR'] }));
      assert.equal(new Set([p.arxivId, ...more.map((m) => m.arxivId)]).size, 4);
      assert.deepEqual(more[0].categories, ['cs.IR']);
      const found = await pb.search.search({ q: 'honest fixtures', mode: 'lexical' });
      assert.equal(found.hits[0]?.paper.arxivId, p.arxivId);
    });

    it('user() makes an account with a username and a role', async () => {
      const u = await user(pb, { role: 'curator' });
      assert.equal(u.role, 'curator');
      assert.ok(u.username);
      assert.equal((await pb.community.accounts.byEmail(u.email))?.id, u.id);
    });

    it('subscriber() makes a confirmed subscriber owned by a user', async () => {
      const s = await subscriber(pb, { keywords: ['retrieval'], frequency: 'weekly' });
      assert.equal(s.status, 'confirmed');
      assert.deepEqual(s.keywords, ['retrieval']);
      assert.equal(s.frequency, 'weekly');
      assert.equal((await pb.digest.subscriptions.byEmail(s.email))?.id, s.id);
      assert.ok(s.userId);
    });
  });
}
