// Papers, their authors and categories: idempotent batch upserts and the reads the site needs.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database, PapersTable } from './schema.ts';
import { authorKey, type Paper, type PaperInput, type PaperVersion } from '../domain/paper.ts';
import { nowIso } from './dialect.ts';
import { safeLink } from '../domain/links.ts';
import { displayedUpvotes } from '../domain/counts.ts';
import { BulkFullText, WalCheckpointer, type BulkFullTextBatch } from './bulk.ts';

export type UpsertOutcome = 'inserted' | 'updated' | 'unchanged';

type Row = Selectable<PapersTable>;
type Values = Omit<Row, 'id' | 'upvotes' | 'num_comments' | 'source_upvotes' | 'source_comments' | 'created_at' | 'modified_at' | 'thumbnail_key'>;

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
const NO_COUNTS = { upvotes: 0, num_comments: 0, source_upvotes: 0, source_comments: 0 };

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
function mergedValues(input: PaperInput, old?: Row): Values | null {
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

function sameContent(a: Values, b: Values): boolean {
  return CONTENT_KEYS.every((k) => (a[k] ?? null) === (b[k] ?? null));
}

const VALUE_COLUMNS: (keyof Values)[] = ['arxiv_id', ...CONTENT_KEYS, 'source'];

/** Batches at least this big maintain the full-text index themselves instead of through the row triggers. */
export const BULK_FULL_TEXT_MIN = 200;
/** Batches this big (only long imports reach them, see Importer) also get a bigger page cache. */
const BIG_BATCH = 2000;
const BIG_CACHE_MB = 128;

/**
 * SQLite bulk path: the same upsert as upsertInTx, with statements prepared once and run
 * synchronously on the raw connection (Kysely compiles and prepares every statement anew, which
 * dominated bulk imports). Existing rows are looked up once per batch, author ids are cached
 * across batches, and big batches write their full-text rows directly (see bulk.ts).
 */
class SqliteBulk {
  private readonly byArxivIds: SQLite.Statement;
  private readonly insert: SQLite.Statement;
  private readonly update: SQLite.Statement;
  private readonly insertAuthor: SQLite.Statement;
  private readonly authorId: SQLite.Statement;
  private readonly deleteLinks: SQLite.Statement;
  private readonly deleteCats: SQLite.Statement;
  private readonly link: SQLite.Statement;
  private readonly insertCat: SQLite.Statement;
  private readonly checkpointer: WalCheckpointer;
  private readonly authorIds = new Map<string, number>();
  private fullText?: BulkFullText | null;
  private big = false;

  constructor(private readonly sqlite: SQLite.Database) {
    const cols = [...VALUE_COLUMNS, 'created_at', 'modified_at'];
    this.byArxivIds = sqlite.prepare('select * from papers where arxiv_id in (select value from json_each(?))');
    this.insert = sqlite.prepare(`insert into papers (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`);
    this.update = sqlite.prepare(`update papers set ${[...VALUE_COLUMNS, 'modified_at'].map((c) => `${c} = ?`).join(', ')} where id = ?`);
    this.insertAuthor = sqlite.prepare('insert into authors (name, name_key) values (?, ?)');
    this.authorId = sqlite.prepare('select id from authors where name_key = ?').pluck();
    this.deleteLinks = sqlite.prepare('delete from paper_authors where paper_id = ?');
    this.deleteCats = sqlite.prepare('delete from paper_categories where paper_id = ?');
    this.link = sqlite.prepare('insert into paper_authors (paper_id, position, author_id) values (?, ?, ?)');
    this.insertCat = sqlite.prepare('insert into paper_categories (paper_id, category) values (?, ?)');
    this.checkpointer = new WalCheckpointer(sqlite);
  }

  private author(name: string, key: string): number {
    let id = this.authorIds.get(key);
    if (id === undefined) {
      id = this.authorId.get(key) as number | undefined;
      if (id === undefined) id = Number(this.insertAuthor.run(name, key).lastInsertRowid);
      if (this.authorIds.size >= 200_000) this.authorIds.clear();
      this.authorIds.set(key, id);
    }
    return id;
  }

  private existing(papers: PaperInput[]): Map<string, Row> {
    const ids = [...new Set(papers.map((p) => p.arxivId))];
    const out = new Map<string, Row>();
    for (let i = 0; i < ids.length; i += 5000) for (const r of this.byArxivIds.all(JSON.stringify(ids.slice(i, i + 5000))) as Row[]) out.set(r.arxiv_id, r);
    return out;
  }

  upsert(papers: PaperInput[]): UpsertOutcome[] {
    if (this.fullText === undefined) this.fullText = BulkFullText.open(this.sqlite) ?? null;
    if (papers.length >= BIG_BATCH) this.beginBig();
    const run = this.sqlite.transaction(() => {
      // Started at the batch's first write, so that a batch with nothing new leaves the schema alone.
      let fts: BulkFullTextBatch | undefined;
      let ftsStarted = papers.length < BULK_FULL_TEXT_MIN || !this.fullText;
      const startFts = () => {
        if (ftsStarted) return;
        ftsStarted = true;
        fts = this.fullText!.begin();
      };
      // The row as this batch last left it, by arXiv id.
      const rows = this.existing(papers);
      const outcomes: UpsertOutcome[] = [];
      const now = nowIso();
      for (const p of papers) {
        const old = rows.get(p.arxivId);
        const values = mergedValues(p, old);
        if (old && (!values || sameContent(values, old as Values))) {
          outcomes.push('unchanged');
          continue;
        }
        const v = values!;
        const params = VALUE_COLUMNS.map((c) => v[c]);
        startFts();
        let row: Row;
        if (old) {
          this.update.run(...params, now, old.id);
          row = { ...old, ...v, modified_at: now };
          fts?.updated(old.id, old, row);
          outcomes.push('updated');
        } else {
          const info = this.insert.run(...params, now, now);
          row = { ...v, id: Number(info.lastInsertRowid), ...NO_COUNTS, created_at: now, modified_at: now, thumbnail_key: null };
          fts?.inserted(row.id, row);
          outcomes.push('inserted');
        }
        rows.set(p.arxivId, row);
        if (!old || old.authors_json !== row.authors_json) {
          if (old) this.deleteLinks.run(row.id);
          const names = new Map<string, string>();
          const authors = JSON.parse(row.authors_json) as string[];
          const keys = authors.map(authorKey);
          // Within a batch the first spelling of a name is the one stored, as in writeAuthors.
          keys.forEach((k, i) => {
            if (k && !names.has(k)) names.set(k, authors[i]);
          });
          keys.forEach((k, position) => {
            if (k) this.link.run(row.id, position, this.author(names.get(k)!, k));
          });
        }
        if (!old || old.categories_json !== row.categories_json) {
          if (old) this.deleteCats.run(row.id);
          for (const c of JSON.parse(row.categories_json) as string[]) this.insertCat.run(row.id, c);
        }
      }
      fts?.finish();
      return outcomes;
    });
    try {
      const out = run();
      this.checkpointer.kick();
      return out;
    } catch (err) {
      // Rolled back: author ids cached during this batch may not exist.
      this.authorIds.clear();
      throw err;
    }
  }

  /**
   * A big import is under way: keep the indexes it writes to in memory rather than re-reading them
   * from the OS for every batch (SQLite's default cache is 16 MB; pages are allocated as used), and
   * checkpoint from another thread. endBig() hands checkpointing back; the cache stays.
   */
  private beginBig(): void {
    if (this.big) return;
    this.big = true;
    const cur = Number(this.sqlite.pragma('cache_size', { simple: true }));
    const want = -(BIG_CACHE_MB * 1024);
    if ((cur < 0 && cur > want) || (cur > 0 && cur * 4 < BIG_CACHE_MB * 1024)) this.sqlite.pragma(`cache_size = ${want}`);
    this.checkpointer.start();
  }

  async endBig(): Promise<void> {
    this.big = false;
    await this.checkpointer.stop();
  }
}

export class PaperStore {
  private readonly bulk?: SqliteBulk;

  /** `sqlite`: the raw SQLite connection behind `db`, for the fast bulk upsert path. */
  constructor(
    private readonly db: Kysely<Database>,
    sqlite?: SQLite.Database,
  ) {
    if (sqlite) this.bulk = new SqliteBulk(sqlite);
  }

  /** Upserts a batch in one transaction; returns one outcome per input, in order. */
  async upsertMany(papers: PaperInput[]): Promise<UpsertOutcome[]> {
    if (papers.length === 0) return [];
    // Holding Kysely's connection keeps every other query off it while the raw transaction runs.
    if (this.bulk) return this.db.connection().execute(async () => this.bulk!.upsert(papers));
    return this.db.transaction().execute((trx) => this.upsertInTx(trx, papers));
  }

  /** The end of an import run: undoes what big batches set up for themselves (see SqliteBulk). */
  async importDone(): Promise<void> {
    await this.bulk?.endBig();
  }

  async upsert(paper: PaperInput): Promise<UpsertOutcome> {
    return (await this.upsertMany([paper]))[0];
  }

  private async upsertInTx(trx: Transaction<Database>, papers: PaperInput[]): Promise<UpsertOutcome[]> {
    const ids = [...new Set(papers.map((p) => p.arxivId))];
    const existing = new Map<string, Row>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await trx.selectFrom('papers').selectAll().where('arxiv_id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) existing.set(r.arxiv_id, r);
    }
    const outcomes: UpsertOutcome[] = [];
    const changedAuthors: { paperId: number; authors: string[] }[] = [];
    const changedCats: { paperId: number; categories: string[] }[] = [];
    const now = nowIso();
    // New papers are inserted together after the loop (multi-row INSERT … RETURNING: few round trips).
    const pending = new Map<string, Values>();
    for (const p of papers) {
      const queued = pending.get(p.arxivId);
      if (queued) {
        // The same new paper twice in one batch: merge into the queued row.
        const merged = mergedValues(p, { ...queued, id: 0, ...NO_COUNTS, created_at: now, modified_at: now, thumbnail_key: null });
        if (!merged || sameContent(merged, queued)) outcomes.push('unchanged');
        else {
          pending.set(p.arxivId, merged);
          outcomes.push('updated');
        }
        continue;
      }
      const old = existing.get(p.arxivId);
      const values = mergedValues(p, old);
      if (old && (!values || sameContent(values, old as Values))) {
        outcomes.push('unchanged');
        continue;
      }
      if (!old) {
        pending.set(p.arxivId, values!);
        outcomes.push('inserted');
        continue;
      }
      const row = await trx
        .updateTable('papers')
        .set({ ...values!, modified_at: now })
        .where('id', '=', old.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      outcomes.push('updated');
      existing.set(p.arxivId, row);
      if (old.authors_json !== row.authors_json) changedAuthors.push({ paperId: row.id, authors: JSON.parse(row.authors_json) });
      if (old.categories_json !== row.categories_json) changedCats.push({ paperId: row.id, categories: JSON.parse(row.categories_json) });
    }
    const fresh = [...pending.values()];
    for (let i = 0; i < fresh.length; i += 200) {
      const rows = await trx
        .insertInto('papers')
        .values(fresh.slice(i, i + 200).map((v) => ({ ...v, created_at: now, modified_at: now })))
        .returning(['id', 'authors_json', 'categories_json'])
        .execute();
      for (const row of rows) {
        changedAuthors.push({ paperId: row.id, authors: JSON.parse(row.authors_json) });
        changedCats.push({ paperId: row.id, categories: JSON.parse(row.categories_json) });
      }
    }
    await this.writeAuthors(trx, changedAuthors);
    await this.writeCategories(trx, changedCats);
    return outcomes;
  }

  private async writeAuthors(trx: Transaction<Database>, items: { paperId: number; authors: string[] }[]): Promise<void> {
    if (!items.length) return;
    const names = new Map<string, string>();
    for (const it of items) for (const n of it.authors) if (!names.has(authorKey(n))) names.set(authorKey(n), n);
    const keys = [...names.keys()].filter(Boolean);
    const idByKey = new Map<string, number>();
    for (let i = 0; i < keys.length; i += 400) {
      const chunk = keys.slice(i, i + 400);
      await trx
        .insertInto('authors')
        .values(chunk.map((k) => ({ name: names.get(k)!, name_key: k })))
        .onConflict((oc) => oc.column('name_key').doNothing())
        .execute();
      const rows = await trx.selectFrom('authors').select(['id', 'name_key']).where('name_key', 'in', chunk).execute();
      for (const r of rows) idByKey.set(r.name_key, r.id);
    }
    await trx
      .deleteFrom('paper_authors')
      .where(
        'paper_id',
        'in',
        items.map((i) => i.paperId),
      )
      .execute();
    const links = items.flatMap((it) =>
      it.authors
        .map((n, position) => ({ paper_id: it.paperId, position, author_id: idByKey.get(authorKey(n)) }))
        .filter((l): l is { paper_id: number; position: number; author_id: number } => l.author_id !== undefined),
    );
    for (let i = 0; i < links.length; i += 300) await trx.insertInto('paper_authors').values(links.slice(i, i + 300)).execute();
  }

  private async writeCategories(trx: Transaction<Database>, items: { paperId: number; categories: string[] }[]): Promise<void> {
    if (!items.length) return;
    await trx
      .deleteFrom('paper_categories')
      .where(
        'paper_id',
        'in',
        items.map((i) => i.paperId),
      )
      .execute();
    const rows = items.flatMap((it) => it.categories.map((category) => ({ paper_id: it.paperId, category })));
    for (let i = 0; i < rows.length; i += 400) await trx.insertInto('paper_categories').values(rows.slice(i, i + 400)).execute();
  }

  async byArxivId(arxivId: string): Promise<Paper | undefined> {
    const r = await this.db.selectFrom('papers').selectAll().where('arxiv_id', '=', arxivId).executeTakeFirst();
    return r ? rowToPaper(r) : undefined;
  }

  async byIds(ids: number[]): Promise<Map<number, Paper>> {
    const out = new Map<number, Paper>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db.selectFrom('papers').selectAll().where('id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) out.set(r.id, rowToPaper(r));
    }
    return out;
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('papers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Papers by an author (name folded), newest first. */
  async byAuthor(name: string, limit = 50, offset = 0): Promise<Paper[]> {
    const rows = await this.db
      .selectFrom('papers')
      .innerJoin('paper_authors', 'paper_authors.paper_id', 'papers.id')
      .innerJoin('authors', 'authors.id', 'paper_authors.author_id')
      .where('authors.name_key', '=', authorKey(name))
      .selectAll('papers')
      .orderBy('papers.published_at', 'desc')
      .orderBy('papers.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(rowToPaper);
  }

  /** Papers in a category, newest first. */
  async byCategory(category: string, limit = 50, offset = 0): Promise<Paper[]> {
    const rows = await this.db
      .selectFrom('papers')
      .innerJoin('paper_categories', 'paper_categories.paper_id', 'papers.id')
      .where('paper_categories.category', '=', category)
      .selectAll('papers')
      .orderBy('papers.published_at', 'desc')
      .orderBy('papers.id', 'desc')
      .limit(limit)
      .offset(offset)
      .execute();
    return rows.map(rowToPaper);
  }

  async authorName(name: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('authors').select('name').where('name_key', '=', authorKey(name)).executeTakeFirst();
    return r?.name;
  }
}
