// The Kaggle arxiv-metadata-oai-snapshot.json: JSON lines, one paper each, with versions[]
// ({version: "v1", created: RFC 822 date}), authors_parsed ([last, first, suffix]) and update_date.
// Streamed line by line, so the 4 GB file never sits in memory.
import { parseArxivId } from '../domain/arxiv-id.ts';
import { announceDayAt } from '../domain/dates.ts';
import type { PaperInput, PaperVersion } from '../domain/paper.ts';
import { readLineBatches } from './lines.ts';
import type { ByteProgress, ImportOptions, IngestItem } from './types.ts';
import { splitAuthors } from './xml.ts';

export interface KaggleRecord {
  id?: string;
  submitter?: string | null;
  authors?: string;
  title?: string;
  comments?: string | null;
  'journal-ref'?: string | null;
  doi?: string | null;
  'report-no'?: string | null;
  categories?: string;
  license?: string | null;
  abstract?: string;
  versions?: { version?: string; created?: string }[];
  update_date?: string;
  authors_parsed?: string[][];
}

function iso(s: string | undefined): string | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t).toISOString();
}

export function kaggleToPaper(r: KaggleRecord): PaperInput {
  // Old-style ids in the snapshot are exact ("hep-ph/0001001"); numbers may lose a trailing zero
  // if a tool rewrote the file, which parseArxivId then rejects as malformed.
  const parsed = parseArxivId(String(r.id ?? ''));
  if (!parsed) throw new Error(`bad or missing id ${JSON.stringify(r.id ?? null)}`);
  const versions: PaperVersion[] = (r.versions ?? [])
    .map((v) => ({ version: Number(String(v.version ?? '').replace(/^v/, '')), date: iso(v.created) }))
    .filter((v) => v.version > 0)
    .sort((a, b) => a.version - b.version);
  const last = versions[versions.length - 1];
  const categories = (r.categories ?? '').split(/\s+/).filter(Boolean);
  // authors_parsed has the names with LaTeX accents resolved; the raw string is the fallback.
  const authors = r.authors_parsed?.length
    ? r.authors_parsed.map((a) => [a[1], a[0], a[2]].filter((x) => x && x.trim()).join(' '))
    : splitAuthors(r.authors ?? '');
  const updateDay = r.update_date && /^\d{4}-\d{2}-\d{2}$/.test(r.update_date) ? `${r.update_date}T00:00:00.000Z` : undefined;
  return {
    arxivId: parsed.id,
    version: last?.version ?? 1,
    title: r.title ?? '',
    abstract: r.abstract ?? '',
    authors,
    categories,
    primaryCategory: categories[0] ?? null,
    publishedAt: versions[0]?.date ?? updateDay ?? null,
    updatedAt: last?.date ?? updateDay ?? null,
    comment: r.comments ?? null,
    journalRef: r['journal-ref'] ?? null,
    doi: r.doi ?? null,
    license: r.license ?? null,
    versions,
    source: 'kaggle',
  };
}

/** One line of the snapshot as an item: a paper, or an error naming the line. */
function lineItem(line: string, lineNo: number, opts: ImportOptions): IngestItem {
  let paper: PaperInput;
  try {
    paper = kaggleToPaper(JSON.parse(line) as KaggleRecord);
  } catch (err) {
    return { kind: 'error', message: `line ${lineNo}: ${(err as Error).message}`, position: `line ${lineNo}` };
  }
  const day = paper.publishedAt?.slice(0, 10);
  return {
    kind: 'paper',
    paper,
    entry: opts.daily && day ? { arxivId: paper.arxivId, day: announceDayAt(paper.publishedAt!), source: 'arxiv', submittedAt: paper.publishedAt! } : undefined,
  };
}

export async function* parseKaggle(file: string, opts: ImportOptions = {}, progress?: ByteProgress): AsyncGenerator<IngestItem> {
  for await (const lines of readLineBatches(file, progress)) for (const { line, lineNo } of lines) yield lineItem(line, lineNo, opts);
}
