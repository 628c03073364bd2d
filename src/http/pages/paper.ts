// The paper page, and the author and category lists.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { html, type SafeHtml } from '../html.ts';
import { safeLink } from '../../domain/links.ts';
import type { HttpContext } from '../context.ts';
import { mathText, plainText } from '../present/math.ts';
import { bibtex } from '../present/bibtex.ts';
import { formatDate } from '../present/dates.ts';
import { paperCard, voteControl } from '../present/cards.ts';
import { arxivLinks } from '../../domain/arxiv-id.ts';
import { errors } from '../../domain/errors.ts';
import type { PaperView } from '../../services/papers.ts';
import { aiSummarySection, citeLinks } from '../present/ai-summary.ts';
import { commentsSection, type CommentFormState } from './comments.ts';
import { submissionNote } from './submissions.ts';
import { saveSection } from './collections.ts';
import { claimSection } from './claims.ts';
import { followButton, followSection } from './follow.ts';
import { similarSection } from './search.ts';

/** State a refused form on the paper page brings back (a comment with its problem). */
export interface PaperPageState {
  comment?: CommentFormState;
}

type Section = (req: FastifyRequest, ctx: HttpContext, view: PaperView, state: PaperPageState) => Promise<SafeHtml | ''> | SafeHtml | '';

/** The paper page's sections, in order: the main column under the abstract, and the side column. */
const MAIN: Section[] = [(req, _ctx, view) => submissionNote(req, view), (req, ctx, view, state) => commentsSection(req, ctx, view, state.comment)];
const ASIDE: Section[] = [
  (_req, _ctx, view) => detailsSection(view),
  (req, ctx, view) => saveSection(req, ctx, view),
  (req, _ctx, view) => followSection(req, view),
  (req, ctx, view) => similarSection(ctx, view),
  (_req, _ctx, view) => versionsSection(view),
  (_req, _ctx, view) => citeSection(view),
  (req, _ctx, view) => claimSection(req, view),
];

/** A word-bounded summary of the abstract for meta descriptions (about 200 characters). */
function summary(abstract: string): string {
  const text = plainText(abstract);
  if (text.length <= 200) return text;
  const cut = text.lastIndexOf(' ', 197);
  return `${text.slice(0, cut > 100 ? cut : 197)}…`;
}

function fmtDate(iso: string | null | undefined): string {
  return formatDate(iso, 'short');
}

export async function renderPaper(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, id: string, state: PaperPageState = {}, status = 200) {
  const view = await ctx.pb.papers.get(id);
  const p = view.paper;
  if (p.arxivId !== id) return reply.redirect(`/papers/${p.arxivId}`, 301);
  const links = arxivLinks(p.arxivId);
  const base = ctx.pb.config.publicUrl;
  const published = p.publishedAt?.slice(0, 10).replace(/-/g, '/');
  const updated = p.updatedAt?.slice(0, 10).replace(/-/g, '/');
  const description = summary(p.abstract);
  const ai = await ctx.pb.agents.ai.forPaper(p.id);
  const head = html`
<link rel="canonical" href="${base}/papers/${p.arxivId}">
<link rel="alternate" type="text/markdown" href="${base}/papers/${p.arxivId}.md">
<meta property="og:type" content="article">
<meta property="og:site_name" content="Paperboy">
<meta property="og:title" content="${plainText(p.title)}">
<meta property="og:description" content="${description}">
<meta property="og:url" content="${base}/papers/${p.arxivId}">
${safeLink(p.thumbnailUrl) ? html`<meta property="og:image" content="${p.thumbnailUrl}">` : ''}
<meta name="twitter:card" content="${safeLink(p.thumbnailUrl) ? 'summary_large_image' : 'summary'}">
<meta name="twitter:title" content="${plainText(p.title)}">
<meta name="twitter:description" content="${description}">
<meta name="citation_title" content="${plainText(p.title)}">
${p.authors.map((a) => html`<meta name="citation_author" content="${a}">`)}
${published ? html`<meta name="citation_publication_date" content="${published}"><meta name="citation_date" content="${published}">` : ''}
${updated && updated !== published ? html`<meta name="citation_online_date" content="${updated}">` : ''}
<meta name="citation_arxiv_id" content="${p.arxivId}">
${p.categories.length ? html`<meta name="citation_keywords" content="${p.categories.join('; ')}">` : ''}
<meta name="citation_pdf_url" content="${links.pdf}">
<meta name="citation_abstract_html_url" content="${links.abs}">
${p.doi ? html`<meta name="citation_doi" content="${p.doi}">` : ''}
${p.journalRef ? html`<meta name="citation_journal_title" content="${p.journalRef}">` : ''}`;

  const votes = voteControl(p, req.viewer, `/papers/${p.arxivId}`);
  const main = await Promise.all(MAIN.map((f) => f(req, ctx, view, state)));
  const aside = await Promise.all(ASIDE.map((f) => f(req, ctx, view, state)));
  const body = html`
<article>
  <div class="paper-head">
    <div>
      <p class="muted">arXiv:${p.arxivId}${p.version > 1 ? html` (v${p.version})` : ''}${p.publishedAt ? html` · published ${fmtDate(p.publishedAt)}` : ''}${
        view.entry ? html` · on the <a href="/papers/date/${view.entry.day}">list of ${fmtDate(view.entry.day)}</a>` : ''
      }</p>
      <h1>${mathText(p.title)}</h1>
    </div>
    ${votes}
  </div>
  <h2 class="visually-hidden">Authors</h2>
  <ul class="author-list">${p.authors.map((a, i) => html`<li><a href="/authors/${encodeURIComponent(a)}">${a}</a>${i < p.authors.length - 1 ? ',' : ''}</li>`)}</ul>
  <ul class="links">
    <li><a class="btn" href="${links.pdf}">PDF</a></li>
    <li><a class="btn secondary" href="${links.abs}">arXiv page</a></li>
    ${p.codeUrl ? html`<li><a class="btn secondary" href="${p.codeUrl}">Code${p.githubStars ? html` · ★ ${p.githubStars}` : ''}</a></li>` : ''}
    ${p.projectUrl ? html`<li><a class="btn secondary" href="${p.projectUrl}">Project page</a></li>` : ''}
  </ul>
  <div class="paper-body">
    <div>
      <section aria-labelledby="abstract-h">
        <h2 id="abstract-h">Abstract</h2>
        <p class="abstract-full">${mathText(p.abstract || 'No abstract.')}</p>
      </section>
      ${aiSummarySection(ai)}
      ${main}
    </div>
    <aside aria-label="About this paper">
      ${aside}
    </aside>
  </div>
</article>`;
  return ctx.page(req, reply, { title: plainText(p.title), description, head, math: true }, body, status);
}

