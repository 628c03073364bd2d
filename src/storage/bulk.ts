// Full-text maintenance for bulk writes on SQLite.
//
// Migration 0003 keeps papers_fts (porter) and papers_title_tri (trigram) in step with papers
// through row triggers. For a big batch that costs about twice what the same index work costs
// when done directly, so a bulk upsert drops the two write triggers, writes the papers, writes
// their index rows itself and recreates the triggers, all in the batch's one transaction: a crash
// (or an error) anywhere rolls back the papers, the index rows and the trigger change together,
// so the index is never behind the table and no recovery step is needed on the next start.
// Also here: WalCheckpointer, which moves WAL checkpoints off the importing thread during big imports.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/** What the index holds for a paper: the columns the triggers copy. */
export interface IndexedText {
  title: string;
  abstract: string;
  authors_json: string;
}

/** The triggers this module stands in for, exactly as migration 0003 creates them (white space aside). */
const TRIGGERS: Record<string, string> = {
  papers_search_ai: `create trigger papers_search_ai after insert on papers begin
    insert into papers_fts(rowid, title, abstract, authors_json) values (new.id, new.title, new.abstract, new.authors_json);
    insert into papers_title_tri(rowid, title) values (new.id, new.title);
  end`,
  papers_search_au: `create trigger papers_search_au after update of title, abstract, authors_json on papers begin
    insert into papers_fts(papers_fts, rowid, title, abstract, authors_json) values ('delete', old.id, old.title, old.abstract, old.authors_json);
    insert into papers_fts(rowid, title, abstract, authors_json) values (new.id, new.title, new.abstract, new.authors_json);
    insert into papers_title_tri(papers_title_tri, rowid, title) values ('delete', old.id, old.title);
    insert into papers_title_tri(rowid, title) values (new.id, new.title);
  end`,
};

const squash = (s: string) => s.replace(/\s+/g, ' ').trim().toLowerCase();
const EXPECTED = new Map(Object.entries(TRIGGERS).map(([name, text]) => [name, squash(text)]));

export class BulkFullText {
  private readonly triggers: SQLite.Statement;
  private readonly ftsAdd: SQLite.Statement;
  private readonly ftsRemove: SQLite.Statement;
  private readonly triAdd: SQLite.Statement;
  private readonly triRemove: SQLite.Statement;

  private constructor(private readonly sqlite: SQLite.Database) {
    this.triggers = sqlite.prepare("select name, sql from sqlite_master where type = 'trigger' and tbl_name = 'papers' and name in ('papers_search_ai', 'papers_search_au')");
    this.ftsAdd = sqlite.prepare('insert into papers_fts(rowid, title, abstract, authors_json) values (?, ?, ?, ?)');
    this.ftsRemove = sqlite.prepare("insert into papers_fts(papers_fts, rowid, title, abstract, authors_json) values ('delete', ?, ?, ?, ?)");
    this.triAdd = sqlite.prepare('insert into papers_title_tri(rowid, title) values (?, ?)');
    this.triRemove = sqlite.prepare("insert into papers_title_tri(papers_title_tri, rowid, title) values ('delete', ?, ?)");
  }

  /** The bulk helper when this database has the full-text tables and triggers it knows; otherwise undefined (the triggers do the work). */
  static open(sqlite: SQLite.Database): BulkFullText | undefined {
    const tables = sqlite
      .prepare("select name from sqlite_master where type = 'table' and name in ('papers_fts', 'papers_title_tri')")
      .pluck()
      .all();
    if (tables.length !== 2) return undefined;
    const helper = new BulkFullText(sqlite);
    return helper.current() ? helper : undefined;
  }

  /** The two triggers' SQL when both are present and unchanged since 0003, else undefined. */
  private current(): { name: string; sql: string }[] | undefined {
    const rows = this.triggers.all() as { name: string; sql: string }[];
    if (rows.length !== EXPECTED.size) return undefined;
    return rows.every((r) => EXPECTED.get(r.name) === squash(r.sql)) ? rows : undefined;
  }

  /**
   * Starts a batch inside the caller's open transaction. Returns undefined when the triggers are not
   * the ones this helper replaces (a later migration changed them): the caller then leaves them on.
   */
  begin(): BulkFullTextBatch | undefined {
    if (!this.sqlite.inTransaction) throw new Error('BulkFullText.begin needs an open transaction');
    const triggers = this.current();
    if (!triggers) return undefined;
    for (const t of triggers) this.sqlite.exec(`drop trigger ${t.name}`);
    return new BulkFullTextBatch(this, triggers);
  }

  /** @internal Removes, then adds, each in rowid order (FTS5 flushes its pending data whenever a rowid goes backwards). */
  write(removes: Map<number, IndexedText>, adds: Map<number, IndexedText>, triggers: { sql: string }[]): void {
    for (const id of [...removes.keys()].sort((a, b) => a - b)) {
      const t = removes.get(id)!;
      this.ftsRemove.run(id, t.title, t.abstract, t.authors_json);
      this.triRemove.run(id, t.title);
    }
    for (const id of [...adds.keys()].sort((a, b) => a - b)) {
      const t = adds.get(id)!;
      this.ftsAdd.run(id, t.title, t.abstract, t.authors_json);
      this.triAdd.run(id, t.title);
    }
    for (const t of triggers) this.sqlite.exec(t.sql);
  }
}

