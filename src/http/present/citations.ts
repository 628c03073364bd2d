// Citation formats beside BibTeX: RIS (reference managers: Zotero, EndNote, Mendeley) and
// CSL-JSON (citeproc, Pandoc), for one paper or a list (a collection).
import type { Paper } from '../../domain/paper.ts';
import { bibtex, bibtexKey } from './bibtex.ts';
import { plainText } from './math.ts';

export type CitationFormat = 'bibtex' | 'ris' | 'csl-json';

export const CITATION_TYPES: Record<CitationFormat, { type: string; ext: string }> = {
  bibtex: { type: 'application/x-bibtex; charset=utf-8', ext: 'bib' },
  ris: { type: 'application/x-research-info-systems; charset=utf-8', ext: 'ris' },
  'csl-json': { type: 'application/vnd.citationstyles.csl+json; charset=utf-8', ext: 'json' },
};

/** RIS fields hold one line each. */
const line = (s: string) => s.replace(/[\r\n]+/g, ' ').trim();

/** "Last, First" as RIS and CSL want names; a single word stays a family name. */
function splitName(name: string): { family: string; given?: string } {
  const parts = name.trim().split(/\s+/);
  if (parts.length === 1) return { family: parts[0] };
  return { family: parts[parts.length - 1], given: parts.slice(0, -1).join(' ') };
}

function dateParts(iso: string | null): number[] | undefined {
  const m = iso?.match(/^(\d{4})-(\d{2})-(\d{2})/);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function ris(p: Paper): string {
  const d = p.publishedAt?.slice(0, 10);
  const rows: [string, string][] = [
    ['TY', 'ELEC'],
    ['ID', `arXiv:${p.arxivId}`],
    ['TI', line(plainText(p.title))],
    ...p.authors.map((a): [string, string] => {
      const n = splitName(a);
      return ['AU', line(n.given ? `${n.family}, ${n.given}` : n.family)];
    }),
    ...(d
      ? ([
          ['PY', d.slice(0, 4)],
          ['DA', d.replace(/-/g, '/')],
        ] as [string, string][])
      : []),
    ['AB', line(plainText(p.abstract))],
    ['PB', 'arXiv'],
    ['UR', `https://arxiv.org/abs/${p.arxivId}`],
    ['L1', `https://arxiv.org/pdf/${p.arxivId}`],
    ...(p.doi ? ([['DO', line(p.doi)]] as [string, string][]) : []),
    ...(p.journalRef ? ([['JO', line(p.journalRef)]] as [string, string][]) : []),
    ...p.categories.map((c): [string, string] => ['KW', c]),
    ['N1', `arXiv:${p.arxivId}${p.primaryCategory ? ` [${p.primaryCategory}]` : ''}`],
    ['ER', ''],
  ];
  return rows.map(([k, v]) => `${k}  - ${v}`.trimEnd()).join('\r\n') + '\r\n';
}

export function cslJson(p: Paper): Record<string, unknown> {
  const issued = dateParts(p.publishedAt);
  return {
    id: bibtexKey(p),
    type: 'article',
    title: plainText(p.title),
    author: p.authors.map(splitName),
    ...(issued ? { issued: { 'date-parts': [issued] } } : {}),
    abstract: plainText(p.abstract),
    'container-title': 'arXiv',
    publisher: 'arXiv',
    number: p.arxivId,
    URL: `https://arxiv.org/abs/${p.arxivId}`,
    ...(p.doi ? { DOI: p.doi } : {}),
    ...(p.journalRef ? { note: p.journalRef } : {}),
    keyword: p.categories.join(', '),
  };
}

/** Papers in a format: BibTeX entries and RIS records one after another, CSL-JSON as one array. */
export function citations(papers: Paper[], format: CitationFormat): string {
  if (format === 'bibtex') return papers.map(bibtex).join('\n\n') + '\n';
  if (format === 'ris') return papers.map(ris).join('\r\n');
  return JSON.stringify(papers.map(cslJson), null, 2) + '\n';
}
