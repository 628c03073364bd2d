// <link rel="alternate"> feed links for pages that have a feed but no <head> hook of their own
// (author, category, search and trending pages). The app adds them to the page's <head> as it is
// sent; pages with a hook (the daily lists) link their feeds themselves.
import { escapeHtml } from '../html.ts';

interface Alt {
  type: 'rss' | 'atom';
  title: string;
  href: string;
}

const MIME = { rss: 'application/rss+xml', atom: 'application/atom+xml' };

function decode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The feeds mirroring the page at `url` (path and query), if any. */
export function feedsForPage(url: string): Alt[] {
  const u = new URL(url, 'http://x');
  const path = u.pathname.replace(/\/$/, '');
  let m: RegExpMatchArray | null;
  if ((m = path.match(/^\/authors\/([^/]+)$/))) {
    const name = decode(m[1]);
    if (!name) return [];
    const enc = encodeURIComponent(name);
    return [
      { type: 'rss', title: `New papers by ${name} (RSS)`, href: `/feeds/author/${enc}.rss` },
      { type: 'atom', title: `New papers by ${name} (Atom)`, href: `/feeds/author/${enc}.atom` },
    ];
  }
  if ((m = path.match(/^\/papers\/category\/([a-z-]+(?:\.[A-Za-z-]+)?)$/)))
    return [
      { type: 'rss', title: `New in ${m[1]} (RSS)`, href: `/feeds/category/${m[1]}.rss` },
      { type: 'atom', title: `New in ${m[1]} (Atom)`, href: `/feeds/category/${m[1]}.atom` },
    ];
  if (path === '/search') {
    const q = u.searchParams.get('q')?.trim();
    if (!q) return [];
    return [{ type: 'rss', title: `Search: ${q} (RSS)`, href: `/feeds/search.rss?q=${encodeURIComponent(q)}` }];
  }
  if (path === '/papers/trending')
    return [
      { type: 'rss', title: 'Trending papers (RSS)', href: '/feeds/trending.rss' },
      { type: 'atom', title: 'Trending papers (Atom)', href: '/feeds/trending.atom' },
    ];
  return [];
}

/** Adds the page's feed links before </head>, unless the page already links them. */
export function withFeedLinks(url: string, page: string): string {
  const alts = feedsForPage(url).filter((a) => !page.includes(`href="${escapeHtml(a.href)}"`));
  if (!alts.length) return page;
  const at = page.indexOf('</head>');
  if (at < 0) return page;
  const tags = alts.map((a) => `<link rel="alternate" type="${MIME[a.type]}" title="${escapeHtml(a.title)}" href="${escapeHtml(a.href)}">`).join('\n');
  return `${page.slice(0, at)}${tags}\n${page.slice(at)}`;
}
