// BibTeX for a paper, in the form arXiv's own "Export BibTeX citation" gives.
import type { Paper } from '../../domain/paper.ts';

function bibEscape(s: string): string {
  return s.replace(/[{}\\]/g, '').replace(/([&%#_])/g, '\\$1');
}

export function bibtexKey(p: Paper): string {
  const last = (p.authors[0] ?? 'anon').split(/\s+/).pop()!.normalize('NFKD').replace(/[^A-Za-z]/g, '').toLowerCase() || 'anon';
  const year = (p.publishedAt ?? '').slice(0, 4) || `20${p.arxivId.slice(0, 2)}`;
  const word = p.title.normalize('NFKD').toLowerCase().replace(/[^a-z\s]/g, '').split(/\s+/).find((w) => w.length > 3) ?? 'paper';
  return `${last}${year}${word}`;
}

export function bibtex(p: Paper): string {
  const year = (p.publishedAt ?? '').slice(0, 4) || `20${p.arxivId.slice(0, 2)}`;
  const lines = [
    `@misc{${bibtexKey(p)},`,
    `  title={${bibEscape(p.title)}},`,
    `  author={${p.authors.map(bibEscape).join(' and ')}},`,
    `  year={${year}},`,
    `  eprint={${p.arxivId}},`,
    `  archivePrefix={arXiv},`,
    ...(p.primaryCategory ? [`  primaryClass={${p.primaryCategory}},`] : []),
    ...(p.doi ? [`  doi={${bibEscape(p.doi)}},`] : []),
    `  url={https://arxiv.org/abs/${p.arxivId}},`,
  ];
  lines[lines.length - 1] = lines[lines.length - 1].replace(/,$/, '');
  return `${lines.join('\n')}\n}`;
}
