// Text with inline TeX ($…$ or \(…\)) rendered by KaTeX on the server; everything else escaped.
import katex from 'katex';
import { escapeHtml, raw, type SafeHtml } from '../html.ts';
import { mathSpans } from '../../domain/math-spans.ts';

const cache = new Map<string, string>();
const MAX_SPANS = 100;
const MAX_TEX = 1000;

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

/** TeX spans are found in linear time (src/domain/math-spans.ts), so a hostile title or abstract costs one pass. */
export function mathText(text: string): SafeHtml {
  let out = '';
  let last = 0;
  // At most MAX_SPANS rendered per text, each at most MAX_TEX long: the rest stays as written.
  for (const m of mathSpans(text, { parens: true }).slice(0, MAX_SPANS)) {
    if (m.tex.length > MAX_TEX) continue;
    out += escapeHtml(text.slice(last, m.start));
    out += renderTex(m.tex, m.display);
    last = m.end;
  }
  out += escapeHtml(text.slice(last));
  return raw(out);
}

/** Plain text for places that cannot hold markup (titles, meta tags, feeds): TeX kept as written. */
export function plainText(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
