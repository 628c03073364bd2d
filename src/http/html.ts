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

export function html(strings: TemplateStringsArray, ...values: Value[]): SafeHtml {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += render(values[i]) + strings[i + 1];
  return new SafeHtml(out);
}

/** Marks markup as safe. Only for output of trusted renderers (KaTeX, the sanitiser). */
export function raw(s: string): SafeHtml {
  return new SafeHtml(s);
}

