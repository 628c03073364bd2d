// Hugging Face's own Python client (huggingface_hub's HfApi) pointed at a Paperboy instance. PyPI is
// out of reach here, so this test speaks exactly the requests its paper methods send and reads the
// answers the way its PaperInfo / User / PaperAuthor constructors do (src/huggingface_hub/hf_api.py:
// list_daily_papers, paper_info, list_papers, read_paper, PaperInfo.__init__), then checks that the
// objects are complete: titles, summaries, authors, upvotes, dates, submitter, AI fields.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { databases, type TestInstance } from './support/db.ts';
import { startServer, type TestServer } from './support/server.ts';
import { seedApi } from './support/api-seed.ts';

type Json = Record<string, any>;

/** What HfApi sends: its session's User-Agent, an optional token, params in its order with None dropped. */
async function hfGet(base: string, path: string, params: Record<string, string | number | undefined> = {}, token?: string) {
  const u = new URL(path, base);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, String(v));
  const headers: Record<string, string> = { 'user-agent': 'unknown/None; hf_hub/1.3.0; python/3.12.3', accept: '*/*', 'accept-encoding': 'gzip, deflate' };
  if (token) headers.authorization = `Bearer ${token}`;
  return fetch(u, { headers });
}

/** hf_raise_for_status: any 4xx/5xx raises; 400 → BadRequestError, others HfHubHTTPError with the server's message. */
async function raiseForStatus(res: Response): Promise<void> {
  if (res.status < 400) return;
  const body = await res.text();
  let message = res.headers.get('x-error-message') ?? '';
  try {
    message ||= (JSON.parse(body) as Json).error ?? '';
  } catch {
    /* not JSON */
  }
  const err = new Error(`${res.status} ${res.status === 400 ? 'BadRequestError' : 'HfHubHTTPError'}: ${message}`) as Error & { status: number };
  err.status = res.status;
  throw err;
}

/** huggingface_hub's User(**kwargs). */
function hfUser(k: Json) {
  return { username: k.user ?? '', fullname: k.fullname ?? '', avatar_url: k.avatarUrl ?? '', user_type: k.type ?? null };
}

/** huggingface_hub's PaperInfo(**kwargs), field for field (Python's short-circuit `or` is JavaScript's `||`). */
function paperInfo(kwargs: Json) {
  const k = { ...kwargs };
  const paper = { ...(k.paper ?? {}) };
  delete k.paper;
  const pop = (o: Json, key: string) => {
    const v = o[key];
    delete o[key];
    return v ?? null;
  };
  const id = pop(k, 'id') || pop(paper, 'id');
  const authors = (pop(paper, 'authors') || pop(k, 'authors')) as Json[] | null;
  const publishedAt = pop(paper, 'publishedAt') || pop(k, 'publishedAt');
  const info = {
    id,
    authors: authors ? authors.map((a) => ({ name: a.name ?? '', hidden: a.hidden ?? null })) : null,
    published_at: publishedAt ? new Date(publishedAt as string) : null,
    title: pop(k, 'title'),
    source: pop(k, 'source'),
    summary: pop(paper, 'summary') || pop(k, 'summary'),
    upvotes: pop(paper, 'upvotes') || pop(k, 'upvotes'),
    discussion_id: pop(paper, 'discussionId') || pop(k, 'discussionId'),
    comments: k.numComments ?? 0,
    submitted_at: null as Date | null,
    submitted_by: null as ReturnType<typeof hfUser> | null,
    ai_summary: null as unknown,
    ai_keywords: null as unknown,
    project_page: null as unknown,
    github_repo: null as unknown,
    github_stars: null as unknown,
  };
  delete k.numComments;
  const submittedAt = pop(k, 'publishedAt') || pop(k, 'submittedOnDailyAt');
  info.submitted_at = submittedAt ? new Date(submittedAt as string) : null;
  const by = (pop(k, 'submittedBy') || pop(k, 'submittedOnDailyBy')) as Json | null;
  info.submitted_by = by ? hfUser(by) : null;
  info.ai_summary = pop(k, 'ai_summary');
  info.ai_keywords = pop(k, 'ai_keywords');
  info.project_page = pop(k, 'projectPage');
  info.github_repo = pop(k, 'githubRepo');
  info.github_stars = pop(k, 'githubStars');
  return info;
}

type PaperInfo = ReturnType<typeof paperInfo>;

