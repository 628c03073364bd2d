// The stored embeddings (paper_vectors: one current vector per paper, float32 bytes) and what search
// by meaning reads and writes there: the vectors of some papers, the change feed the vector index
// replicas follow (updated_at and search_deletions), and the indexer's pending papers and upserts.
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.ts';
import type { Db } from './db.ts';

export interface VectorRow {
  paper_id: number;
  vector: Uint8Array;
  updated_at: string;
}

export interface PendingPaper {
  id: number;
  title: string;
  abstract: string;
  modified_at: string;
}

export interface VectorValue {
  paper_id: number;
  embedder: string;
  dims: number;
  vector: Uint8Array;
  source_modified_at: string;
  updated_at: string;
}

export class VectorStore {
  private readonly db: Kysely<Database>;
  constructor(private readonly handle: Db) {
    this.db = handle.kysely;
  }

  /** The stored vectors (raw float32 bytes) of these papers from one embedder. */
  async vectorsOf(ids: number[], embedder: string): Promise<Map<number, Uint8Array>> {
    const out = new Map<number, Uint8Array>();
    if (!ids.length) return out;
    const rows = await this.db
      .selectFrom('paper_vectors')
      .select(['paper_id', 'vector'])
      .where('paper_id', 'in', ids)
      .where('embedder', '=', embedder)
      .execute();
    for (const r of rows) out.set(r.paper_id, r.vector as Uint8Array);
    return out;
  }

  /** Papers whose vector changed in [since, until] (the replica's overlap window), without the vectors. */
  async changedBetween(embedder: string, since: string, until: string): Promise<{ paper_id: number; updated_at: string }[]> {
    return this.db
      .selectFrom('paper_vectors')
      .select(['paper_id', 'updated_at'])
      .where('embedder', '=', embedder)
      .where('updated_at', '>=', since)
      .where('updated_at', '<=', until)
      .execute();
  }

  /** These papers' rows from one embedder, with their vectors. */
  async rows(embedder: string, ids: number[]): Promise<VectorRow[]> {
    if (!ids.length) return [];
    return (await this.db
      .selectFrom('paper_vectors')
      .select(['paper_id', 'vector', 'updated_at'])
      .where('paper_id', 'in', ids)
      .where('embedder', '=', embedder)
      .execute()) as VectorRow[];
  }

  /** The next `limit` rows of one embedder after the cursor (updated_at, paper_id), in that order. */
  async changedAfter(embedder: string, at: string, id: number, limit: number): Promise<VectorRow[]> {
    return (await this.db
      .selectFrom('paper_vectors')
      .select(['paper_id', 'vector', 'updated_at'])
      .where('embedder', '=', embedder)
      // A row value, so that both databases seek the index to the cursor: the same test written as
      // `updated_at > ? or (updated_at = ? and paper_id > ?)` made SQLite scan the index from its
      // start for every page (135 ms a page at 2M vectors against 6.6 ms; a catch-up of 2.7M
      // vectors spent most of its time there).
      .where((eb) => eb(eb.refTuple('updated_at', 'paper_id'), '>', eb.tuple(at, id)))
      .orderBy('updated_at')
      .orderBy('paper_id')
      .limit(limit)
      .execute()) as VectorRow[];
  }

  /** Papers deleted from search at or after `since`, oldest first. */
  async deletionsSince(since: string): Promise<{ paper_id: number; deleted_at: string }[]> {
    return this.db.selectFrom('search_deletions').select(['paper_id', 'deleted_at']).where('deleted_at', '>=', since).orderBy('deleted_at').execute();
  }

  /**
   * Up to `limit` papers with no vector from `embedder`, or an older one than the paper: by id after
   * `after`, or, with `since`, those modified since then by (modified_at, id) after (`at`, `after`).
   */
  async pending(embedder: string, limit: number, cursor: { after: number; since?: string; at?: string }): Promise<PendingPaper[]> {
    const q = this.db
      .selectFrom('papers as p')
      .leftJoin('paper_vectors as v', 'v.paper_id', 'p.id')
      .select(['p.id', 'p.title', 'p.abstract', 'p.modified_at'])
      .where((eb) => eb.or([eb('v.paper_id', 'is', null), eb('v.embedder', '<>', embedder), eb('v.source_modified_at', '<', eb.ref('p.modified_at'))]))
      .limit(limit);
    if (cursor.since === undefined) return q.where('p.id', '>', cursor.after).orderBy('p.id').execute();
    const at = cursor.at ?? cursor.since;
    return q
      .where('p.modified_at', '>=', cursor.since)
      .where((eb) => eb(eb.refTuple('p.modified_at', 'p.id'), '>', eb.tuple(at, cursor.after)))
      .orderBy('p.modified_at')
      .orderBy('p.id')
      .execute();
  }

  /** Papers without a current vector from `embedder`. */
  async pendingCount(embedder: string): Promise<number> {
    const r = await sql<{ n: number }>`select count(*) as n from papers p left join paper_vectors v on v.paper_id = p.id
      where v.paper_id is null or v.embedder <> ${embedder} or v.source_modified_at < p.modified_at`.execute(this.db);
    return Number(r.rows[0].n);
  }

  /**
   * Stores a batch of vectors in one transaction (a process killed mid-batch leaves the whole batch
   * pending for the next run, in any process).
   */
  async upsert(values: VectorValue[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (let i = 0; i < values.length; i += 200) {
        await trx
          .insertInto('paper_vectors')
          .values(values.slice(i, i + 200))
          .onConflict((oc) =>
            oc.column('paper_id').doUpdateSet((eb) => ({
              embedder: eb.ref('excluded.embedder'),
              dims: eb.ref('excluded.dims'),
              vector: eb.ref('excluded.vector'),
              source_modified_at: eb.ref('excluded.source_modified_at'),
              updated_at: eb.ref('excluded.updated_at'),
            })),
          )
          .execute();
      }
    });
  }

  /**
   * On SQLite, copies the write-ahead log into the database and truncates it (a bulk pass writes
   * ~1 KB a paper into the log); nothing on PostgreSQL.
   */
  checkpoint(): void {
    this.handle.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
  }
}
