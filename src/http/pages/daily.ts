// The daily, weekly and monthly lists, and `/`. Two views of a period, as on Hugging Face:
//  - "Daily papers" (chosen): the papers chosen for it — HF's picks, curators', the community's
//    submissions — most upvoted first. `/` is this list for the latest day that has any.
//  - "All new papers": arXiv's whole listing of the period, with category filters.
// Week and month offer both, and a sort. Pages count from 1 (?p=2); the day pager names the day
// it leads to ("← 25 Oct 2024"), since days without papers are skipped.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { paperCard } from '../present/cards.ts';
import { errors } from '../../domain/errors.ts';
import { addMonths, addWeeks, isoWeek, parseDay, type Day } from '../../domain/dates.ts';
import { parsePeriod, type ListView, type Period, type PeriodList } from '../../services/papers.ts';
import type { ListSort } from '../../storage/daily.ts';
import { formatDate } from '../present/dates.ts';
import { syncHealthNote } from './sync-health.ts';
import { digestBox } from './subscribe.ts';

const PAGE_SIZE = 50;

/** Everything a section of a list page needs. */
export interface ListState {
  req: FastifyRequest;
  ctx: HttpContext;
  period: Period;
  view: ListView;
  sort: 'upvotes' | 'newest';
  category?: string;
  /** From 0 (shown from 1). */
  page: number;
  pages: number;
  list: PeriodList;
  /** The list's own address (page 1), with its view, sort and filter. */
  href: string;
  isHome: boolean;
  /** Set on `/` when nothing was ever chosen: the home shows arXiv's listing instead. */
  noChosenYet: boolean;
}

type Section = (s: ListState) => Promise<SafeHtml | ''> | SafeHtml | '';

/** The views of a period, as tabs (then "For you", the reader's own ranking at /for-you). */
const VIEWS: { view: ListView; label: string }[] = [
  { view: 'chosen', label: 'Daily papers' },
  { view: 'all', label: 'All new papers' },
];

/** The list page, top to bottom. A feature with something to say on the list adds its section here. */
const SECTIONS: Section[] = [
  heading,
  // Admins only: a paper source failing for a day (src/http/pages/sync-health.ts).
  (s) => syncHealthNote(s.ctx, s.req),
  tabs,
  categoryFilter,
  emptyNotice,
  cards,
  pageNav,
  periodNav,
  (s) => digestBox(s.req),
];

const shortDate = (d: Day) => formatDate(d, 'short');

function periodTitle(p: Period): string {
  if (p.kind === 'day') return formatDate(p.day, 'long');
  if (p.kind === 'week') return `Week ${Number(p.week.slice(6))} of ${p.week.slice(0, 4)}`;
  return formatDate(p.month, 'month');
}

function periodPath(p: Period): string {
  return p.kind === 'day' ? `/papers/date/${p.day}` : p.kind === 'week' ? `/papers/week/${p.week}` : `/papers/month/${p.month}`;
}

/** The address of a list: path plus the view, sort, category and page that differ from the defaults. */
function listHref(period: Period, o: { view: ListView; sort?: string; category?: string; page?: number }): string {
  const q = new URLSearchParams();
  if (o.view === 'all') q.set('list', 'all');
  if (o.sort && o.sort !== 'upvotes') q.set('sort', o.sort);
  if (o.category) q.set('category', o.category);
  if (o.page) q.set('p', String(o.page + 1));
  const qs = q.toString();
  return `${periodPath(period)}${qs ? `?${qs}` : ''}`;
}

function parseQuery(req: FastifyRequest): { view: ListView; sort: 'upvotes' | 'newest'; category?: string; page: number } {
  const q = req.query as { list?: string; sort?: string; category?: string; p?: string };
  const view: ListView = q.list === 'all' ? 'all' : 'chosen';
  if (q.list !== undefined && q.list !== 'all' && q.list !== 'chosen' && q.list !== '') throw errors.badRequest('list must be "all" or "chosen".');
  const sort = q.sort === 'newest' ? 'newest' : 'upvotes';
  const category = q.category ? String(q.category).slice(0, 40) : undefined;
  if (category && !/^[a-z-]+(\.[A-Za-z-]+)?$/.test(category)) throw errors.badRequest(`"${category}" is not an arXiv category such as cs.CL.`);
  const raw = q.p;
  let page = 0;
  if (raw !== undefined && raw !== '') {
    if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1) throw errors.badRequest('Pages are numbered from 1.');
    page = Number(raw) - 1;
  }
  return { view, sort, category, page };
}

