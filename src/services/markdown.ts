// Comment Markdown → safe HTML: marked renders, sanitize-html keeps an allowlist, and TeX
// between $…$ / $$…$$ is rendered by KaTeX and put back after sanitising (its output is trusted
// markup) — into text only: a placeholder that ended up inside a tag (a link target, say) is
// dropped, so math can never break out of an attribute.
// Bounds, so that no comment within the length limit costs much or stores much: at most
// MAX_MATH expressions and MAX_MATH_HTML bytes of KaTeX output (the rest stays as written), block
// quotes nested at most MAX_QUOTE_DEPTH deep, and a parser that still runs out of stack falls back
// to the escaped text.
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import katex from 'katex';
import { mathSpans } from '../domain/math-spans.ts';

export const MAX_MATH = 100;
export const MAX_MATH_HTML = 100_000;
export const MAX_QUOTE_DEPTH = 8;

const ALLOW: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr', 'h4', 'h5', 'h6'],
  allowedAttributes: { a: ['href'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  // Headings in a comment must not outrank the page's own.
  transformTags: {
    h1: 'h4',
    h2: 'h4',
    h3: 'h5',
    a: sanitizeHtml.simpleTransform('a', { rel: 'nofollow ugc noopener' }),
  },
  allowedSchemesAppliedToAttributes: ['href'],
  disallowedTagsMode: 'discard',
};
ALLOW.allowedAttributes = { a: ['href', 'rel'] };

const HOLE = /<[^>]*>|MATHxHOLE(\d+)xEND/g;

/** Lines that open more than MAX_QUOTE_DEPTH block quotes keep only that many. */
function capQuoteDepth(source: string): string {
  if (!source.includes('>')) return source;
  return source
    .split('\n')
    .map((line) => {
      let i = 0;
      let depth = 0;
      while (i < line.length && (line[i] === '>' || line[i] === ' ' || line[i] === '\t')) {
        if (line[i] === '>') depth++;
        i++;
      }
      return depth > MAX_QUOTE_DEPTH ? `${'> '.repeat(MAX_QUOTE_DEPTH)}${line.slice(i)}` : line;
    })
    .join('\n');
}

const escapeText = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function renderMarkdown(source: string): string {
  const maths: string[] = [];
  let mathBytes = 0;
  // Placeholders survive Markdown and the sanitiser untouched (letters and digits only).
  let withHoles = '';
  let last = 0;
  for (const m of mathSpans(source)) {
    if (maths.length >= MAX_MATH || mathBytes > MAX_MATH_HTML) break;
    const rendered = katex.renderToString(m.tex, { throwOnError: false, displayMode: m.display, output: 'html', strict: 'ignore', trust: false, maxExpand: 200, maxSize: 20 });
    mathBytes += rendered.length;
    maths.push(rendered);
    withHoles += `${source.slice(last, m.start)}MATHxHOLE${maths.length - 1}xEND`;
    last = m.end;
  }
  withHoles += source.slice(last);
  let rendered: string;
  try {
    rendered = marked.parse(capQuoteDepth(withHoles), { async: false, gfm: true, breaks: true }) as string;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    // Nesting deep enough to exhaust the parser's stack: keep the words, drop the structure.
    return `<p>${escapeText(source).replace(/\n/g, '<br>')}</p>`;
  }
  const clean = sanitizeHtml(rendered, ALLOW);
  return clean.replace(HOLE, (m: string, i: string | undefined) => (i === undefined ? m.replace(/MATHxHOLE\d+xEND/g, '') : (maths[Number(i)] ?? ''))).trim();
}