function detailsSection(view: PaperView): SafeHtml {
  const p = view.paper;
  return html`<section>
        <h2>Details</h2>
        <dl>
          ${p.categories.length ? html`<dt>Categories</dt><dd>${p.categories.map((c) => html`<a class="chip" href="/papers/category/${c}">${c}</a> `)}</dd>` : ''}
          ${p.comment ? html`<dt>Comment</dt><dd>${p.comment}</dd>` : ''}
          ${p.journalRef ? html`<dt>Journal ref</dt><dd>${p.journalRef}</dd>` : ''}
          ${p.doi ? html`<dt>DOI</dt><dd><a href="https://doi.org/${p.doi}">${p.doi}</a></dd>` : ''}
          ${p.license ? html`<dt>Licence</dt><dd>${p.license}</dd>` : ''}
          ${view.entry?.submitter ? html`<dt>Submitted by</dt><dd>${view.entry.submitter.fullname || view.entry.submitter.name}</dd>` : ''}
        </dl>
      </section>`;
}

function versionsSection(view: PaperView): SafeHtml {
  const p = view.paper;
  const versions = p.versions.length ? p.versions : [{ version: p.version, date: p.updatedAt ?? undefined }];
  return html`<section>
        <h2>Versions</h2>
        <ol class="versions">${versions.map((v) => html`<li><a href="https://arxiv.org/abs/${p.arxivId}v${v.version}">v${v.version}</a>${v.date ? html` · ${fmtDate(v.date)}` : ''}</li>`)}</ol>
      </section>`;
}

function citeSection(view: PaperView): SafeHtml {
  return html`<section aria-labelledby="cite-h">
        <div class="cite-head">
          <h2 id="cite-h">Cite (BibTeX)</h2>
          <span><button type="button" class="btn secondary copy" data-copy="bibtex" hidden>Copy</button> <span class="copy-status" role="status"></span></span>
        </div>
        <pre class="bibtex" id="bibtex" tabindex="0" aria-label="BibTeX citation">${bibtex(view.paper)}</pre>
        ${citeLinks(view.paper.arxivId)}
      </section>`;
}

