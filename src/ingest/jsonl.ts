// Paperboy's own JSON lines format (the sample's): one paper per line,
// {arxiv_id, title, authors[], summary, categories[], primary_category, published, updated, comment, doi, journal_ref}.
import { parseArxivId } from '../domain/arxiv-id.ts';
import { announceDayAt, parseDay } from '../domain/dates.ts';
import type { PaperInput } from '../domain/paper.ts';
import { readLines } from './lines.ts';
import type { ByteProgress, ImportOptions, IngestItem } from './types.ts';

interface JsonlRecord {
  arxiv_id?: string;
  id?: string;
  title?: string;
  authors?: string[] | string;
  summary?: string;
  abstract?: string;
  categories?: string[] | string | null;
  primary_category?: string | null;
  published?: string | null;
  updated?: string | null;
  comment?: string | null;
  doi?: string | null;
  journal_ref?: string | null;
  code_url?: string | null;
}

function isoOrNull(s: string | null | undefined): string | null {
  if (!s) return null;
  const day = parseDay(s);
  if (day) return `${day}T00:00:00.000Z`;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function jsonlRecordToPaper(rec: JsonlRecord, source = 'jsonl'): PaperInput {
  const parsed = parseArxivId(String(rec.arxiv_id ?? rec.id ?? ''));
  if (!parsed) throw new Error(`bad or missing arxiv_id ${JSON.stringify(rec.arxiv_id ?? rec.id ?? null)}`);
  const cats = Array.isArray(rec.categories) ? rec.categories : typeof rec.categories === 'string' ? rec.categories.split(/\s+/) : [];
  const authors = Array.isArray(rec.authors) ? rec.authors : typeof rec.authors === 'string' ? rec.authors.split(/,\s*|\s+and\s+/) : [];
  const publishedAt = isoOrNull(rec.published);
  const updatedAt = isoOrNull(rec.updated) ?? publishedAt;
  const version = parsed.version ?? 1;
  return {
    arxivId: parsed.id,
    version,
    title: String(rec.title ?? ''),
    abstract: String(rec.summary ?? rec.abstract ?? ''),
    authors: authors.map(String),
    categories: cats.filter(Boolean),
    primaryCategory: rec.primary_category ?? null,
    publishedAt,
    updatedAt,
    comment: rec.comment ?? null,
    journalRef: rec.journal_ref ?? null,
    doi: rec.doi ?? null,
    codeUrl: rec.code_url ?? null,
    versions: [{ version, date: updatedAt ?? undefined }],
    source,
  };
}

export async function* parseJsonl(file: string, opts: ImportOptions = {}, progress?: ByteProgress, source = 'jsonl'): AsyncGenerator<IngestItem> {
  for await (const { line, lineNo } of readLines(file, progress)) {
    let paper: PaperInput;
    try {
      paper = jsonlRecordToPaper(JSON.parse(line) as JsonlRecord, source);
    } catch (err) {
      yield { kind: 'error', message: `line ${lineNo}: ${(err as Error).message}`, position: `line ${lineNo}` };
      continue;
    }
    const published = paper.publishedAt?.slice(0, 10);
    const entry =
      opts.daily && published
        ? { arxivId: paper.arxivId, day: announceDayAt(paper.publishedAt!), source: 'arxiv', submittedAt: paper.publishedAt! }
        : undefined;
    yield { kind: 'paper', paper, entry };
  }
}