/** A complete object: what the issue asks every HfApi paper method to return. */
function assertComplete(p: PaperInfo, what: string) {
  assert.match(String(p.id), /^\d{4}\.\d{4,5}$/, `${what}: id`);
  assert.ok(typeof p.title === 'string' && p.title.length > 5, `${what}: title`);
  assert.ok(typeof p.summary === 'string' && p.summary.length > 50, `${what}: summary`);
  assert.ok(p.authors && p.authors.length > 0 && p.authors.every((a) => a.name), `${what}: authors`);
  assert.ok(p.published_at instanceof Date && !Number.isNaN(p.published_at.getTime()), `${what}: published_at`);
  assert.ok(p.discussion_id, `${what}: discussion_id`);
}

const TOKEN_FREE = undefined;

for (const dbk of databases) {
  describe(`HF's Python client against Paperboy on ${dbk.name}`, () => {
    let pb: TestInstance;
    let srv: TestServer;
    before(async () => {
      // A chat endpoint is named so that stored summaries are shown; nothing here calls it.
      pb = await dbk.open({ PAPERBOY_AI_URL: 'http://127.0.0.1:9/v1', PAPERBOY_AI_MODEL: 'test-model' });
      await seedApi(pb);
      const v = await pb.papers.get('2410.17243');
      await pb.agents.ai.store.save(v.paper.id, {
        summary: 'A tile-based computation of the contrastive loss removes the memory limit on batch size. Batches of millions fit on a few GPUs.',
        keywords: ['contrastive loss', 'batch size', 'GPU memory', 'tiling', 'ring communication'],
        model: 'test-model',
      });
      srv = await startServer(pb);
    });
    after(async () => {
      await srv?.close();
      await pb?.dispose();
    });

    const listDaily = async (params: { date?: string; week?: string; month?: string; submitter?: string; sort?: string; p?: number; limit?: number }) => {
      // HfApi.list_daily_papers builds params in this order, dropping None.
      const res = await hfGet(
        srv.url,
        '/api/daily_papers',
        { p: params.p, limit: params.limit, sort: params.sort, date: params.date, week: params.week, month: params.month, submitter: params.submitter },
        TOKEN_FREE,
      );
      await raiseForStatus(res);
      return ((await res.json()) as Json[]).map(paperInfo);
    };

    test('list_daily_papers(date=…) gives complete objects, submitter and counts included', async () => {
      const papers = await listDaily({ date: '2024-10-25' });
      assert.ok(papers.length >= 29, `${papers.length} papers`);
      for (const p of papers) assertComplete(p, p.id);
      const top = papers.find((p) => p.id === '2410.17243')!;
      assert.equal(top.title, 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss');
      assert.ok(Number(top.upvotes) >= 64);
      assert.equal(top.comments, 3);
      assert.equal(top.submitted_by?.username, 'ClownRat');
      assert.equal(top.submitted_by?.fullname, 'Zesen Cheng');
      assert.equal(top.submitted_at?.toISOString(), '2024-10-25T00:57:09.392Z');
      assert.equal(top.published_at?.toISOString(), '2024-10-22T17:59:30.000Z');
      assert.equal(
        top.ai_summary,
        'A tile-based computation of the contrastive loss removes the memory limit on batch size. Batches of millions fit on a few GPUs.',
      );
      assert.deepEqual(top.ai_keywords, ['contrastive loss', 'batch size', 'GPU memory', 'tiling', 'ring communication']);
    });

    test('list_daily_papers(): the latest day by default; week, month, submitter, p and limit', async () => {
      const latest = await listDaily({});
      assert.ok(latest.length > 0);
      for (const p of latest) assertComplete(p, p.id);
      const week = await listDaily({ week: '2024-W43' });
      assert.ok(week.length >= 29);
      for (const p of week) assert.ok(p.submitted_at! >= new Date('2024-10-18') && p.submitted_at! <= new Date('2024-10-28'), `${p.id} in the week`);
      const month = await listDaily({ month: '2024-10' });
      assert.ok(month.length >= week.length);
      const mine = await listDaily({ submitter: 'brando' });
      assert.deepEqual(mine.map((p) => p.id).sort(), ['2410.16429', '2410.18194']);
      assert.ok(mine.every((p) => p.submitted_by?.username === 'brando'));
      assert.equal((await listDaily({ date: '2024-10-25', p: 100 })).length, 0);
      assert.equal((await listDaily({ date: '2024-10-25', limit: 10 })).length, 10);
      const second = await listDaily({ date: '2024-10-25', limit: 10, p: 1 });
      assert.equal(second.length, 10);
      const first = await listDaily({ date: '2024-10-25', limit: 10 });
      assert.equal(new Set([...first, ...second].map((p) => p.id)).size, 20, 'pages do not overlap');
    });

    test('sort=trending ignores the date filters, as on Hugging Face; sort=publishedAt orders by submission', async () => {
      const trending = await listDaily({ sort: 'trending' });
      const withDate = await listDaily({ sort: 'trending', date: '2019-01-01' });
      const withMonth = await listDaily({ sort: 'trending', month: '2020-02' });
      assert.ok(trending.length > 0);
      assert.deepEqual(
        withDate.map((p) => p.id),
        trending.map((p) => p.id),
      );
      assert.deepEqual(
        withMonth.map((p) => p.id),
        trending.map((p) => p.id),
      );
      const byTime = await listDaily({ date: '2024-10-25', sort: 'publishedAt' });
      const times = byTime.map((p) => p.submitted_at!.getTime());
      assert.deepEqual(
        times,
        [...times].sort((a, b) => b - a),
      );
    });

    test('bad input is a 400 (BadRequestError), even with sort=trending', async () => {
      await assert.rejects(listDaily({ date: '2025-13-40' }), (e: Error & { status: number }) => e.status === 400 && /Invalid date/.test(e.message));
      await assert.rejects(listDaily({ week: '2024-W99' }), (e: Error & { status: number }) => e.status === 400);
      await assert.rejects(listDaily({ sort: 'trending', month: 'soon' }), (e: Error & { status: number }) => e.status === 400);
      await assert.rejects(listDaily({ sort: 'hot' }), (e: Error & { status: number }) => e.status === 400);
    });

    test('paper_info(id): a complete PaperInfo with title at the top level; 404 for an unknown paper', async () => {
      const res = await hfGet(srv.url, '/api/papers/2410.17243');
      await raiseForStatus(res);
      const p = paperInfo((await res.json()) as Json);
      assertComplete(p, 'paper_info');
      assert.equal(p.title, 'Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss');
      assert.ok(Number(p.upvotes) >= 64);
      assert.equal(p.authors?.[0].name, 'Zesen Cheng');
      assert.equal(p.ai_summary?.toString().startsWith('A tile-based computation'), true);
      const missing = await hfGet(srv.url, '/api/papers/1234.56789');
      assert.equal(missing.status, 404);
      await assert.rejects(raiseForStatus(missing), /404/);
    });

    test("list_papers(query=…, limit=…): items in HF's search shape, so PaperInfo has its title", async () => {
      const res = await hfGet(srv.url, '/api/papers/search', { q: 'contrastive loss batch size', limit: 2 });
      await raiseForStatus(res);
      const raw = (await res.json()) as Json[];
      assert.equal(raw.length, 2);
      for (const item of raw) {
        for (const k of ['paper', 'title', 'summary', 'publishedAt', 'thumbnail', 'numComments', 'highlights']) assert.ok(k in item, `search item has ${k}`);
      }
      assert.match(raw.find((i) => i.paper.id === '2410.17243')?.highlights.title ?? '', /<mark>Contrastive<\/mark>/);
      const papers = raw.map(paperInfo);
      for (const p of papers) assertComplete(p, `search ${p.id}`);
      assert.ok(papers.some((p) => p.id === '2410.17243'));
      // HfApi.list_papers() without a query sends no q: a 400 with a message, not a crash.
      const noQuery = await hfGet(srv.url, '/api/papers/search', {});
      assert.equal(noQuery.status, 400);
    });

    test('read_paper(id): GET /papers/<id>.md returns Markdown with the title and authors; 404 for an unknown paper', async () => {
      const res = await hfGet(srv.url, '/papers/2410.17243.md');
      await raiseForStatus(res);
      assert.match(res.headers.get('content-type') ?? '', /^text\/markdown/);
      const md = await res.text();
      assert.match(md, /^# Breaking the Memory Barrier: Near Infinite Batch Size Scaling for Contrastive Loss/);
      assert.match(md, /Zesen Cheng, Hang Zhang, Kehan Li/);
      assert.match(md, /## Abstract\n\nContrastive loss is a powerful approach/);
      assert.match(md, /## AI summary[\s\S]*test-model[\s\S]*tile-based computation/);
      const missing = await hfGet(srv.url, '/papers/1234.56789.md');
      assert.equal(missing.status, 404);
      assert.match(missing.headers.get('x-error-message') ?? '', /not on this instance/);
    });
  });
}
