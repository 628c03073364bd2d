// <link rel="alternate"> feed links: the feeds mirroring a page (daily lists, author, category,
// search and trending pages), in one place. The page renderer (src/http/context.ts) puts them in <head>.

interface Alt {
  type: 'rss' | 'atom';
  title: string;
  href: string;
}

export const FEED_MIME = { rss: 'application/rss+xml', atom: 'application/atom+xml' };

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
  const listed = path.match(/^\/papers\/(date|week|month)\/([0-9W-]{7,10})$/);
  const period = path === '' ? 'home' : listed ? `${listed[1]}=${listed[2]}` : null;
  if (period) {
    const q = period === 'home' ? '' : `?${period}`;
    const label = period === 'home' ? 'latest day' : period.replace('=', ' ');
    return [
      { type: 'rss', title: `Daily papers, ${label} (RSS)`, href: `/feeds/daily.rss${q}` },
      { type: 'atom', title: `Daily papers, ${label} (Atom)`, href: `/feeds/daily.atom${q}` },
      { type: 'rss', title: 'Trending papers (RSS)', href: '/feeds/trending.rss' },
    ];
  }
  if (path === '/papers/trending')
    return [
      { type: 'rss', title: 'Trending papers (RSS)', href: '/feeds/trending.rss' },
      { type: 'atom', title: 'Trending papers (Atom)', href: '/feeds/trending.atom' },
    ];
  return [];
}
