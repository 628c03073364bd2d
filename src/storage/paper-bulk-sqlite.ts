// The SQLite bulk path of the paper upsert (PaperStore.upsertMany on SQLite): the same merge rule
// as the Kysely path (./paper-row.ts), with statements prepared once on the raw connection.
import type SQLite from 'better-sqlite3';
import { authorKey, type PaperInput } from '../domain/paper.ts';
import { nowIso } from './dialect.ts';
import { BulkFullText, WalCheckpointer, type BulkFullTextBatch } from './bulk.ts';
import { mergedValues, NO_COUNTS, sameContent, VALUE_COLUMNS, type Row, type UpsertOutcome, type Values } from './paper-row.ts';

/** Batches at least this big maintain the full-text index themselves instead of through the row triggers. */
export const BULK_FULL_TEXT_MIN = 200;
/** Batches this big (only long imports reach them, see Importer) also get a bigger page cache. */
const BIG_BATCH = 2000;
const BIG_CACHE_MB = 128;

/**
 * Secondary indexes of the paper tables that a first bulk load builds once, at its end, instead of
 * row by row. Their keys come in no order (titles, dates, author ids, links), so each insert dirties
 * a page of its own that the commit writes out: at 1M papers the import took 231 s with them kept
 * and 160 s without, of which 6.5 s to build all four at the end (`npm run bench -- ingest`).
 * The unique indexes stay: the import itself looks up by arXiv id and author key.
 */
export const DEFERRED_INDEXES = ['papers_title_lower', 'papers_published_at', 'paper_authors_author', 'papers_code_url'];
/** A big import defers them only into a table holding fewer papers than this (a new instance): in a bigger one, searches and pages need them while it runs. */
export const FIRST_LOAD_MAX_PAPERS = 100_000;
/** The kv row that holds the dropped indexes' SQL until they are built again (by endBig, or restoreDeferredIndexes after a crash). */
const DEFERRED_KEY = 'bulk_deferred_indexes';

/**
 * Builds the indexes a bulk load dropped and did not build again (its process died): called when
 * a process opens the database. Returns their names.
 */
export function restoreDeferredIndexes(sqlite: SQLite.Database): string[] {
  const row = sqlite.prepare('select value from kv where key = ?').get(DEFERRED_KEY) as { value: string } | undefined;
  if (!row) return [];
  const dropped = JSON.parse(row.value) as { name: string; sql: string }[];
  sqlite.transaction(() => {
    for (const d of dropped) {
      const present = sqlite.prepare("select 1 from sqlite_master where type = 'index' and name = ?").get(d.name);
      if (!present) sqlite.exec(d.sql);
    }
    sqlite.prepare('delete from kv where key = ?').run(DEFERRED_KEY);
  }).immediate();
  return dropped.map((d) => d.name);
}

/**
 * SQLite bulk path: the same upsert as upsertInTx, with statements prepared once and run
 * synchronously on the raw connection (Kysely compiles and prepares every statement anew, which
 * dominated bulk imports). Existing rows are looked up once per batch, author ids are cached
 * across batches, and big batches write their full-text rows directly (see bulk.ts).
 */
export class SqliteBulk {
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
  /** This connection dropped DEFERRED_INDEXES at the start of its big import. */
  private deferred = false;

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
      // IMMEDIATE: the batch takes the write lock before it reads. A deferred transaction reads
      // first and asks for the lock at its first write, while the checkpoint thread's TRUNCATE may
      // hold the lock waiting for that very reader to finish: each waited out the other's busy
      // timeout and the import failed with "database is locked" (a 2.7M-paper import, at 23:06).
      const out = run.immediate();
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
    this.deferIndexes();
    this.checkpointer.start();
  }

  /** Into a (nearly) empty table: drops DEFERRED_INDEXES, noting their SQL in the same transaction. */
  private deferIndexes(): void {
    const count = this.sqlite.prepare('select count(*) from (select 1 from papers limit ?)').pluck();
    if ((count.get(FIRST_LOAD_MAX_PAPERS) as number) >= FIRST_LOAD_MAX_PAPERS) return;
    this.sqlite
      .transaction(() => {
        if (this.sqlite.prepare('select 1 from kv where key = ?').get(DEFERRED_KEY)) return;
        const find = this.sqlite.prepare("select name, sql from sqlite_master where type = 'index' and name = ?");
        const dropped = DEFERRED_INDEXES.map((n) => find.get(n) as { name: string; sql: string } | undefined).filter((d) => d !== undefined);
        if (!dropped.length) return;
        this.sqlite.prepare('insert into kv (key, value, updated_at) values (?, ?, ?)').run(DEFERRED_KEY, JSON.stringify(dropped), nowIso());
        for (const d of dropped) this.sqlite.exec(`drop index ${d.name}`);
        this.deferred = true;
      })
      .immediate();
  }

  async endBig(): Promise<void> {
    this.big = false;
    // Built before the checkpoints go back to the connection: the thread copies the new pages.
    if (this.deferred) {
      this.deferred = false;
      restoreDeferredIndexes(this.sqlite);
    }
    await this.checkpointer.stop();
  }
}
