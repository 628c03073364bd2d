// Kaggle snapshot lines (arxiv-metadata-oai-snapshot.json) made from the bundled sample's real
// papers: for the bulk-import tests and the ingest benchmark, which import them under new ids.
import { readFileSync } from 'node:fs';
import { brotliDecompressSync } from 'node:zlib';
import { SAMPLE_FILES } from '../../src/services/sample.ts';

export interface SamplePaper {
  arxiv_id: string;
  title: string;
  authors: string[];
  summary: string;
  categories?: string[] | null;
  comment?: string | null;
}

/** The bundled sample's arXiv papers (9,437 real records). */
export function samplePapers(): SamplePaper[] {
  return brotliDecompressSync(readFileSync(SAMPLE_FILES.arxiv))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as SamplePaper);
}

/** One snapshot record with `src`'s text under a new id; `versions` dates are RFC 1123, as Kaggle has them. */
export function kaggleRecord(
  src: SamplePaper,
  o: { id: string; title?: string; comments?: string | null; versions: { version: string; created: string }[]; updateDate: string | null },
): Record<string, unknown> {
  return {
    id: o.id,
    submitter: src.authors[0] ?? null,
    authors: src.authors.join(', '),
    title: o.title ?? src.title,
    comments: o.comments === undefined ? (src.comment ?? null) : o.comments,
    'journal-ref': null,
    doi: null,
    'report-no': null,
    categories: (src.categories?.length ? src.categories : ['cs.LG']).join(' '),
    license: null,
    abstract: src.summary,
    versions: o.versions,
    update_date: o.updateDate,
    authors_parsed: src.authors.map((a) => {
      const parts = a.split(' ');
      return [parts.pop() ?? '', parts.join(' '), ''];
    }),
  };
}
