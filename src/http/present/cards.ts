// A paper card: the unit of every list page. Markup is kept lean on purpose: the daily page
// with 50 cards must stay under the 100 KB page-weight budget (test/browser-pages.test.ts).
import { html, type SafeHtml } from '../html.ts';
import { mathText } from './math.ts';
import { arxivLinks } from '../../domain/arxiv-id.ts';
import type { DailyEntry, Paper } from '../../domain/paper.ts';
import { thumbnailPath } from '../../services/thumbnails.ts';
import { commentCount, type CommentCount } from '../../domain/counts.ts';

export interface CardData {
  paper: Paper;
  entry?: DailyEntry;
  /** One line under the meta row: why the paper is here (trending, "For you"), a collection note. */
  note?: SafeHtml | string;
  /** Controls under the note (a collection owner's "Remove"). */
  actions?: SafeHtml;
  /** A title attribute for the card (the numbers behind a trending place). */
  title?: string;
  /** The card's place in a ranking (trending). */
  rank?: number;
}

/** What a card needs to know about who is looking: their form token and what they upvoted. */
export interface CardViewer {
  csrf: string;
  voted: Set<number>;
}

/**
 * Where a signed-out reader's ▲ leads: GET /papers/<id>/upvote sends them to sign in (back to the
 * page they clicked on, from the Referer), and the vote is cast when they are signed in. Short on
 * purpose: it is on every card of every anonymous list (the page-weight budget).
 */
export function signinToVote(arxivId: string): string {
  return `/papers/${arxivId}/upvote`;
}

/**
 * The upvote control: a real form (works without JavaScript; community.js posts it in the
 * background). Without JavaScript the answer redirects to the page the form was on (its Referer),
 * so no per-card "back" field is sent. Signed out, a link to sign in that casts the vote afterwards.
 */
export function voteControl(paper: Paper, viewer: CardViewer | null | undefined, _back?: string): SafeHtml {
  const count = paper.upvotes;
  // No visible "upvotes" under the number (as on HF): the ▲ says it; screen readers get the words.
  if (!viewer || !viewer.csrf)
    return html`<div class="votes"><a class="vote" href="${signinToVote(paper.arxivId)}"><span aria-hidden="true">▲</span><span class="count">${count}</span><span class="visually-hidden"> upvotes: sign in to upvote</span></a></div>`;
  const on = viewer.voted.has(paper.id);
  return html`<div class="votes"><form method="post" action="/papers/${encodeURIComponent(paper.arxivId)}/upvote" data-vote><input type="hidden" name="_csrf" value="${viewer.csrf}"><button type="submit" aria-pressed="${on ? 'true' : 'false'}"><span aria-hidden="true">▲</span><span class="count">${count}</span><span class="visually-hidden"> upvotes: upvote this paper</span></button></form></div>`;
}

/** "2 comments" (linking to them) and "3 on Hugging Face ↗", from the one rule of src/domain/counts.ts. */
export function commentLinks(c: CommentCount, href: string): SafeHtml {
  const here = c.here ? html`<a href="${href}#comments">${plural(c.here, 'comment')}</a>` : c.elsewhere ? '' : '0 comments';
  // "1 comment · 3 on Hugging Face", but "3 comments on Hugging Face" alone (beside "64 upvotes" a bare 3 reads as votes).
  const n = c.elsewhere ? (c.here ? String(c.elsewhere.count) : plural(c.elsewhere.count, 'comment')) : '';
  const there = c.elsewhere ? html`<a href="${c.elsewhere.url}" rel="noopener">${n} on ${c.elsewhere.source} <span aria-hidden="true">↗</span></a>` : '';
  return html`${here}${here && there ? ' · ' : ''}${there}`;
}

/** Abstracts up to this long fit in the clamped lines and get no toggle. */
const SHORT = 220;
/**
 * Cards carry at most this much of the abstract: 50 full abstracts alone weigh ~75 KB. The
 * toggle's link leads to the paper page; with JavaScript, app.js fetches the whole abstract
 * (/fragments/abstract/<id>) into the card instead.
 */
const EXCERPT = 240;