export function paperPages(app: FastifyInstance, ctx: HttpContext) {
  app.get<{ Params: { id: string } }>('/papers/:id', (req, reply) => renderPaper(ctx, req, reply, req.params.id));
  // Old-style ids have a slash: hep-th/9901001.
  app.get<{ Params: { archive: string; num: string } }>('/papers/:archive/:num', (req, reply) =>
    renderPaper(ctx, req, reply, `${req.params.archive}/${req.params.num}`),
  );

  // The whole abstract as an HTML fragment, for the cards' "Show more" (app.js). Cacheable: abstracts rarely change.
  app.get<{ Params: { '*': string } }>('/fragments/abstract/*', async (req, reply) => {
    const view = await ctx.pb.papers.get(req.params['*']);
    return reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'public, max-age=3600')
      .header('X-Robots-Tag', 'noindex')
      .send(mathText(view.paper.abstract).value);
  });

  app.get<{ Params: { name: string } }>('/authors/:name', async (req, reply) => {
    const page = pageParam(req);
    const { name, papers } = await ctx.pb.papers.byAuthor(req.params.name, LIST_SIZE + 1, page * LIST_SIZE);
    const here = `/authors/${encodeURIComponent(name)}`;
    if (page > 0 && !papers.length) return emptyPage(ctx, req, reply, name, `There are no more papers by ${name}.`, here);
    const body = html`<div class="list-head"><h1>${name}</h1>${followButton(req, { kind: 'follow-author', name }, here)}</div>
<p class="count-line muted">Papers on this instance, newest first${page ? html` · page ${page + 1}` : ''} · <a href="/feeds/author/${encodeURIComponent(name)}.rss" type="application/rss+xml">RSS</a></p>
<ol class="cards">${papers.slice(0, LIST_SIZE).map((p) => paperCard({ paper: p }, req.viewer, pageHref(here, page)))}</ol>
${pager(here, page, papers.length > LIST_SIZE)}`;
    return ctx.page(req, reply, { title: name, description: `Papers by ${name}.`, math: true }, body);
  });

  app.get<{ Params: { cat: string } }>('/papers/category/:cat', async (req, reply) => {
    const cat = req.params.cat;
    if (!/^[a-z-]+(\.[A-Za-z-]+)?$/.test(cat)) throw errors.badRequest(`"${cat}" is not an arXiv category.`);
    const page = pageParam(req);
    const papers = await ctx.pb.papers.byCategory(cat, LIST_SIZE + 1, page * LIST_SIZE);
    const here = `/papers/category/${cat}`;
    if (!papers.length && page) return emptyPage(ctx, req, reply, cat, `There are no more papers in ${cat}.`, here);
    if (!papers.length) throw errors.notFound(`No papers in ${cat}.`);
    const body = html`<div class="list-head"><h1>${cat} <span class="muted">· latest papers</span></h1>${followButton(req, { kind: 'follow-category', category: cat }, here)}</div>
<p class="count-line muted">Newest first${page ? html` · page ${page + 1}` : ''} · <a href="/feeds/category/${cat}.rss" type="application/rss+xml">RSS</a></p>
<ol class="cards">${papers.slice(0, LIST_SIZE).map((p) => paperCard({ paper: p }, req.viewer, pageHref(here, page)))}</ol>
${pager(here, page, papers.length > LIST_SIZE)}`;
    return ctx.page(req, reply, { title: cat, description: `Latest ${cat} papers.`, math: true }, body);
  });
}

const LIST_SIZE = 30;

/** The page asked for, counted from 0 inside; URLs and text count from 1 (?p=2 is the second page). */
export function pageParam(req: FastifyRequest): number {
  const raw = (req.query as { p?: string }).p;
  if (raw === undefined || raw === '') return 0;
  if (!/^\d{1,5}$/.test(raw) || Number(raw) < 1) throw errors.badRequest('Pages are numbered from 1.');
  return Number(raw) - 1;
}

/** The address of page `page` (from 0) of a list at `path`. */
export function pageHref(path: string, page: number): string {
  return page ? `${path}${path.includes('?') ? '&' : '?'}p=${page + 1}` : path;
}

/** A page past the end of a list: says so and leads back to its first page. */
export function emptyPage(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, title: string, message: string, first: string) {
  return ctx.page(req, reply, { title }, html`<h1>${title}</h1><div class="empty"><p>${message}</p><p><a class="btn secondary" href="${first}">← Back to the first page</a></p></div>`, 404);
}

/** Previous/next page links for the author and category lists (their totals are not counted). */
function pager(path: string, page: number, hasNext: boolean): SafeHtml {
  if (!page && !hasNext) return html``;
  return html`<nav class="pager pages" aria-label="Pages">
${page > 0 ? html`<a href="${pageHref(path, page - 1)}" rel="prev">← Newer papers</a>` : ''}
<span>Page ${page + 1}</span>
${hasNext ? html`<a href="${pageHref(path, page + 1)}" rel="next">Older papers →</a>` : ''}
</nav>`;
}
