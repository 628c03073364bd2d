// The one rule for links that come from imported data or users (code, project page, thumbnail,
// avatar, media): only absolute http: or https: URLs, without credentials, at most LINK_MAX long.
// Anything else (javascript:, data:, vbscript:, a relative path, a malformed URL) is dropped.
// Storage applies it to every paper and daily entry it writes, and the renderers apply it again
// before a link reaches an href or src (defence in depth: rows written before this rule existed).
// The scheme is read with the WHATWG URL parser, the same one browsers use on href, so "java\tscript:"
// or " JAVASCRIPT:" are seen as what a browser would see.

export const LINK_MAX = 2048;

/** The link when it is http(s), else null. `base` resolves a relative link (e.g. HF's "/avatars/…"). */
export function safeLink(raw: unknown, base?: string): string | null {
  if (typeof raw !== 'string') return null;
  const s = raw.trim();
  if (!s || s.length > LINK_MAX) return null;
  let url: URL;
  try {
    url = base ? new URL(s, base) : new URL(s);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password || !url.hostname) return null;
  // An absolute link is kept as written (sources' values stay comparable); a resolved one as resolved.
  return /^https?:\/\//i.test(s) && !/[\s<>"'`\\]/.test(s) ? s : url.href;
}

/** The http(s) links of a list (media URLs), at most `max` of them. */
export function safeLinks(raw: unknown, max = 20): string[] {
  if (!Array.isArray(raw)) return [];
  const out: string[] = [];
  for (const v of raw.slice(0, max * 5)) {
    const l = safeLink(v);
    if (l) out.push(l);
    if (out.length >= max) break;
  }
  return out;
}
