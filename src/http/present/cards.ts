// A paper card: the unit of every list page.
import { html, type SafeHtml } from '../html.ts';
import { mathText } from './math.ts';
import { arxivLinks } from '../../domain/arxiv-id.ts';
import type { DailyEntry, Paper } from '../../domain/paper.ts';

export interface CardData {
  paper: Paper;
  entry?: DailyEntry;
  upvotes: number;
  numComments: number;
}

/** Hooks features use to add to cards (an upvote form, a "why trending" note). */
export const cardExtras: {
  votes?: (c: CardData, viewer: unknown) => SafeHtml;
  meta: ((c: CardData, viewer: unknown) => SafeHtml | null)[];
} = { meta: [] };

const SHORT = 240;

export function authorLinks(authors: string[], max = 4): SafeHtml {
  const shown = authors.slice(0, max).map((a, i) => html`${i ? ', ' : ''}<a href="/authors/${encodeURIComponent(a)}">${a}</a>`);
  const more = authors.length - max;
  return html`${shown}${more > 0 ? html` <span title="${authors.slice(max).join(', ')}">+${more}</span>` : ''}`;
}

/** A deterministic coloured tile with the paper's initials when there is no thumbnail. */
export function placeholderColor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${h % 360} 45% 38%)`;
}

export function thumb(c: CardData): SafeHtml {
  const url = c.entry?.thumbnailUrl ?? c.paper.thumbnailUrl;
  const href = `/papers/${c.paper.arxivId}`;
  if (url) return html`<a href="${href}" tabindex="-1" aria-hidden="true"><img class="thumb" src="${url}" alt="" loading="lazy" width="120" height="90"></a>`;
  const initials = c.paper.title
    .replace(/\$[^$]*\$/g, '')
    .split(/\s+/)
    .filter((w) => /^[A-Za-z]/.test(w))
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
  return html`<a href="${href}" tabindex="-1" aria-hidden="true" class="thumb placeholder" style="background:${placeholderColor(c.paper.arxivId)}">${initials}</a>`;
}

export function abstractBlock(text: string): SafeHtml {
  if (text.length <= SHORT) return html`<p class="abstract">${mathText(text)}</p>`;
  let cut = text.lastIndexOf(' ', SHORT);
  if (cut < SHORT / 2) cut = SHORT;
  // Do not cut inside $…$.
  const head = text.slice(0, cut);
  const safeHead = (head.match(/\$/g)?.length ?? 0) % 2 === 1 ? head.slice(0, head.lastIndexOf('$')) : head;
  return html`<details class="abstract"><summary><span class="short">${mathText(safeHead)}… </span><span class="more">Show abstract</span></summary><span class="full">${mathText(text)}</span></details>`;
}

export function paperCard(c: CardData, viewer?: unknown, level = 2): SafeHtml {
  const p = c.paper;
  const links = arxivLinks(p.arxivId);
  const title = level === 2 ? html`<h2><a href="/papers/${p.arxivId}">${mathText(p.title)}</a></h2>` : html`<h3><a href="/papers/${p.arxivId}">${mathText(p.title)}</a></h3>`;
  const submitter = c.entry?.submitter;
  const votes = cardExtras.votes
    ? cardExtras.votes(c, viewer)
    : html`<div class="votes"><span class="count">${c.upvotes}</span><span class="muted">upvotes</span></div>`;
  return html`<li class="card">
  ${thumb(c)}
  <div>
    ${title}
    <p class="authors">${authorLinks(p.authors)}</p>
    ${p.abstract ? abstractBlock(p.abstract) : ''}
    <ul class="meta">
      ${p.categories.slice(0, 3).map((cat) => html`<li><a class="chip" href="/papers/category/${cat}">${cat}</a></li>`)}
      <li><a href="/papers/${p.arxivId}#comments">${c.numComments} comment${c.numComments === 1 ? '' : 's'}</a></li>
      ${submitter ? html`<li>Submitted by ${submitter.fullname || submitter.name}</li>` : ''}
      <li><a href="${links.abs}">arXiv</a></li>
      <li><a href="${links.pdf}">PDF</a></li>
      ${p.codeUrl ? html`<li><a href="${p.codeUrl}">Code</a></li>` : ''}
      ${cardExtras.meta.map((f) => f(c, viewer))}
    </ul>
  </div>
  ${votes}
</li>`;
}
