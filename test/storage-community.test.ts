// Repository tests of the community and digest stores (src/storage/{users,votes,comments,collections,
// trending,digest-subscribers,digest,lease}.ts), on both databases: each store's statements do what
// the services rely on, including the conditional updates that make links, leases and counters safe.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import type { PaperInput } from '../src/domain/paper.ts';
import type { PrefColumns } from '../src/storage/digest-subscribers.ts';

const paper = (n: number): PaperInput => ({
  arxivId: `2410.${String(10000 + n)}`,
  version: 1,
  title: `Paper ${n}`,
  abstract: `Abstract ${n}.`,
  authors: [`Author ${n}`],
  categories: ['cs.LG'],
  publishedAt: '2024-10-22T00:00:00.000Z',
  source: 'test',
});

const T0 = '2024-10-25T12:00:00.000Z';
const at = (minutes: number) => new Date(Date.parse(T0) + minutes * 60_000).toISOString();
const prefs: PrefColumns = { frequency: 'daily', categories_json: '["cs.LG"]', keywords_json: '[]', authors_json: '[]', time_zone: 'UTC' };

for (const dbk of databases) {
  describe(`community and digest stores on ${dbk.name}`, () => {
    let pb: TestInstance;
    let ids: number[];
    before(async () => {
      pb = await dbk.open();
      await pb.stores.papers.upsertMany([1, 2, 3].map(paper));
      ids = [];
      for (const n of [1, 2, 3]) ids.push((await pb.stores.papers.byArxivId(paper(n).arxivId))!.id);
    });
    after(async () => {
      await pb.dispose();
    });

    test('users: one row per address; a username is set only where none is; links and tokens are single-use', async () => {
      const s = pb.stores.users;
      const a = await s.findOrCreate('ada@example.org', T0);
      assert.equal((await s.findOrCreate('ada@example.org', at(5))).id, a.id);
      assert.equal(a.role, 'user');
      assert.equal(await s.usernameTaken('ada'), false);
      await s.setUsernameIfNone(a.id, 'ada', 'Ada');
      await s.setUsernameIfNone(a.id, 'other', 'Other');
      assert.equal((await s.byUsername('ada'))?.id, a.id);
      assert.equal(await s.usernameTaken('ada'), true);

      await s.insertLink({ tokenHash: 'h1', email: a.email, nextPath: '/x', pending: null, createdAt: T0, expiresAt: at(15) });
      const link = (await s.linkByHash('h1'))!;
      assert.equal(link.next_path, '/x');
      assert.equal(await s.useLink(link.id, at(1)), true);
      assert.equal(await s.useLink(link.id, at(2)), false, 'a second use of the link changes nothing');

      await s.insertSession({ tokenHash: 's1', userId: a.id, createdAt: T0, expiresAt: at(60), userAgent: null });
      assert.equal((await s.sessionUser('s1', at(30)))?.email, 'ada@example.org');
      assert.equal(await s.sessionUser('s1', at(61)), undefined, 'an expired session finds no one');
      assert.equal(await s.deleteSessionsOf(a.id), 1);

      const tid = await s.insertToken({ userId: a.id, name: 'cli', tokenHash: 't1', createdAt: T0, scopes: 'read vote', expiresAt: null });
      assert.equal((await s.tokenUser('t1'))?.t_scopes, 'read vote');
      assert.equal(await s.revokeToken(a.id + 1000, tid, at(1)), false, "another user's token is not theirs to revoke");
      assert.equal(await s.revokeToken(a.id, tid, at(1)), true);
      assert.equal(await s.revokeToken(a.id, tid, at(2)), false);
      assert.equal(await s.tokenUser('t1'), undefined);
      assert.equal((await s.listTokens(a.id))[0].revoked_at, at(1));
    });

    test('votes: the counter moves only when the vote row changes', async () => {
      const u = await pb.stores.users.findOrCreate('voter@example.org', T0);
      const v = pb.stores.votes;
      const before = (await pb.stores.papers.byArxivId(paper(1).arxivId))!.localUpvotes;
      assert.equal(await v.add(u.id, ids[0], T0), true);
      assert.equal(await v.add(u.id, ids[0], at(1)), false);
      assert.equal((await pb.stores.papers.byArxivId(paper(1).arxivId))!.localUpvotes, before + 1);
      assert.deepEqual(await v.votedAmong(u.id, ids), [ids[0]]);
      assert.deepEqual(await v.votedAmong(u.id, []), []);
      await v.add(u.id, ids[1], at(2));
      assert.deepEqual(await v.recentIds(u.id, 10), [ids[1], ids[0]]);
      assert.deepEqual(
        (await v.papersOf(u.id, 1)).map((p) => p.id),
        [ids[1]],
      );
      assert.equal(await v.remove(u.id, ids[0]), true);
      assert.equal(await v.remove(u.id, ids[0]), false);
      assert.equal((await pb.stores.papers.byArxivId(paper(1).arxivId))!.localUpvotes, before);
    });

    test('comments: num_comments counts the visible ones through insert, hide, show and delete', async () => {
      const u = await pb.stores.users.findOrCreate('writer@example.org', T0);
      const c = pb.stores.comments;
      const count = async () => (await pb.stores.papers.byArxivId(paper(2).arxivId))!.numComments;
      const id = await c.insert({ paperId: ids[1], userId: u.id, parentId: null, bodyMd: 'hi', bodyHtml: '<p>hi</p>', createdAt: T0 });
      const reply = await c.insert({ paperId: ids[1], userId: u.id, parentId: id, bodyMd: 'yo', bodyHtml: '<p>yo</p>', createdAt: at(1) });
      assert.equal(await count(), 2);
      await c.updateBody(reply, 'yo!', '<p>yo!</p>', at(2));
      assert.equal((await c.one(reply))?.body_md, 'yo!');
      assert.equal((await c.one(reply))?.edited_at, at(2));

      const reporter = await pb.stores.users.findOrCreate('reporter@example.org', T0);
      assert.equal(await c.report(id, reporter.id, 'spam', at(3)), true);
      assert.equal(await c.report(id, reporter.id, 'spam again', at(4)), false);
      assert.equal((await c.openReports(10)).length, 1);
      await c.setHidden({ id, paperId: ids[1], deleted: false }, { by: reporter.id, at: at(5) });
      assert.equal(await count(), 1);
      assert.equal((await c.openReports(10)).length, 0, 'hiding resolves the reports');
      await c.setHidden({ id, paperId: ids[1], deleted: false }, null);
      assert.equal(await count(), 2);
      await c.softDelete({ id: reply, paperId: ids[1], counted: true }, at(6));
      assert.equal(await count(), 1);
      const rows = await c.forPaper(ids[1]);
      assert.deepEqual(
        rows.map((r) => [r.id, !!r.deleted_at]),
        [
          [id, false],
          [reply, true],
        ],
      );
      assert.equal(rows[0].username, null);
    });

    test('collections: items with notes, sizes, privacy and the non-empty public list', async () => {
      const u = await pb.stores.users.findOrCreate('reader@example.org', T0);
      const s = pb.stores.collections;
      const priv = await s.insert({ userId: u.id, name: 'Mine', description: null, isPublic: false, at: T0 });
      const pub = await s.insert({ userId: u.id, name: 'Shared', description: 'd', isPublic: true, at: T0 });
      await s.putItem(pub, ids[0], 'first', at(1));
      await s.putItem(pub, ids[0], 'note changed', at(2));
      await s.putItem(pub, ids[2], null, at(3));
      await s.putItem(priv, ids[0], null, at(4));
      const items = await s.items(pub);
      assert.deepEqual(
        items.map((i) => [i.paper.id, i.note]),
        [
          [ids[2], null],
          [ids[0], 'note changed'],
        ],
      );
      assert.deepEqual(
        (await s.ofUser(u.id, true)).map((c) => [c.name, c.count]),
        [
          ['Mine', 1],
          ['Shared', 2],
        ],
      );
      assert.deepEqual(
        (await s.ofUser(u.id, false)).map((c) => c.name),
        ['Shared'],
      );
      assert.deepEqual((await s.containing(u.id, ids[0])).sort(), [priv, pub].sort());
      assert.deepEqual(
        (await s.publicNonEmpty(10, 0)).map((c) => c.id),
        [pub],
      );
      await s.deleteItem(pub, ids[2], at(5));
      assert.equal((await s.find(pub))?.updatedAt, at(5));
      await s.update(pub, { name: 'Renamed', description: null, isPublic: false, at: at(6) });
      assert.deepEqual(await s.publicNonEmpty(10, 0), []);
      await s.delete(pub);
      assert.equal(await s.find(pub), undefined);
      assert.deepEqual(await s.items(pub), []);
    });

    test('trending: signals in a window, star snapshots, and a cached ranking replaced whole', async () => {
      const s = pb.stores.trending;
      const u = await pb.stores.users.findOrCreate('fan@example.org', T0);
      await pb.stores.votes.add(u.id, ids[2], at(10));
      await pb.db.kysely.updateTable('papers').set({ github_stars: 10 }).where('id', '=', ids[2]).execute();
      await s.snapshotStars('2024-10-25');
      await pb.db.kysely.updateTable('papers').set({ github_stars: 25 }).where('id', '=', ids[2]).execute();
      const sig = await s.signals(at(0), at(60), '2024-10-25');
      assert.deepEqual(
        sig.votes.filter((v) => v.paper_id === ids[2]).map((v) => Number(v.n)),
        [1],
      );
      const star = sig.stars.find((x) => x.paper_id === ids[2])!;
      assert.equal(Number(star.now) - Number(star.first), 15);
      assert.equal((await s.signals(at(11), at(60), '2024-10-26')).votes.length, 0, 'outside the window nothing counts');
      const origins = await s.ageOrigins([ids[2]]);
      assert.equal(origins.get(ids[2]), '2024-10-22T00:00:00.000Z', 'an unlisted paper ages from its publication');

      const row = (paperId: number, rank: number) => ({ paperId, rank, score: 1 / rank, upvotes: 1, comments: 0, starsGained: null, ageHours: 5 });
      await s.replace('week', [row(ids[2], 1), row(ids[0], 2)], at(20));
      await s.replace('week', [row(ids[0], 1)], at(30));
      const list = await s.list('week', 10, 0);
      assert.deepEqual(
        list.map((r) => [r.paper.id, r.rank, r.computedAt]),
        [[ids[0], 1, at(30)]],
      );
      assert.equal(await s.computedAt('week'), at(30));
      assert.equal(await s.computedAt('day'), null);
    });

    test('digest subscribers: one confirmation mail per window, a link confirms once, suspension sticks', async () => {
      const s = pb.stores.subscribers;
      const row = await s.insertPending('sub@example.org', prefs, T0);
      assert.equal((await s.insertPending('sub@example.org', { ...prefs, frequency: 'weekly' }, at(1))).frequency, 'daily');
      assert.equal(await s.claimConfirmation(row.id, { tokenHash: 'c1', iso: T0, expiresAt: at(60), pendingJson: '{}' }), true);
      assert.equal(await s.claimConfirmation(row.id, { tokenHash: 'c2', iso: at(5), expiresAt: at(65), pendingJson: '{}' }), false);
      assert.equal(await s.byConfirmHash('c1', at(61)), undefined, 'an expired link finds no one');
      const found = (await s.byConfirmHash('c1', at(10)))!;
      await s.confirm(found, { ...prefs, frequency: 'weekly' }, at(10));
      await s.confirm(found, prefs, at(11)); // the link was used: nothing changes
      const confirmed = (await s.get(row.id))!;
      assert.equal(confirmed.status, 'confirmed');
      assert.equal(confirmed.frequency, 'weekly');
      assert.equal(confirmed.confirm_token_hash, null);
      assert.deepEqual(
        (await s.confirmedPage('weekly', 0, 10)).map((r) => r.id),
        [row.id],
      );
      await s.unsubscribe(row.id, at(20));
      assert.equal((await s.get(row.id))!.status, 'unsubscribed');
      await s.savePrefs(row.id, prefs, at(21));
      assert.equal((await s.get(row.id))!.status, 'confirmed');
      await s.suspend(row.id, '550 no such user', at(22));
      await s.savePrefs(row.id, prefs, at(23));
      assert.equal((await s.get(row.id))!.status, 'suspended', 'saving preferences does not lift a suspension');

      const u = await pb.stores.users.findOrCreate('member@example.org', T0);
      const mine = await s.upsertForUser('member@example.org', u.id, prefs, T0);
      assert.equal(mine.status, 'confirmed');
      assert.equal((await s.byUserId(u.id))?.id, mine.id);
      const counts = await s.countByStatus();
      assert.equal(counts.confirmed, 1);
      assert.equal(counts.suspended, 1);
    });

    test('digest deliveries: inserted once per edition, claimed by one sender at a time, lease expiry hands them on', async () => {
      const d = pb.stores.digests;
      const sub = await pb.stores.subscribers.upsertForUser('lease@example.org', (await pb.stores.users.findOrCreate('lease@example.org', T0)).id, prefs, T0);
      const edition = await d.ensureEdition({ kind: 'daily', key: '2024-10-25', from: '2024-10-24', to: '2024-10-25', commonJson: '{}', builtAt: T0 });
      assert.equal(await d.ensureEdition({ kind: 'daily', key: '2024-10-25', from: 'x', to: 'y', commonJson: '{}', builtAt: at(1) }), edition);
      const batch = [
        { subscriberId: sub.id, papersJson: '{"top":[],"trending":[],"personal":[]}', sendAfter: T0, messageId: '<m1@test>', paperIds: [ids[0], ids[1]] },
      ];
      assert.equal(await d.insertDeliveries(edition, T0, batch), 1);
      assert.equal(await d.insertDeliveries(edition, T0, batch), 0, 'a second build adds nothing');
      await d.countDeliveries(edition);
      assert.equal((await d.edition(edition)).deliveries, 1);
      assert.deepEqual(await d.subscribersOf(edition), [sub.id]);
      assert.deepEqual([...((await d.sentAmong(ids)).get(sub.id) ?? [])].sort(), [ids[0], ids[1]].sort());

      assert.deepEqual(await d.claim('w1', 10, at(-1), at(4)), [], 'not due yet');
      const [claimed] = await d.claim('w1', 10, T0, at(5));
      assert.equal(claimed.status, 'sending');
      assert.equal(claimed.locked_by, 'w1');
      assert.equal(claimed.attempts, 1);
      assert.deepEqual(await d.claim('w2', 10, at(1), at(6)), [], 'held under a live lease');
      const [taken] = await d.claim('w2', 10, at(6), at(11));
      assert.equal(taken.locked_by, 'w2', 'an expired lease hands the delivery on');
      assert.equal(taken.attempts, 2);
      assert.equal(await d.renewLease(taken.id, 'w1', at(12)), false, 'the first sender lost it');
      assert.equal(await d.renewLease(taken.id, 'w2', at(12)), true);

      await d.setLog({ messageId: '<m1@test>', deliveryId: taken.id, recipient: 'lease@example.org', state: 'prepared', response: null, at: at(7) });
      await d.setLog({ messageId: '<m1@test>', deliveryId: taken.id, recipient: 'lease@example.org', state: 'accepted', response: '250 ok', at: at(8) });
      assert.equal((await d.logFor('<m1@test>'))?.state, 'accepted');
      await d.retryLater(taken.id, at(30), '421 busy', at(8));
      assert.equal((await d.delivery(taken.id))?.status, 'pending');
      const [again] = await d.claim('w3', 10, at(31), at(36));
      await d.releaseHeld('w3');
      assert.equal((await d.delivery(again.id))?.status, 'pending', 'a stopped sender gives its rows back');
      await d.finish(again.id, 'failed', at(40), { last_error: 'gave up' });
      await d.releasePapers(again.id, sub.id, [ids[0], ids[1]]);
      assert.equal((await d.sentAmong(ids)).get(sub.id), undefined, 'a failed delivery frees its papers');
      assert.equal((await d.latestDeliveryFor(sub.id))?.id, again.id);
      assert.deepEqual(await d.countByStatus(), { failed: 1 });
      assert.equal((await d.recent(5))[0].email, 'lease@example.org');
    });

    test('the lease helper claims each job once when two workers race', async () => {
      for (let i = 0; i < 6; i++) await pb.jobs.enqueue('t.race', { i });
      const got = await Promise.all(Array.from({ length: 8 }, (_, w) => pb.jobs.claim(`w${w}`, 60_000, ['t.race'])));
      const claimed = got.filter((j) => j !== undefined).map((j) => j!.id);
      assert.equal(claimed.length, 6);
      assert.equal(new Set(claimed).size, 6, 'no job is claimed twice');
    });
  });
}
