// Text with inline TeX ($…$ or \(…\)) rendered by KaTeX on the server; everything else escaped.
import katex from 'katex';
import { escapeHtml, raw, type SafeHtml } from '../html.ts';

const MATH = /\$\$([^$]+?)\$\$|\$([^$\n]+?)\$|\\\(([\s\S]+?)\\\)/g;
const cache = new Map<string, string>();

function renderTex(tex: string, display: boolean): string {
  const key = `${display ? 'D' : 'I'}${tex}`;
  let out = cache.get(key);
  if (out === undefined) {
    try {
      out = katex.renderToString(tex, { throwOnError: false, displayMode: display, output: 'html', strict: 'ignore', trust: false, maxExpand: 200, maxSize: 20 });
    } catch {
      out = escapeHtml(`$${tex}$`);
    }
    // KaTeX's HTML is aria-hidden; the TeX source stays readable for screen readers.
    out += `<span class="visually-hidden">${escapeHtml(tex)}</span>`;
    if (cache.size > 20000) cache.clear();
    cache.set(key, out);
  }
  return out;
}

export function mathText(text: string): SafeHtml {
  let out = '';
  let last = 0;
  MATH.lastIndex = 0;
  for (let m = MATH.exec(text); m; m = MATH.exec(text)) {
    out += escapeHtml(text.slice(last, m.index));
    const tex = m[1] ?? m[2] ?? m[3];
    out += renderTex(tex, m[1] !== undefined);
    last = m.index + m[0].length;
  }
  out += escapeHtml(text.slice(last));
  return raw(out);
}

/** Plain text for places that cannot hold markup (titles, meta tags, feeds): TeX kept as written. */
export function plainText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
