// The page frame every HTML page shares: head, header with navigation, main landmark, footer.
import { html, raw, type SafeHtml } from '../html.ts';
import type { Assets } from '../assets.ts';

export interface NavItem {
  href: string;
  label: string;
  /** Other paths under this item (marks it current there too). */
  prefix?: string;
}

/** The main menu, in order. A new top-level page adds its line here. */
export const NAV: readonly NavItem[] = [
  { href: '/', label: 'Daily', prefix: '/papers/date' },
  { href: '/papers/trending', label: 'Trending' },
  { href: '/collections', label: 'Collections', prefix: '/collections' },
  { href: '/submit', label: 'Submit' },
  { href: '/subscribe', label: 'Digest', prefix: '/subscribe' },
  { href: '/api/docs', label: 'API', prefix: '/api/docs' },
];

/** Who is looking, as the header needs it. */
export interface HeaderViewer {
  username: string | null;
  displayName: string | null;
  csrf: string;
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
  /** The signed-in reader (the header's account links), or null. */
  viewer?: HeaderViewer | null;
  /** Leave the account links out (5xx pages: the session lookup may be what failed). */
  bare?: boolean;
  /** The path and query to come back to after signing in. */
  here?: string;
  /** Scripts this page adds (public/ files, by name). */
  scripts?: string[];
}

export interface LayoutContext {
  assets: Assets;
  siteName: string;
}

function accountLinks(v: HeaderViewer | null | undefined, here: string): SafeHtml {
  if (!v) return html`<a href="/signin?next=${encodeURIComponent(here)}">Sign in</a>`;
  if (!v.username) return html`<a href="/welcome">Finish signing in</a>`;
  return html`<a class="who" href="/users/${v.username}">${v.displayName || v.username}</a><span class="sep" aria-hidden="true">·</span><a href="/settings">Settings</a>`;
}

const current = (n: NavItem, path: string | undefined) => !!path && (n.href === path || (!!n.prefix && (path === n.prefix || path.startsWith(`${n.prefix}/`))));

// A half-filled circle: the usual light/dark symbol. The button needs JavaScript, so app.js reveals it.
const THEME_ICON = raw(
  '<svg viewBox="0 0 24 24" aria-hidden="true" focusable="false"><circle cx="12" cy="12" r="9" fill="none" stroke="currentColor" stroke-width="2"/><path d="M12 3a9 9 0 0 1 0 18z" fill="currentColor"/></svg>',
);

export function layout(ctx: LayoutContext, opts: PageOptions, body: SafeHtml): string {
  const a = ctx.assets;
  const nav = NAV.map((n) => html`<li><a href="${n.href}"${current(n, opts.path) ? html` aria-current="page"` : ''}>${n.label}</a></li>`);
  // Signed-in pages carry vote and save forms that community.js posts in the background.
  const scripts = [...(opts.viewer?.csrf ? ['community.js'] : []), ...(opts.scripts ?? [])];
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
${scripts.map((s) => html`<script src="${a.url(s)}" defer></script>`)}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site">
  <div class="bar">
    <a class="brand" href="/"><img src="${a.url('favicon.svg')}" alt="" width="24" height="24"> ${ctx.siteName}</a>
    <nav aria-label="Main"><ul>${nav}</ul></nav>
    <form class="search" role="search" aria-label="Site search" action="/search" method="get">
      <label class="visually-hidden" for="q">Search papers</label>
      <input id="q" name="q" type="search" placeholder="Search papers or paste an arXiv id" value="${opts.query ?? ''}" autocomplete="off" maxlength="250" data-suggest>
    </form>
    <div class="account">${opts.bare ? '' : accountLinks(opts.viewer, opts.here ?? opts.path ?? '/')}</div>
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
