// Papers, their authors and categories: idempotent batch upserts and the reads the site needs.
// The row mapping and merge rule are ./paper-row.ts; SQLite's bulk path is ./paper-bulk-sqlite.ts.
import type { Kysely, Transaction } from 'kysely';
import type SQLite from 'better-sqlite3';
import type { Database } from './schema.ts';
import { authorKey, type Paper, type PaperInput } from '../domain/paper.ts';
import { nowIso } from './dialect.ts';
import { mergedValues, NO_COUNTS, rowToPaper, sameContent, type Row, type UpsertOutcome, type Values } from './paper-row.ts';
import { SqliteBulk } from './paper-bulk-sqlite.ts';

export { rowToPaper, type UpsertOutcome } from './paper-row.ts';
export { BULK_FULL_TEXT_MIN } from './paper-bulk-sqlite.ts';

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
