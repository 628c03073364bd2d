// XML parsing shared by the arXiv sources: fast-xml-parser over one page at a time (pages are
// bounded: an OAI page, an API result page, one RSS feed), namespaces dropped, values kept as text.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

const ARRAYS = new Set(['record', 'version', 'entry', 'author', 'category', 'link', 'setSpec', 'item', 'creator']);

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  isArray: (name) => ARRAYS.has(name),
});

export type XmlNode = Record<string, unknown>;

export function parseXml(xml: string): XmlNode {
  return parser.parse(xml) as XmlNode;
}

/** Throws with the parser's message when `xml` is not well-formed (e.g. a body cut short). */
export function assertWellFormed(xml: string): void {
  const r = XMLValidator.validate(xml);
  if (r !== true) throw new Error(`malformed XML at line ${r.err.line}: ${r.err.msg}`);
}

/** The text of an element that may carry attributes ({'#text', '@_…'}) or be absent. */
export function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(text).join(' ');
  if (typeof v === 'object') return text((v as XmlNode)['#text']);
  return '';
}

export function attr(v: unknown, name: string): string | undefined {
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    const a = (v as XmlNode)[`@_${name}`];
    return a === undefined ? undefined : String(a);
  }
  return undefined;
}

export function list<T = unknown>(v: unknown): T[] {
  if (v === undefined || v === null || v === '') return [];
  return (Array.isArray(v) ? v : [v]) as T[];
}

/** An RFC 822 / ISO date as ISO, or null. */
export function isoDate(s: string | undefined | null): string | null {
  if (!s) return null;
  const t = Date.parse(s.trim());
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** "A, B, and C" / "A and B" → names. */
export function splitAuthors(s: string): string[] {
  return s
    .replace(/\s+/g, ' ')
    .split(/\s*,\s*(?:and\s+)?|\s+and\s+/)
    .map((x) => x.trim())
    .filter(Boolean);
}