/** One batch's index work: what the triggers would have done for its inserts and updates. */
export class BulkFullTextBatch {
  /** What the index holds for rows this batch changed, to take out. */
  private readonly removes = new Map<number, IndexedText>();
  /** The rows' text at the end of the batch, to put in. */
  private readonly adds = new Map<number, IndexedText>();
  private done = false;

  constructor(
    private readonly owner: BulkFullText,
    private readonly triggers: { sql: string }[],
  ) {}

  /** A new paper row. */
  inserted(id: number, now: IndexedText): void {
    this.adds.set(id, now);
  }

  /**
   * An updated row: `before` is the row as it was before this update (what the index holds, unless
   * this batch already changed it). The objects are kept until finish(): the caller must not change them.
   */
  updated(id: number, before: IndexedText, now: IndexedText): void {
    if (before.title === now.title && before.abstract === now.abstract && before.authors_json === now.authors_json) return;
    // A row this batch already wrote is not in the index in its new form: only the text to add changes.
    if (!this.adds.has(id)) this.removes.set(id, before);
    this.adds.set(id, now);
  }

  /** Writes the index rows and puts the triggers back; still inside the caller's transaction. */
  finish(): void {
    if (this.done) throw new Error('BulkFullTextBatch finished twice');
    this.done = true;
    this.owner.write(this.removes, this.adds, this.triggers);
  }
}

// The checkpoint thread's code: plain CommonJS, so it runs the same whether or not the process
// loads TypeScript through tsx. 'checkpoint' copies what it can beside the writer (PASSIVE);
// 'truncate' also waits for the writer's current transaction, then empties the log file.
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.lib);
const db = new Database(workerData.file, { fileMustExist: true });
// Shorter than the writers' 5 s: a TRUNCATE holds the write lock while it waits for readers, and
// gives up (to try again ten batches on) before a writer waiting for that lock would.
db.pragma('busy_timeout = 1000');
parentPort.on('message', (m) => {
  try {
    db.pragma(m === 'checkpoint' ? 'wal_checkpoint(PASSIVE)' : 'wal_checkpoint(TRUNCATE)');
  } catch {}
  if (m === 'stop') {
    db.close();
    parentPort.close();
  }
});
`;

/**
 * Every this many committed batches the checkpoint thread truncates the write-ahead log. A PASSIVE
 * checkpoint never shrinks the file, and while the importer writes without pause the log only
 * restarts when the thread happens to have caught up: a 1M-paper import left a 3.0 GB log beside a
 * 4.3 GB database. Batches are at most 5,000 papers (about 20 MB of log), so the log stays within
 * a few hundred MB; the truncation waits for the batch under way and copies what PASSIVE left.
 */
export const TRUNCATE_EVERY = 10;

/**
 * Copies the write-ahead log into the database file from a second thread during a big import.
 * SQLite's automatic checkpoint runs on the committing connection after each commit, i.e. on the
 * importing thread, and was a fifth to a third of its time (copying every page a second time and
 * fsync). A PASSIVE checkpoint on another connection runs beside the writer without blocking it;
 * every TRUNCATE_EVERY batches a TRUNCATE one keeps the log file small (the disk holds the database once).
 */
export class WalCheckpointer {
  private worker?: Worker;
  private previous?: number;
  private kicks = 0;

  constructor(private readonly sqlite: SQLite.Database) {}

  /** Takes over checkpointing; a no-op when the database is not a WAL file or the thread cannot start. */
  start(): void {
    if (this.worker || this.sqlite.memory || this.sqlite.inTransaction) return;
    if (String(this.sqlite.pragma('journal_mode', { simple: true })).toLowerCase() !== 'wal') return;
    try {
      const lib = createRequire(import.meta.url).resolve('better-sqlite3');
      const worker = new Worker(CHECKPOINTER, { eval: true, execArgv: [], workerData: { lib, file: this.sqlite.name } });
      worker.unref();
      // If the thread fails, the connection checkpoints for itself again.
      worker.on('error', () => {
        if (this.worker === worker) void this.stop();
      });
      this.worker = worker;
    } catch {
      return;
    }
    this.previous = Number(this.sqlite.pragma('wal_autocheckpoint', { simple: true }));
    this.sqlite.pragma('wal_autocheckpoint = 0');
  }

  /** After a commit: let the thread copy what was committed (and every TRUNCATE_EVERY commits, empty the log). */
  kick(): void {
    if (!this.worker) return;
    this.worker.postMessage(++this.kicks % TRUNCATE_EVERY === 0 ? 'truncate' : 'checkpoint');
  }

  /** Gives checkpointing back to the connection; resolves once the thread has done a last checkpoint and exited. */
  async stop(): Promise<void> {
    const w = this.worker;
    if (!w) return;
    this.worker = undefined;
    if (this.previous !== undefined && this.sqlite.open) this.sqlite.pragma(`wal_autocheckpoint = ${this.previous}`);
    this.previous = undefined;
    const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
    // Referenced while we wait for it, or the process could end here with nothing else to do.
    w.ref();
    w.postMessage('stop');
    // A last checkpoint copies at most a batch or two; do not hang an import's end on it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 30_000)))]);
    clearTimeout(timer);
    w.unref();
  }
}
