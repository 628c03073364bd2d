// Plain-text helpers shared by mail, feeds, search and pages (pure: no I/O, no project imports),
// with the one HTML/XML escaper: pages (src/http/html.ts), mail, feeds and search highlights use it.

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes the five characters that matter in HTML (and XML) text and attribute values. */
export function escapeHtml(s: unknown): string {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);
}

/** Shortens an abstract at a word boundary. */
export function shorten(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  let cut = t.lastIndexOf(' ', max);
  if (cut < max / 2) cut = max;
  return `${t.slice(0, cut).replace(/[,.;:]$/, '')}…`;
}

/** Titles carry TeX between $…$; mail shows the TeX source without the dollars. */
export function plainTitle(s: string): string {
  return s
    .replace(/\$([^$]*)\$/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}
