// /search?q=…: server-rendered results with highlighted snippets, filters and sorts as plain GET
// fields (works without JavaScript). A pasted arXiv id or URL goes straight to the paper.
// The paper page gets a "Similar papers" box.
import type { FastifyInstance } from 'fastify';
import { html, raw, type SafeHtml } from '../html.ts';
import type { HttpContext } from '../context.ts';
import { mathText } from '../present/math.ts';
import { authorLinks, commentLinks } from '../present/cards.ts';
import { errors } from '../../domain/errors.ts';
import { commentCount } from '../../domain/counts.ts';
import { arxivLinks, parseArxivId } from '../../domain/arxiv-id.ts';
import type { Sort } from '../../search/service.ts';
import type { PaperView } from '../../services/papers.ts';

const PAGE_SIZE = 20;
const SORTS: { value: Sort; label: string }[] = [
  { value: 'relevance', label: 'Relevance' },
  { value: 'newest', label: 'Newest' },
  { value: 'upvotes', label: 'Most upvoted' },
];

interface SearchForm {
  q?: string;
  sort?: string;
  from?: string;
  to?: string;
  category?: string;
  code?: string;
  p?: string;
}

function parseForm(raw: SearchForm) {
  const q = (raw.q ?? '').trim();
  if (q.length > 250) throw errors.badRequest('The query is too long (at most 250 characters).');
  const sort = (SORTS.some((s) => s.value === raw.sort) ? raw.sort : 'relevance') as Sort;
  const day = (v: string | undefined, name: string) => {
    if (!v) return undefined;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw errors.badRequest(`${name} must be a date, YYYY-MM-DD.`);
    return v;
  };
  const category = raw.category?.trim() || undefined;
  if (category && !/^[\w.-]{1,40}$/.test(category)) throw errors.badRequest('Category must look like cs.CL.');
  if (raw.p !== undefined && raw.p !== '' && (!/^\d{1,3}$/.test(raw.p) || Number(raw.p) < 1)) throw errors.badRequest('Pages are numbered from 1.');
  return {
    q,
    sort,
    from: day(raw.from, 'From'),
    to: day(raw.to, 'To'),
    category,
    hasCode: raw.code === '1' || raw.code === 'on',
    page: raw.p ? Number(raw.p) - 1 : 0,
  };
}

function fmtDate(iso: string | null): string {
  return iso ? iso.slice(0, 10) : '';
}

/** Why search is matching words only, as a reader understands it (the engine's reason goes to the log). */
function fallbackText(reason: string): string {
  if (/not ready|no embedding/i.test(reason)) return 'Matching your words only: search by meaning is still being prepared';
  return 'Matching your words only: search by meaning is unavailable right now';
}

/** The paper page's "Similar papers" box (none when search by meaning cannot answer). */
export async function similarSection(ctx: HttpContext, v: PaperView): Promise<SafeHtml | ''> {
  const similar = await ctx.pb.search.similar(v.paper.id, 6).catch(() => []);
  if (!similar.length) return '';
  return html`<section class="similar" aria-labelledby="similar-h">
<h2 id="similar-h">Similar papers</h2>
<ul>${similar.map((p) => html`<li><a href="/papers/${p.arxivId}">${mathText(p.title)}</a></li>`)}</ul>
</section>`;
}