function heading(s: ListState): SafeHtml {
  const what = s.view === 'all' ? 'All new papers' : s.period.kind === 'day' ? 'Daily papers' : s.period.kind === 'week' ? 'Papers of the week' : 'Papers of the month';
  const when = s.period.kind === 'day' ? formatDate(s.period.day, 'short') : periodTitle(s.period);
  return html`<div class="list-head"><h1>${what} <span class="muted">· <time${s.period.kind === 'day' ? html` datetime="${s.period.day}"` : ''}>${when}</time></span></h1></div>`;
}

function dateForm(s: ListState): SafeHtml {
  const day = s.period.kind === 'day' ? s.period.day : s.list.range.from;
  return html`<form class="go-date" action="/papers/date" method="get">
<label for="go-date">Go to date</label>
<input id="go-date" type="date" name="date" value="${day}" required>${s.view === 'all' ? html`<input type="hidden" name="list" value="all">` : ''}
<button class="btn secondary" type="submit">Go</button>
</form>`;
}

function tabs(s: ListState): SafeHtml {
  const day = s.period.kind === 'day' ? s.period.day : s.list.range.from;
  const periods: { kind: Period['kind']; label: string; period: Period }[] = [
    { kind: 'day', label: 'Day', period: { kind: 'day', day: s.period.kind === 'day' ? s.period.day : s.list.range.to } },
    { kind: 'week', label: 'Week', period: { kind: 'week', week: s.period.kind === 'week' ? s.period.week : isoWeek(day) } },
    { kind: 'month', label: 'Month', period: { kind: 'month', month: s.period.kind === 'month' ? s.period.month : day.slice(0, 7) } },
  ];
  const sortForm =
    s.period.kind === 'day'
      ? ''
      : html`<form class="sort" method="get" action="${periodPath(s.period)}">${s.view === 'all' ? html`<input type="hidden" name="list" value="all">` : ''}${
          s.category ? html`<input type="hidden" name="category" value="${s.category}">` : ''
        }<label for="sort">Sort</label> <select id="sort" name="sort" data-autosubmit><option value="upvotes"${s.sort === 'upvotes' ? html` selected` : ''}>Most upvoted</option><option value="newest"${s.sort === 'newest' ? html` selected` : ''}>Newest</option></select> <button class="btn secondary" type="submit">Sort</button></form>`;
  return html`<div class="controls">
<nav aria-label="Lists"><ul class="tabs">${VIEWS.map(
    (v) => html`<li><a href="${s.isHome ? (v.view === 'chosen' ? '/' : '/?list=all') : listHref(s.period, { view: v.view, sort: s.sort })}"${v.view === s.view ? html` aria-current="page"` : ''}>${v.label}</a></li>`,
  )}<li><a href="/for-you?window=${s.period.kind}">For you</a></li></ul></nav>
<nav aria-label="Period"><ul class="tabs">${periods.map(
    (p) => html`<li><a href="${listHref(p.period, { view: s.view })}"${p.kind === s.period.kind ? html` aria-current="page"` : ''}>${p.label}</a></li>`,
  )}</ul></nav>
${sortForm}
</div>`;
}

