// The "For you" pages: the reader's ranked list (latest day, week or month of the daily list) with
// a reason on every card and a "Not interested" button, the first-visit screen (categories,
// authors, seed papers), the private feed token, and "More like this" for any paper.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { paperCard } from '../present/cards.ts';
import { assertCsrf } from '../csrf.ts';
import { errors } from '../../domain/errors.ts';
import type { Recommendation, RecWindow } from '../../services/recs.ts';
import { bodyOf, viewerOrRedirect, type RequestViewer } from './community-session.ts';
import { csrfInput, notice } from './community-account.ts';

const WINDOWS: { w: RecWindow; label: string }[] = [
  { w: 'day', label: 'Today' },
  { w: 'week', label: 'This week' },
  { w: 'month', label: 'This month' },
];

function windowOf(req: FastifyRequest): RecWindow {
  const w = String((req.query as { window?: string }).window ?? 'week');
  if (w === 'day' || w === 'week' || w === 'month') return w;
  throw errors.badRequest('window must be day, week or month.');
}

/** Values of a form field that may repeat (checkboxes), bounded. */
function many(v: unknown, max = 50): string[] {
  const xs = Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v];
  return xs.slice(0, max).map((x) => String(x).slice(0, 200));
}

function recCard(r: Recommendation, v: RequestViewer, window: RecWindow, dismiss = true): SafeHtml {
  const note = html`<div class="reason">
    <span class="why">${r.reason}</span>${
      dismiss && v.csrf
        ? html`<form method="post" action="/for-you/dismiss" class="inline">
            ${csrfInput(v)}<input type="hidden" name="paper" value="${r.paper.arxivId}" /><input type="hidden" name="window" value="${window}" /><button
              type="submit"
              aria-label="Not interested in ${r.paper.title}"
            >
              Not interested
            </button>
          </form>`
        : ''
    }
  </div>`;
  return paperCard({ paper: r.paper, note }, v, '/for-you');
}

