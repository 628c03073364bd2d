// HTML templating by tagged template: every interpolated value is escaped unless it is
// already SafeHtml (produced by `html` itself or by `raw` for trusted, sanitised markup).

export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

import { escapeHtml } from '../domain/text.ts';

export { escapeHtml };

type Value = SafeHtml | string | number | boolean | null | undefined | Value[];

function render(v: Value): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.value;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(v);
}

/** Whether a template piece ends by opening a URL attribute (href="…", src="…", action="…"). */
const opensUrlAttr = (s: string) => s.endsWith('href="') || s.endsWith('src="') || s.endsWith('action="') || s.endsWith('formaction="');

/**
 * A URL is fine in an attribute when it is relative, a fragment, or http(s)/mailto. The scheme is
 * read as a browser would: blanks and control characters at the start and tabs/new lines anywhere
 * are ignored, case does not matter.
 */
export function isSafeUrl(url: string): boolean {
  let s = '';
  for (const ch of url.slice(0, 64)) if (ch > ' ') s += ch;
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  return !m || /^(https?|mailto)$/i.test(m[1]);
}

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    // Defence in depth: a plain string placed in href/src/action never carries javascript:, data: …
    const unsafe = typeof v === 'string' && opensUrlAttr(strings[i]) && !isSafeUrl(v);
    out += (unsafe ? '#' : render(v)) + strings[i + 1];
  }
  return new SafeHtml(out);
}

/** Marks markup as safe. Only for output of trusted renderers (KaTeX, the sanitiser). */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

