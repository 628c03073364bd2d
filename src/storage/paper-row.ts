// A paper's row: how it maps to the domain's Paper, and the merge rule every upsert path applies
// (src/storage/papers.ts through Kysely, src/storage/paper-bulk-sqlite.ts on SQLite's raw connection).
import type { Selectable } from 'kysely';
import type { PapersTable } from './schema.ts';
import type { Paper, PaperInput, PaperVersion } from '../domain/paper.ts';
import { safeLink } from '../domain/links.ts';
import { displayedUpvotes } from '../domain/counts.ts';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

export type Row = Selectable<PapersTable>;
export type Values = Omit<Row, 'id' | 'upvotes' | 'num_comments' | 'source_upvotes' | 'source_comments' | 'created_at' | 'modified_at' | 'thumbnail_key'>;

const CONTENT_KEYS: (keyof Values)[] = [
  'version',
  'title',
  'abstract',
  'authors_json',
  'categories_json',
  'primary_category',
  'published_at',
  'source_updated_at',
  'comment',
  'journal_ref',
  'doi',
  'license',
  'code_url',
  'project_url',
  'thumbnail_url',
  'github_stars',
  'versions_json',
];

/** A new paper's counters: no votes or comments here, none reported by a source yet. */
export const NO_COUNTS = { upvotes: 0, num_comments: 0, source_upvotes: 0, source_comments: 0 };

export function rowToPaper(r: Row): Paper {
  return {
    id: r.id,
    arxivId: r.arxiv_id,
    version: r.version,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors_json) as string[],
    categories: JSON.parse(r.categories_json) as string[],
    primaryCategory: r.primary_category,
    publishedAt: r.published_at,
    updatedAt: r.source_updated_at,
    comment: r.comment,
    journalRef: r.journal_ref,
    doi: r.doi,
    license: r.license,
    codeUrl: r.code_url,
    projectUrl: r.project_url,
    thumbnailUrl: r.thumbnail_url,
    thumbnailKey: r.thumbnail_key ?? null,
    githubStars: r.github_stars,
    versions: JSON.parse(r.versions_json) as PaperVersion[],
    upvotes: displayedUpvotes({ localUpvotes: r.upvotes, sourceUpvotes: r.source_upvotes ?? 0 }),
    localUpvotes: r.upvotes,
    sourceUpvotes: r.source_upvotes ?? 0,
    numComments: r.num_comments,
    sourceComments: r.source_comments ?? 0,
    source: r.source,
    createdAt: r.created_at,
    modifiedAt: r.modified_at,
  };
}

function mergeVersions(a: PaperVersion[], b: PaperVersion[]): PaperVersion[] {
  const byV = new Map<number, PaperVersion>();
  for (const v of [...a, ...b]) byV.set(v.version, { ...byV.get(v.version), ...v, date: v.date ?? byV.get(v.version)?.date });
  return [...byV.values()].sort((x, y) => x.version - y.version);
}

/**
 * The stored values after applying `p` on top of `old`. A record never erases what another
 * source knew (a missing field keeps its value), and an older version never overwrites a newer one.
 */
export function mergedValues(input: PaperInput, old?: Row): Values | null {
  // Only http(s) links are stored, whichever source or path the record came by.
  const p: PaperInput = { ...input, codeUrl: safeLink(input.codeUrl), projectUrl: safeLink(input.projectUrl), thumbnailUrl: safeLink(input.thumbnailUrl) };
  if (old && p.version < old.version) {
    // Older version: only fill gaps (e.g. a code link) without touching the text.
    const filled: Values = { ...(old as Values) };
    let changed = false;
    for (const [k, v] of [
      ['code_url', p.codeUrl],
      ['project_url', p.projectUrl],
      ['thumbnail_url', p.thumbnailUrl],
      ['doi', p.doi],
      ['license', p.license],
    ] as const) {
      if (v && !filled[k]) {
        (filled as Record<string, unknown>)[k] = v;
        changed = true;
      }
    }
    return changed ? filled : null;
  }
  const pick = <T>(v: T | null | undefined, prev: T | null | undefined): T | null =>
    v !== undefined && v !== null && v !== '' ? v : (prev ?? null);
  const oldCats = old ? (JSON.parse(old.categories_json) as string[]) : [];
  const versions = mergeVersions(old ? (JSON.parse(old.versions_json) as PaperVersion[]) : [], p.versions ?? []);
  if (!versions.some((v) => v.version === p.version)) versions.push({ version: p.version, date: p.updatedAt ?? undefined });
  versions.sort((x, y) => x.version - y.version);
  return {
    arxiv_id: p.arxivId,
    version: Math.max(p.version, old?.version ?? 0),
    title: p.title,
    abstract: p.abstract || old?.abstract || '',
    authors_json: JSON.stringify(p.authors.length ? p.authors : old ? JSON.parse(old.authors_json) : []),
    categories_json: JSON.stringify(p.categories.length ? p.categories : oldCats),
    primary_category: pick(p.primaryCategory, old?.primary_category),
    // The first publication time is the earliest any source reported.
    published_at:
      old?.published_at && p.publishedAt ? (old.published_at < p.publishedAt ? old.published_at : p.publishedAt) : pick(p.publishedAt, old?.published_at),
    source_updated_at: pick(p.updatedAt, old?.source_updated_at),
    comment: pick(p.comment, old?.comment),
    journal_ref: pick(p.journalRef, old?.journal_ref),
    doi: pick(p.doi, old?.doi),
    license: pick(p.license, old?.license),
    code_url: pick(p.codeUrl, old?.code_url),
    project_url: pick(p.projectUrl, old?.project_url),
    thumbnail_url: pick(p.thumbnailUrl, old?.thumbnail_url),
    github_stars: pick(p.githubStars, old?.github_stars),
    versions_json: JSON.stringify(versions),
    source: old?.source ?? p.source,
  };
}

export function sameContent(a: Values, b: Values): boolean {
  return CONTENT_KEYS.every((k) => (a[k] ?? null) === (b[k] ?? null));
}

export const VALUE_COLUMNS: (keyof Values)[] = ['arxiv_id', ...CONTENT_KEYS, 'source'];
