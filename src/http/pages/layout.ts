// The page frame every HTML page shares: head, header with navigation, main landmark, footer.
import { html, raw, type SafeHtml } from '../html.ts';
import type { Assets } from '../assets.ts';

export interface NavItem {
  href: string;
  label: string;
  /** Lower comes first. */
  order: number;
}

/** Features add their pages to the header when they register their routes: no dead links. */
export const navItems: NavItem[] = [{ href: '/', label: 'Daily', order: 0 }];

export function addNavItem(item: NavItem): void {
  if (!navItems.some((n) => n.href === item.href)) navItems.push(item);
  navItems.sort((a, b) => a.order - b.order);
}

export interface PageOptions {
  title: string;
  description?: string;
  /** Extra tags for <head> (meta tags, alternate links). */
  head?: SafeHtml;
  /** Current path, to mark the active nav item. */
  path?: string;
  /** Include KaTeX's stylesheet (pages with rendered math). */
  math?: boolean;
  /** Shown in the header's search box. */
  query?: string;
  /** HTML shown in the header's right side (account links). */
  account?: SafeHtml;
}

export interface LayoutContext {
  assets: Assets;
  siteName: string;
  /** Whether search exists yet (the header shows a search box only then). */
  hasSearch: () => boolean;
}

// A half-filled circle: the usual light/dark symbol. The button needs JavaScript, so app.js reveals it.
const THEME_ICON = raw(
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 3a9 9 0 0 1 0 18z" fill="currentColor"/></svg>',
);

export function layout(ctx: LayoutContext, opts: PageOptions, body: SafeHtml): string {
  const a = ctx.assets;
  const nav = navItems.map(
    (n) => html`<li><a href="${n.href}"${n.href === opts.path ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
  );
  return (
    '<!doctype html>' +
    html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ${ctx.siteName}</title>
${opts.description ? html`<meta name="description" content="${opts.description}">` : ''}
<meta name="color-scheme" content="light dark">
<script src="${a.url('theme.js')}"></script>
<link rel="stylesheet" href="${a.url('app.css')}">
${opts.math ? html`<link rel="stylesheet" href="${a.url('katex.css')}">` : ''}
<link rel="icon" href="${a.url('favicon.svg')}" type="image/svg+xml">
${opts.head ?? ''}
<script src="${a.url('app.js')}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <div class="bar">
    <a class="brand" href="/"><img src="${a.url('favicon.svg')}" alt="" width="24" height="24"> ${ctx.siteName}</a>
    <nav aria-label="Main"><ul>${nav}</ul></nav>
    ${
      ctx.hasSearch()
        ? html`<form class="search" role="search" aria-label="Site search" action="/search" method="get">
      <label class="visually-hidden" for="q">Search papers</label>
      <input id="q" name="q" type="search" placeholder="Search papers or paste an arXiv id" value="${opts.query ?? ''}" autocomplete="off" data-suggest>
    </form>`
        : ''
    }
    <div class="account">${opts.account ?? ''}</div>
    <button type="button" class="theme-toggle" data-theme-toggle aria-label="Dark theme" aria-pressed="false" hidden>${THEME_ICON}</button>
  </div>
</header>
<main id="main">
${body}
</main>
<footer class="site">
  <p>${ctx.siteName} · open, self-hostable papers hub · arXiv metadata is CC0 · <a href="https://arxiv.org">arXiv</a> · <a href="/api/daily_papers">API</a></p>
</footer>
</body>
</html>`.value
  );
}