export function forYouPages(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;

  const firstVisit = async (req: FastifyRequest, reply: FastifyReply, v: RequestViewer, window: RecWindow): Promise<SafeHtml> => {
    const range = await pb.recs.recommend(v.id, { window: 'week', limit: 12 });
    const cats = new Map<string, number>();
    for (const r of range.items) for (const c of r.paper.categories) cats.set(c, (cats.get(c) ?? 0) + 1);
    for (const c of ['cs.CL', 'cs.CV', 'cs.LG', 'cs.AI', 'cs.RO', 'stat.ML']) if (!cats.has(c)) cats.set(c, 0);
    const prof = await pb.recs.profile(v.id);
    void reply;
    return html`<section class="first-visit" aria-labelledby="fv-h">
      <h2 id="fv-h">Tell Paperboy what you read</h2>
      <p class="muted">Pick a few topics, authors or papers. Every upvote, saved paper and "Not interested" teaches your list more.</p>
      <form method="post" action="/for-you/profile">
        ${csrfInput(v)}<input type="hidden" name="window" value="${window}" />
        <fieldset>
          <legend>Categories</legend>
          <ul class="picks">
            ${[...cats.keys()].slice(0, 16).map(
              (c) =>
                html`<li>
                  <label><input type="checkbox" name="categories" value="${c}" ${prof.categories.includes(c) ? html` checked` : ''} /> ${c}</label>
                </li>`,
            )}
          </ul>
        </fieldset>
        <p>
          <label for="fv-authors">Authors you follow <span class="muted">(one per line)</span></label
          ><br /><textarea id="fv-authors" name="authors" rows="3" cols="40" maxlength="2000">${prof.authors.join('\n')}</textarea>
        </p>
        <fieldset>
          <legend>Papers you like</legend>
          <ul class="picks">
            ${range.items.map(
              (r) =>
                html`<li>
                  <label><input type="checkbox" name="seeds" value="${r.paper.arxivId}" /> ${r.paper.title}</label>
                </li>`,
            )}
          </ul>
        </fieldset>
        <p><button class="btn" type="submit">Show my papers</button></p>
      </form>
    </section>`;
  };

  app.get('/for-you', async (req, reply) => {
    const v = viewerOrRedirect(req, reply);
    if (!v) return reply;
    const window = windowOf(req);
    const list = await pb.recs.recommend(v.id, { window, limit: 30 });
    const q = req.query as { dismissed?: string; saved?: string; feed?: string };
    const hasFeed = await pb.recs.hasFeedToken(v.id);
    const body = html` <div class="list-head">
        <h1>For you <span class="muted">· ${WINDOWS.find((x) => x.w === window)!.label}</span></h1>
      </div>
      <div class="controls">
        <ul class="tabs" aria-label="Period">
          ${WINDOWS.map((x) => html`<li><a href="/for-you?window=${x.w}" ${x.w === window ? html` aria-current="page"` : ''}>${x.label}</a></li>`)}
          <li><a href="/">Daily list</a></li>
        </ul>
      </div>
      ${q.dismissed ? notice('Got it: that paper will not be recommended again.', 'ok') : ''}${q.saved ? notice('Saved. Your list is being tuned to your choices.', 'ok') : ''}
      ${list.pending ? html`<p class="muted" role="status">Learning from your latest activity… reload in a few seconds.</p>` : ''}
      ${list.personal ? '' : await firstVisit(req, reply, v, window)}
      ${
        list.items.length
          ? html`${list.personal ? '' : html`<h2>Popular meanwhile</h2>`}
              <ol class="cards">
                ${list.items.map((r) => recCard(r, v, window, list.personal))}
              </ol>`
          : html`<div class="empty"><p>No papers to recommend in this period yet.</p></div>`
      }
      <section class="feed-token" aria-labelledby="ft-h">
        <h2 id="ft-h">Private feed</h2>
        ${q.feed ? html`<p>Your feed (keep it private; it stops working when you make a new one or revoke it):<br /><code>${pb.config.publicUrl}/feeds/for-you/${q.feed}.atom</code></p>` : ''}
        <form method="post" action="/for-you/feed-token" class="inline">
          ${csrfInput(v)}<button class="btn secondary" type="submit">${hasFeed ? 'Make a new feed link' : 'Make a feed link'}</button>
        </form>
        ${hasFeed ? html` <form method="post" action="/for-you/feed-token/revoke" class="inline">${csrfInput(v)}<button class="btn secondary" type="submit">Revoke feed links</button></form>` : ''}
      </section>`;
    reply.header('Cache-Control', 'private, no-store');
    return ctx.page(req, reply, { title: 'For you', description: 'Papers ranked for you on Paperboy.', math: true, path: '/for-you' }, body);
  });

  app.post('/for-you/profile', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/for-you');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = req.body as Record<string, unknown>;
    const authors = many(b.authors, 1)
      .join('\n')
      .split(/[\n,;]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const seedIds: number[] = [];
    for (const a of many(b.seeds, 20)) {
      const view = await pb.papers.get(a).catch(() => null);
      if (view) seedIds.push(view.paper.id);
    }
    await pb.recs.saveProfile(v.id, { categories: many(b.categories, 20), authors, seeds: seedIds });
    return reply.redirect(`/for-you?window=${encodeURIComponent(String(bodyOf(req).window ?? 'week').slice(0, 5))}&saved=1`, 303);
  });

  app.post('/for-you/dismiss', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/for-you');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const b = bodyOf(req);
    await pb.community.limiter.consume(`dismiss:user:${v.id}`, pb.config.limitVotesPerHour, 3600, 'You are dismissing papers too fast.');
    const view = await pb.papers.get(String(b.paper ?? '').slice(0, 300));
    await pb.recs.dismiss(v.id, view.paper.id);
    const w = ['day', 'week', 'month'].includes(String(b.window)) ? String(b.window) : 'week';
    return reply.redirect(`/for-you?window=${w}&dismissed=1`, 303);
  });

  app.post('/for-you/feed-token', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/for-you');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    const token = await pb.recs.newFeedToken(v.id);
    return reply.redirect(`/for-you?feed=${encodeURIComponent(token)}`, 303);
  });

  app.post('/for-you/feed-token/revoke', async (req, reply) => {
    const v = viewerOrRedirect(req, reply, '/for-you');
    if (!v) return reply;
    assertCsrf(req, pb.secret);
    await pb.recs.revokeFeedTokens(v.id);
    return reply.redirect('/for-you', 303);
  });

  app.get<{ Params: { '*': string } }>('/more-like-this/*', async (req, reply) => {
    const id = req.params['*'].slice(0, 300);
    const view = await pb.papers.get(id);
    const items = await pb.recs.moreLikeThis(view.paper.id, 20);
    const v = req.viewer;
    const body = html` <div class="list-head">
        <h1>More like <a href="/papers/${view.paper.arxivId}">${view.paper.title}</a></h1>
      </div>
      <p class="muted">Ranked by a model with this paper as its only positive.</p>
      ${
        items.length
          ? html`<ol class="cards">
              ${items.map((r) =>
                paperCard(
                  { paper: r.paper, note: html`<div class="reason"><span class="why">${r.reason}</span></div>` },
                  v ?? undefined,
                  `/more-like-this/${view.paper.arxivId}`,
                ),
              )}
            </ol>`
          : html`<div class="empty"><p>Nothing similar yet.</p></div>`
      }`;
    return ctx.page(req, reply, { title: `More like ${view.paper.title}`, math: true }, body);
  });
}