async function categoryFilter(s: ListState): Promise<SafeHtml | ''> {
  if (s.view !== 'all') return '';
  const cats = await s.ctx.pb.papers.categories(s.period, 'all');
  if (cats.length < 2) return '';
  return html`<nav class="cat-filter" aria-label="Categories"><ul>
<li><a class="chip" href="${listHref(s.period, { view: 'all', sort: s.sort })}"${!s.category ? html` aria-current="page"` : ''}>All</a></li>${cats.map(
    (c) => html`<li><a class="chip" href="${listHref(s.period, { view: 'all', sort: s.sort, category: c.category })}"${c.category === s.category ? html` aria-current="page"` : ''}>${c.category} <span class="n">${c.n}</span></a></li>`,
  )}</ul></nav>`;
}

async function emptyNotice(s: ListState): Promise<SafeHtml | ''> {
  if (s.noChosenYet)
    return html`<p class="notice" role="status">No papers have been chosen yet (by Hugging Face, a curator or a reader's submission), so here is arXiv's whole listing of the latest day.</p>`;
  if (s.list.items.length) return '';
  if (s.page > 0)
    return html`<div class="empty"><p>This list has ${s.pages === 1 ? 'only one page' : `only ${s.pages} pages`}.</p><p><a class="btn secondary" href="${s.href}">← Back to page 1</a></p></div>`;
  const what = s.period.kind === 'day' ? `on ${shortDate(s.period.day)}` : `in this ${s.period.kind}`;
  if (s.view === 'chosen') {
    const all = await s.ctx.pb.papers.list(s.period, { limit: 1, offset: 0, view: 'all' });
    const latest = await s.ctx.pb.papers.latestDay('chosen');
    return html`<div class="empty"><p>No papers were chosen ${what}.</p><p>${
      all.total ? html`<a class="btn" href="${listHref(s.period, { view: 'all' })}">See all ${all.total} new papers ${what}</a> ` : ''
    }<a class="btn secondary" href="/">Latest daily papers (${shortDate(latest)})</a></p></div>`;
  }
  return html`<div class="empty"><p>No new papers ${s.category ? `in ${s.category} ` : ''}were listed ${what}.</p><p>${
    s.category ? html`<a class="btn secondary" href="${listHref(s.period, { view: 'all' })}">All categories</a> ` : ''
  }<a class="btn secondary" href="/">Back to the daily papers</a></p></div>`;
}

function cards(s: ListState): SafeHtml | '' {
  if (!s.list.items.length) return '';
  const back = listHref(s.period, { view: s.view, sort: s.sort, category: s.category, page: s.page });
  const home = s.isHome && !s.page ? '/' : back;
  const range = s.period.kind === 'day' ? '' : html` from ${shortDate(s.list.range.from)} to ${shortDate(s.list.range.to)}`;
  return html`<p class="count-line muted">${s.list.total} paper${s.list.total === 1 ? '' : 's'}${range}${s.pages > 1 ? html` · page ${s.page + 1} of ${s.pages}` : ''}</p>
<ol class="cards"${s.page ? html` start="${s.page * PAGE_SIZE + 1}"` : ''}>${s.list.items.map((it) => paperCard(it, s.req.viewer, home))}</ol>`;
}

function pageNav(s: ListState): SafeHtml | '' {
  if (s.pages <= 1 || !s.list.items.length) return '';
  const at = (page: number) => listHref(s.period, { view: s.view, sort: s.sort, category: s.category, page });
  return html`<nav class="pager pages" aria-label="Pages">
${s.page > 0 ? html`<a href="${at(s.page - 1)}" rel="prev">← Page ${s.page}</a>` : ''}
<span>Page ${s.page + 1} of ${s.pages}</span>
${s.page + 1 < s.pages ? html`<a href="${at(s.page + 1)}" rel="next">Page ${s.page + 2} →</a>` : ''}
</nav>`;
}

