// Comment Markdown → safe HTML: marked renders, sanitize-html keeps an allowlist, and TeX
// between $…$ / $$…$$ is rendered by KaTeX after sanitising (its output is trusted markup).
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import katex from 'katex';

const MATH = /\$\$([^$]+?)\$\$|\$([^$\n]+?)\$/g;

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

export function renderMarkdown(source: string): string {
  const maths: string[] = [];
  // Placeholders survive Markdown and the sanitiser untouched (letters and digits only).
  const withHoles = source.replace(MATH, (_m, display: string | undefined, inline: string | undefined) => {
    const tex = display ?? inline ?? '';
    maths.push(
      katex.renderToString(tex, { throwOnError: false, displayMode: display !== undefined, output: 'html', strict: 'ignore', trust: false, maxExpand: 200, maxSize: 20 }),
    );
    return `MATHxHOLE${maths.length - 1}xEND`;
  });
  const rendered = marked.parse(withHoles, { async: false, gfm: true, breaks: true }) as string;
  const clean = sanitizeHtml(rendered, ALLOW);
  return clean.replace(/MATHxHOLE(\d+)xEND/g, (_m, i: string) => maths[Number(i)] ?? '').trim();
}