/** The abstract cut at a word boundary before `max` characters, never inside $…$. */
export function excerpt(text: string, max = EXCERPT): { text: string; cut: boolean } {
  if (text.length <= max) return { text, cut: false };
  let cut = text.lastIndexOf(' ', max);
  if (cut < max / 2) cut = max;
  let head = text.slice(0, cut);
  if ((head.match(/\$/g)?.length ?? 0) % 2 === 1) head = head.slice(0, head.lastIndexOf('$'));
  const open = head.lastIndexOf('\\(');
  if (open > head.lastIndexOf('\\)')) head = head.slice(0, open);
  return { text: head.replace(/[\s,;:(-]+$/, '') + '…', cut: true };
}

/** The first `max` authors as links to their pages, then "+N more" (linking to the paper's full list). */
export function authorLinks(authors: string[], max = 4, paperHref?: string): SafeHtml {
  const shown = authors.slice(0, max).map((a, i) => html`${i ? ', ' : ''}<a href="/authors/${encodeURIComponent(a)}">${a}</a>`);
  const more = authors.length - max;
  if (more <= 0) return html`${shown}`;
  return paperHref ? html`${shown} <a class="more" href="${paperHref}">+${more} more</a>` : html`${shown} <span class="more">+${more} more</span>`;
}

/** A deterministic hue for a paper's placeholder tile. */
export function placeholderHue(id: string): number {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 360;
}

/** Kept for callers that want a colour string. */
export function placeholderColor(id: string): string {
  return `hsl(${placeholderHue(id)} 45% 38%)`;
}

/** Up to two initials of the title's words (TeX stripped), for the placeholder tile. */
export function initials(title: string): string {
  return title
    .replace(/\$[^$]*\$/g, '')
    .split(/\s+/)
    .filter((w) => /^[A-Za-z]/.test(w))
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
}

/**
 * A coloured tile with initials, under the thumbnail when there is one: if the image cannot
 * load, app.js removes it and the tile shows. Decorative: the title link is the real link.
 */
export function thumb(c: CardData): SafeHtml {
  // This instance's rendering of the first page first (immutable URL), else the source's image.
  const url = c.paper.thumbnailKey ? thumbnailPath(c.paper.arxivId, c.paper.thumbnailKey) : (c.entry?.thumbnailUrl ?? c.paper.thumbnailUrl);
  return html`<div class="thumb ph" style="--h:${placeholderHue(c.paper.arxivId)}" aria-hidden="true">${initials(c.paper.title)}${
    url ? html`<img src="${url}" alt="" loading="lazy" width="120" height="90">` : ''
  }</div>`;
}

/**
 * One copy of (the start of) the abstract, clamped to three lines by CSS. The <details> after it
 * is the no-JavaScript toggle: `.abstract:has(details[open])` lifts the clamp, and its content
 * links to the full abstract when the card only has an excerpt. Screen readers get the whole
 * excerpt either way (the clamp is visual only); app.js hides the toggle when nothing is cut.
 */
export function abstractBlock(text: string, href?: string): SafeHtml {
  if (text.length <= SHORT) return html`<p class="abstract">${mathText(text)}</p>`;
  const ex = excerpt(text);
  return html`<div class="abstract clamp"><p>${mathText(ex.text)}</p><details><summary><span>Show more</span><span>Show less</span></summary>${
    ex.cut && href ? html`<a href="${href}">Full abstract</a>` : ''
  }</details></div>`;
}

function plural(n: number, one: string): string {
  return `${n} ${one}${n === 1 ? '' : 's'}`;
}

/**
 * One paper in a list. `back` is the list's own address: a vote from here (signed in or after
 * signing in) returns to it.
 */
export function paperCard(c: CardData, viewer: CardViewer | null | undefined, back: string, level = 2): SafeHtml {
  const p = c.paper;
  const href = `/papers/${p.arxivId}`;
  const links = arxivLinks(p.arxivId);
  const link = html`<a href="${href}">${mathText(p.title)}</a>`;
  const submitter = c.entry?.submitter;
  const comments = commentCount({ localComments: p.numComments, sourceComments: p.sourceComments }, p.arxivId);
  return html`<li class="card"${c.title ? html` title="${c.title}"` : ''}${c.rank ? html` data-rank="${c.rank}"` : ''}>${thumb(c)}<div class="body">${level === 2 ? html`<h2>${link}</h2>` : html`<h3>${link}</h3>`}
<p class="authors">${authorLinks(p.authors, 3, href)}</p>
${p.abstract ? abstractBlock(p.abstract, href) : ''}
<ul class="meta">${p.categories.slice(0, 3).map((cat) => html`<li><a class="chip" href="/papers/category/${cat}">${cat}</a></li>`)}<li>${commentLinks(comments, href)}</li>${
    submitter ? html`<li>Submitted by ${submitter.fullname || submitter.name}</li>` : ''
  }<li><a href="${links.pdf}">PDF</a></li>${p.codeUrl ? html`<li><a href="${p.codeUrl}">Code</a></li>` : ''}<li><a href="/more-like-this/${p.arxivId}">More like this</a></li></ul>${
    c.note ? html`<div class="note">${c.note}</div>` : ''
  }${c.actions ?? ''}</div>${voteControl(p, viewer, back)}</li>
`;
}