/** Previous and next day, week or month, named. Days skip those without papers of this view. */
async function periodNav(s: ListState): Promise<SafeHtml> {
  let prev: { period: Period; label: string } | undefined;
  let next: { period: Period; label: string } | undefined;
  const p = s.period;
  if (p.kind === 'day') {
    const n = await s.ctx.pb.papers.neighbours(p.day, s.view);
    if (n.prev) prev = { period: { kind: 'day', day: n.prev }, label: shortDate(n.prev) };
    if (n.next) next = { period: { kind: 'day', day: n.next }, label: shortDate(n.next) };
  } else {
    const latest = await s.ctx.pb.papers.latestDay();
    const step = (k: number): Period => (p.kind === 'week' ? { kind: 'week', week: addWeeks(p.week, k) } : { kind: 'month', month: addMonths(p.month, k) });
    prev = { period: step(-1), label: periodTitle(step(-1)) };
    if (s.list.range.to < latest) next = { period: step(1), label: periodTitle(step(1)) };
  }
  const label = p.kind === 'day' ? 'Days' : p.kind === 'week' ? 'Weeks' : 'Months';
  return html`<div class="period-nav"><nav class="pager periods" aria-label="${label}">
${prev ? html`<a href="${listHref(prev.period, { view: s.view, sort: s.sort })}" rel="prev">← ${prev.label}</a>` : ''}
${next ? html`<a href="${listHref(next.period, { view: s.view, sort: s.sort })}" rel="next">${next.label} →</a>` : ''}
</nav>${dateForm(s)}</div>`;
}

interface RenderOptions {
  isHome?: boolean;
  view?: ListView;
  noChosenYet?: boolean;
}

async function renderList(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, period: Period, opts: RenderOptions = {}) {
  const q = parseQuery(req);
  const view = opts.view ?? q.view;
  const sort = q.sort;
  const listSort: ListSort = sort === 'newest' ? 'publishedAt' : 'upvotes';
  const list = await ctx.pb.papers.list(period, { limit: PAGE_SIZE, offset: q.page * PAGE_SIZE, sort: listSort, view, category: view === 'all' ? q.category : undefined });
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const state: ListState = {
    req,
    ctx,
    period,
    view,
    sort,
    category: view === 'all' ? q.category : undefined,
    page: q.page,
    pages,
    list,
    href: opts.isHome ? '/' : listHref(period, { view, sort, category: q.category }),
    isHome: !!opts.isHome,
    noChosenYet: !!opts.noChosenYet,
  };
  const body = await Promise.all(SECTIONS.map((f) => f(state)));
  const title = `${view === 'all' ? 'All new papers' : 'Daily papers'} · ${periodTitle(period)}`;
  return ctx.page(
    req,
    reply,
    {
      title,
      description: `Research papers ${view === 'all' ? 'listed' : 'chosen'} ${periodTitle(period)} on Paperboy.`,
      math: true,
      path: opts.isHome ? '/' : undefined,
    },
    html`${body}`,
    q.page > 0 && !list.items.length ? 404 : 200,
  );
}

export function dailyPages(app: FastifyInstance, ctx: HttpContext) {
  app.get('/', async (req, reply) => {
    const home = await ctx.pb.papers.homeDay();
    const asked = parseQuery(req).view;
    if (asked === 'all') return renderList(ctx, req, reply, { kind: 'day', day: await ctx.pb.papers.latestDay('all') }, { isHome: true, view: 'all' });
    return renderList(ctx, req, reply, { kind: 'day', day: home.day }, { isHome: true, view: home.view, noChosenYet: home.view === 'all' });
  });

  // The date picker's no-JavaScript form submits here.
  app.get('/papers/date', async (req, reply) => {
    const q = req.query as { date?: string; list?: string };
    const d = parseDay(String(q.date ?? '').slice(0, 20));
    if (!d) throw errors.badRequest('Choose a date as YYYY-MM-DD.');
    return reply.redirect(`/papers/date/${d}${q.list === 'all' ? '?list=all' : ''}`, 303);
  });

  app.get<{ Params: { day: string } }>('/papers/date/:day', async (req, reply) => renderList(ctx, req, reply, parsePeriod({ date: req.params.day })!));
  app.get<{ Params: { week: string } }>('/papers/week/:week', async (req, reply) => renderList(ctx, req, reply, parsePeriod({ week: req.params.week })!));
  app.get<{ Params: { month: string } }>('/papers/month/:month', async (req, reply) => renderList(ctx, req, reply, parsePeriod({ month: req.params.month })!));
}