export function searchPages(app: FastifyInstance, ctx: HttpContext) {
  app.get<{ Querystring: SearchForm }>('/search', async (req, reply) => {
    const f = parseForm(req.query);
    const parsed = f.q ? parseArxivId(f.q) : null;
    if (parsed) {
      const p = await ctx.pb.stores.papers.byArxivId(parsed.id);
      if (p) return reply.redirect(`/papers/${p.arxivId}`, 302);
    }
    const r = f.q
      ? await ctx.pb.search.search({
          q: f.q,
          limit: PAGE_SIZE,
          offset: f.page * PAGE_SIZE,
          sort: f.sort,
          filters: { from: f.from, to: f.to, category: f.category, hasCode: f.hasCode },
        })
      : undefined;
    const pageLink = (page: number) => {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries({ q: f.q, sort: f.sort === 'relevance' ? '' : f.sort, from: f.from, to: f.to, category: f.category, code: f.hasCode ? '1' : '' }))
        if (v) params.set(k, String(v));
      if (page) params.set('p', String(page + 1));
      return `/search?${params}`;
    };
    const pages = r ? Math.ceil(r.total / PAGE_SIZE) : 0;
    const body = html`
<div class="search-head"><h1>${f.q ? html`Search <span class="muted">· ${f.q}</span>` : 'Search'}</h1></div>
<form class="search-form" action="/search" method="get" role="search" aria-label="Search with filters">
  ${
    f.q
      ? html`<input type="hidden" name="q" value="${f.q}">`
      : html`<p><label for="search-q">Words, a title, an arXiv id or link</label>
  <input id="search-q" name="q" type="search" value="${f.q}" maxlength="250" required data-search-live> <button class="btn" type="submit">Search</button></p>`
  }
  <details class="filters-box"${f.from || f.to || f.category || f.hasCode || f.sort !== 'relevance' ? html` open` : ''}><summary>Filters and sort</summary>
  <fieldset class="filters">
    <legend class="visually-hidden">Filters</legend>
    <label>Published from <input type="date" name="from" value="${f.from ?? ''}"></label>
    <label>to <input type="date" name="to" value="${f.to ?? ''}"></label>
    <label>Category <input name="category" value="${f.category ?? ''}" placeholder="cs.CL" size="8" pattern="[A-Za-z0-9_.\\-]+"></label>
    <label><input type="checkbox" name="code" value="1"${f.hasCode ? html` checked` : ''}> Has code</label>
    <label>Sort <select name="sort">${SORTS.map((s) => html`<option value="${s.value}"${s.value === f.sort ? html` selected` : ''}>${s.label}</option>`)}</select></label>
  </fieldset>
  <button class="btn secondary" type="submit">Apply</button>
  </details>
</form>
${parsed ? html`<p class="notice">arXiv:${parsed.id} is not in this instance yet. <a href="${arxivLinks(parsed.id).abs}">Open it on arXiv</a>.</p>` : ''}
${r?.suggestion ? html`<p class="notice" data-search-suggestion>Did you mean <a href="/search?q=${encodeURIComponent(r.suggestion)}">${r.suggestion}</a>?</p>` : ''}
${r?.fallback ? html`<p class="notice muted" data-search-fallback>${fallbackText(r.fallback)}.</p>` : ''}
<div id="search-results" aria-live="polite">
${
  r
    ? r.hits.length
      ? html`<p class="count-line muted">${r.total}${r.total >= 100 ? '+' : ''} result${r.total === 1 ? '' : 's'}${pages > 1 ? html` · page ${f.page + 1} of ${pages}` : ''}</p>
<ol class="cards search-results" start="${f.page * PAGE_SIZE + 1}">${r.hits.map(
          (h) => html`<li class="card">
  <div>
    <h2><a href="/papers/${h.paper.arxivId}">${mathText(h.paper.title)}</a></h2>
    <p class="authors">${authorLinks(h.paper.authors)}</p>
    <p class="meta muted">arXiv:${h.paper.arxivId}${h.paper.publishedAt ? html` · ${fmtDate(h.paper.publishedAt)}` : ''}${
      h.paper.categories.length ? html` · ${h.paper.categories.slice(0, 3).join(', ')}` : ''
    }${h.paper.codeUrl ? html` · <a href="${h.paper.codeUrl}">code</a>` : ''} · ${h.paper.upvotes} upvote${h.paper.upvotes === 1 ? '' : 's'} · ${commentLinks(
      commentCount({ localComments: h.paper.numComments, sourceComments: h.paper.sourceComments }, h.paper.arxivId),
      `/papers/${h.paper.arxivId}`,
    )}</p>
    <p class="snippet">${raw(h.snippet)}</p>
  </div>
</li>`,
        )}</ol>
${
  pages > 1
    ? html`<nav class="pager pages" aria-label="Pages">
${f.page > 0 ? html`<a href="${pageLink(f.page - 1)}" rel="prev">← Previous page</a>` : ''}
<span>Page ${f.page + 1} of ${pages}</span>
${f.page + 1 < pages ? html`<a href="${pageLink(f.page + 1)}" rel="next">Next page →</a>` : ''}
</nav>`
    : ''
}`
      : html`<div class="empty"><p>No papers match “${f.q}”${f.from || f.to || f.category || f.hasCode ? ' with these filters' : ''}.</p></div>`
    : html`<p class="muted">Search titles, abstracts and authors by words and by meaning.</p>`
}
</div>`;
    return ctx.page(req, reply, { title: f.q ? `${f.q} · Search` : 'Search', query: f.q, math: true, head: html`<meta name="robots" content="noindex">`, scripts: ['search.js'] }, body);
  });
}
