// /papers/trending: the window's ranking, never empty (the newest lists when the window holds too
// few signals, and the page says so), each paper's place explained in words.
import type { FastifyInstance } from 'fastify';
import { html } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { paperCard } from '../present/cards.ts';
import { formatDate } from '../present/dates.ts';
import { parseWindow } from '../../services/trending.ts';
import { WINDOWS, type TrendWindow } from '../../domain/trending.ts';

const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

export function trendingPages(app: FastifyInstance, ctx: HttpContext) {
  const { pb } = ctx;
  const c = pb.community;
  app.get<{ Querystring: { window?: string } }>('/papers/trending', async (req, reply) => {
    const window = parseWindow(req.query.window);
    const { items, fallback } = await c.trending.listOrFallback(window, 50);
    const at = items.find((it) => it.score > 0)?.computedAt ?? (await c.trending.computedAt(window));
    const here = `/papers/trending${window === 'week' ? '' : `?window=${window}`}`;
    const tabs = (Object.keys(WINDOWS) as TrendWindow[]).map(
      (w) => html`<li><a href="/papers/trending${w === 'week' ? '' : `?window=${w}`}"${w === window ? html` aria-current="page"` : ''}>${WINDOWS[w].tab}</a></li>`,
    );
    const cards = items.map((it) => paperCard({ paper: it.paper, note: it.why, title: it.detail, rank: it.rank }, req.viewer, here));
    return ctx.page(
      req,
      reply,
      { title: 'Trending papers', math: true },
      html`<div class="list-head"><h1>Trending papers</h1></div>
<nav aria-label="Window"><ul class="tabs">${tabs}</ul></nav>
${
  fallback
    ? html`<p class="notice" role="status">${
        fallback.ranked
          ? `Only ${fallback.ranked} paper${fallback.ranked === 1 ? ' has' : 's have'} new votes or comments ${WINDOWS[window].since}; after ${fallback.ranked === 1 ? 'it' : 'them'} come`
          : `No paper has new votes or comments ${WINDOWS[window].since}. Here are`
      } the most upvoted papers of the newest lists (${formatDate(fallback.from, 'short')} to ${formatDate(fallback.to, 'short')}).</p>`
    : ''
}
${items.length ? html`<ol class="cards">${cards}</ol>` : html`<div class="empty"><p>No papers are listed yet.</p><p><a href="/">Back to the daily papers</a></p></div>`}
<details class="formula"><summary>How trending works</summary>
<p>Papers rise with the upvotes and comments they got ${WINDOWS[window].since} (and the votes Hugging Face reported when it listed them then), and with GitHub stars gained; newer papers weigh more, so a paper from last year needs many more votes than one from today.</p>
<p class="muted"><code>${c.trending.formula()}</code>. Recomputed every ${pb.config.trendingRefreshMinutes} minutes${at ? html`; last at <time datetime="${at}">${when(at)} UTC</time>` : ''}.</p></details>`,
    );
  });
}
