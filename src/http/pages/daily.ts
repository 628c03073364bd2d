// The daily, weekly and monthly lists, and `/` (the latest day with papers).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { paperCard } from '../present/cards.ts';
import { errors } from '../../domain/errors.ts';
import { addDays, addMonths, addWeeks, isoWeek, parseDay, type Day } from '../../domain/dates.ts';
import { parsePeriod, type Period } from '../../services/papers.ts';
import { formatDate } from '../present/dates.ts';
import { syncHealthNote } from './sync-health.ts';

const PAGE_SIZE = 50;

/** Blocks other features add under the list heading (the subscribe box). */
export const dailyExtras: ((req: FastifyRequest, period: Period) => SafeHtml | null)[] = [];
/** <head> additions for list pages (feed links). */
export const dailyHead: ((period: Period) => SafeHtml)[] = [];

function longDate(day: Day): string {
  return formatDate(day, 'long');
}

function periodTitle(p: Period): string {
  if (p.kind === 'day') return longDate(p.day);
  if (p.kind === 'week') return `Week ${p.week.slice(6)} of ${p.week.slice(0, 4)}`;
  return formatDate(p.month, 'month');
}

function periodPath(p: Period): string {
  return p.kind === 'day' ? `/papers/date/${p.day}` : p.kind === 'week' ? `/papers/week/${p.week}` : `/papers/month/${p.month}`;
}

function pageParam(req: FastifyRequest): number {
  const raw = (req.query as { p?: string }).p;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,6}$/.test(raw)) throw errors.badRequest('Page must be a whole number from 0.');
  return Number(raw);
}

async function renderList(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, period: Period, isHome = false) {
  const page = pageParam(req);
  const list = await ctx.pb.papers.list(period, { limit: PAGE_SIZE, offset: page * PAGE_SIZE });
  const day = period.kind === 'day' ? period.day : list.range.from;
  let prev: string | undefined;
  let next: string | undefined;
  if (period.kind === 'day') {
    const n = await ctx.pb.papers.neighbours(period.day);
    prev = n.prev && `/papers/date/${n.prev}`;
    next = n.next && `/papers/date/${n.next}`;
  } else if (period.kind === 'week') {
    prev = `/papers/week/${addWeeks(period.week, -1)}`;
    next = `/papers/week/${addWeeks(period.week, 1)}`;
  } else {
    prev = `/papers/month/${addMonths(period.month, -1)}`;
    next = `/papers/month/${addMonths(period.month, 1)}`;
  }
  const tabs = [
    { kind: 'day', label: 'Day', href: `/papers/date/${day}` },
    { kind: 'week', label: 'Week', href: `/papers/week/${isoWeek(day)}` },
    { kind: 'month', label: 'Month', href: `/papers/month/${day.slice(0, 7)}` },
    { kind: 'for-you', label: 'For you', href: `/for-you?window=${period.kind}` },
  ];
  const pages = Math.ceil(list.total / PAGE_SIZE);
  if (page > 0 && page >= pages) throw errors.notFound(`There are only ${pages} page${pages === 1 ? '' : 's'} of papers here.`);
  const latest = await ctx.pb.papers.latestDay();
  // No "next" into the future: the last list is the latest day with papers.
  if (period.kind !== 'day' && next && list.range.to >= latest) next = undefined;
  // Admins only: a paper source failing for a day (src/http/pages/sync-health.ts).
  const syncNote = await syncHealthNote(ctx, req);
  const heading = period.kind === 'day' ? 'Daily Papers' : period.kind === 'week' ? 'Papers of the week' : 'Papers of the month';
  const body = html` <div class="list-head">
      <h1>${heading} <span class="muted">· ${periodTitle(period)}</span></h1>
      <form class="go-date" action="/papers/date" method="get">
        <label for="go-date">Go to date</label>
        <input id="go-date" type="date" name="date" value="${day}" max="${latest}" required />
        <button class="btn secondary" type="submit">Go</button>
      </form>
    </div>
    <div class="controls">
      <ul class="tabs" aria-label="Period">
        ${tabs.map((t) => html`<li><a href="${t.href}" ${t.kind === period.kind ? html` aria-current="page"` : ''}>${t.label}</a></li>`)}
      </ul>
      <nav class="pager" aria-label="${period.kind === 'day' ? 'Days' : period.kind === 'week' ? 'Weeks' : 'Months'}">
        ${prev ? html`<a href="${prev}" rel="prev">← Previous ${period.kind}</a>` : html`<span aria-disabled="true">← Previous ${period.kind}</span>`}
        ${next ? html`<a href="${next}" rel="next">Next ${period.kind} →</a>` : html`<span aria-disabled="true">Next ${period.kind} →</span>`}
      </nav>
    </div>
    ${syncNote} ${dailyExtras.map((f) => f(req, period))}
    ${
      list.items.length
        ? html`<p class="count-line muted">
              ${list.total}
              paper${list.total === 1 ? '' : 's'}${period.kind === 'day' ? '' : html` from ${list.range.from} to ${list.range.to}`}${pages > 1 ? html` · page ${page + 1} of ${pages}` : ''}
            </p>
            <ol class="cards" ${page ? html` start="${page * PAGE_SIZE + 1}"` : ''}>
              ${list.items.map((it) => paperCard(it, (req as { viewer?: unknown }).viewer))}
            </ol>`
        : html`<div class="empty">
            <p>No papers were listed ${period.kind === 'day' ? 'on this day' : `in this ${period.kind}`}.</p>
            ${prev ? html`<p><a class="btn secondary" href="${prev}">← Previous ${period.kind}</a></p>` : ''}
          </div>`
    }
    ${
      pages > 1
        ? html`<nav class="pager pages" aria-label="Pages">
            ${page > 0 ? html`<a href="${periodPath(period)}${page > 1 ? `?p=${page - 1}` : ''}">← Previous page</a>` : ''}
            <span>Page ${page + 1} of ${pages}</span>
            ${page + 1 < pages ? html`<a href="${periodPath(period)}?p=${page + 1}">Next page →</a>` : ''}
          </nav>`
        : ''
    }`;
  return ctx.page(
    req,
    reply,
    {
      title: `Daily Papers · ${periodTitle(period)}`,
      description: `Research papers listed ${periodTitle(period)} on Paperboy.`,
      math: true,
      path: isHome ? '/' : undefined,
      head: html`${dailyHead.map((f) => f(period))}`,
    },
    body,
  );
}

export function dailyPages(app: import('fastify').FastifyInstance, ctx: HttpContext) {
  app.get('/', async (req, reply) => renderList(ctx, req, reply, { kind: 'day', day: await ctx.pb.papers.latestDay() }, true));

  // The date picker's no-JavaScript form submits here.
  app.get('/papers/date', async (req, reply) => {
    const d = parseDay(String((req.query as { date?: string }).date ?? ''));
    if (!d) throw errors.badRequest('Choose a date as YYYY-MM-DD.');
    return reply.redirect(`/papers/date/${d}`, 303);
  });

  app.get<{ Params: { day: string } }>('/papers/date/:day', async (req, reply) => {
    const period = parsePeriod({ date: req.params.day })!;
    return renderList(ctx, req, reply, period);
  });
  app.get<{ Params: { week: string } }>('/papers/week/:week', async (req, reply) => {
    const period = parsePeriod({ week: req.params.week })!;
    return renderList(ctx, req, reply, period);
  });
  app.get<{ Params: { month: string } }>('/papers/month/:month', async (req, reply) => {
    const period = parsePeriod({ month: req.params.month })!;
    return renderList(ctx, req, reply, period);
  });
}

export { addDays };
