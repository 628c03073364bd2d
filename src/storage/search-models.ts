// The default static embedder, shared through the database: the worker that trains a model
// publishes its files here (tokenizer and config as text, the weights file in chunks, all in one
// transaction), and every process, web or worker, each with its own data dir, loads the newest one.
import { sha256 } from '../domain/hash.ts';
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { nowIso } from './dialect.ts';

/** The three files of a Model2Vec folder, as bytes (search/embedders/static.ts reads and writes them). */
export interface StaticModelFiles {
  tokenizer: Buffer;
  weights: Buffer;
  config: Buffer;
}

/** Weights are stored in pieces of this size, so no single value is huge on the wire. */
const CHUNK_BYTES = 4 * 1024 * 1024;
/** Models kept in the database: the current one and the one before. */
const KEEP = 2;

export interface StoredModel {
  id: number;
  name: string;
  version: string;
  /** The embedder id its vectors carry. */
  embedder: string;
  dims: number;
  docs: number;
  created_at: string;
}

const COLUMNS = ['id', 'name', 'version', 'embedder', 'dims', 'docs', 'created_at'] as const;

export class EmbedderModelStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** The newest model (without its files). */
  async latest(): Promise<StoredModel | undefined> {
    return this.db.selectFrom('embedder_models').select(COLUMNS).orderBy('id', 'desc').limit(1).executeTakeFirst();
  }

  /** How many papers the locally trained model (before models were shared) learnt from. */
  async legacyTrainedDocs(): Promise<number> {
    const kv = await this.db.selectFrom('kv').select('value').where('key', '=', 'search.trained_docs').executeTakeFirst();
    return Number(kv?.value ?? 0);
  }

  async byVersion(version: string): Promise<StoredModel | undefined> {
    return this.db.selectFrom('embedder_models').select(COLUMNS).where('version', '=', version).executeTakeFirst();
  }

  /**
   * Stores a model (all of it or nothing) and drops models older than the last KEEP. The same
   * weights published twice (two processes, or a retraining that changed nothing) are stored once.
   */
  async publish(meta: { embedder: string; version: string; dims: number; docs: number }, files: StaticModelFiles): Promise<StoredModel> {
    const existing = await this.byVersion(meta.version);
    if (existing) return existing;
    const chunks: Buffer[] = [];
    for (let i = 0; i < files.weights.length; i += CHUNK_BYTES) chunks.push(files.weights.subarray(i, i + CHUNK_BYTES));
    const name = meta.embedder.replace(/^static:/, '').replace(/@[^@]*$/, '');
    try {
      await this.db.transaction().execute(async (trx) => {
        const { id } = await trx
          .insertInto('embedder_models')
          .values({
            name,
            version: meta.version,
            embedder: meta.embedder,
            dims: meta.dims,
            docs: meta.docs,
            tokenizer_json: files.tokenizer.toString('utf8'),
            config_json: files.config.toString('utf8'),
            weights_bytes: files.weights.length,
            weights_sha256: sha256(files.weights),
            chunks: chunks.length,
            created_at: nowIso(),
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        for (let seq = 0; seq < chunks.length; seq++) await trx.insertInto('embedder_model_chunks').values({ model_id: id, seq, data: chunks[seq] }).execute();
        const old = await trx.selectFrom('embedder_models').select('id').orderBy('id', 'desc').offset(KEEP).limit(1000).execute();
        if (old.length) {
          const ids = old.map((r) => r.id);
          await trx.deleteFrom('embedder_model_chunks').where('model_id', 'in', ids).execute();
          await trx.deleteFrom('embedder_models').where('id', 'in', ids).execute();
        }
      });
    } catch (err) {
      // Another process published the same weights at the same moment.
      const again = await this.byVersion(meta.version);
      if (again) return again;
      throw err;
    }
    return (await this.byVersion(meta.version))!;
  }

  /** A model's files, checked against the stored size and sha256. */
  async files(id: number): Promise<StaticModelFiles> {
    const m = await this.db
      .selectFrom('embedder_models')
      .select(['version', 'tokenizer_json', 'config_json', 'weights_bytes', 'weights_sha256', 'chunks'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!m) throw new Error(`embedding model ${id} is no longer in the database`);
    const parts: Buffer[] = [];
    // One chunk per query: memory stays at one chunk beyond the result.
    for (let seq = 0; seq < m.chunks; seq++) {
      const c = await this.db.selectFrom('embedder_model_chunks').select('data').where('model_id', '=', id).where('seq', '=', seq).executeTakeFirst();
      if (!c) throw new Error(`embedding model ${m.version}: chunk ${seq} of ${m.chunks} is missing`);
      parts.push(Buffer.from(c.data));
    }
    const weights = Buffer.concat(parts);
    const sha = sha256(weights);
    if (weights.length !== Number(m.weights_bytes) || sha !== m.weights_sha256) throw new Error(`embedding model ${m.version}: stored weights do not match their checksum`);
    return { tokenizer: Buffer.from(m.tokenizer_json, 'utf8'), weights, config: Buffer.from(m.config_json, 'utf8') };
  }
}
