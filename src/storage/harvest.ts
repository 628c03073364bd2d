// Ingest state: resumable harvest cursors and the HTTP validators of conditional requests.
import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema.ts';
import type { HarvestStateTable } from './schema-ingest.ts';
import { nowIso } from './dialect.ts';
import { emptyCounts, type IngestCounts } from './ingest-log.ts';

export interface HarvestState {
  key: string;
  source: string;
  params: Record<string, string | undefined>;
  token: string | null;
  position: number;
  pages: number;
  counts: IngestCounts;
  status: 'running' | 'done' | 'failed';
  error: string | null;
  startedAt: string;
  updatedAt: string;
}

function rowToState(r: Selectable<HarvestStateTable>): HarvestState {
  return {
    key: r.key,
    source: r.source,
    params: JSON.parse(r.params_json),
    token: r.token,
    position: r.position,
    pages: r.pages,
    counts: { ...emptyCounts(), ...JSON.parse(r.counts_json) },
    status: r.status as HarvestState['status'],
    error: r.error,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
  };
}

export class HarvestStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<HarvestState | undefined> {
    const r = await this.db.selectFrom('harvest_state').selectAll().where('key', '=', key).executeTakeFirst();
    return r ? rowToState(r) : undefined;
  }

  /** Starts (or restarts from scratch) the harvest named `key`. */
  async begin(key: string, source: string, params: Record<string, string | undefined>): Promise<HarvestState> {
    const now = nowIso();
    const values = {
      source,
      params_json: JSON.stringify(params),
      token: null,
      position: 0,
      pages: 0,
      counts_json: JSON.stringify(emptyCounts()),
      status: 'running',
      error: null,
      started_at: now,
      updated_at: now,
    };
    await this.db
      .insertInto('harvest_state')
      .values({ key, ...values })
      .onConflict((oc) => oc.column('key').doUpdateSet(values))
      .execute();
    return (await this.get(key))!;
  }

  /** Records a committed page: the token of the next page (null when the list is complete). */
  async savePage(key: string, token: string | null, position: number, pages: number, counts: IngestCounts): Promise<void> {
    await this.db
      .updateTable('harvest_state')
      .set({ token, position, pages, counts_json: JSON.stringify(counts), status: token ? 'running' : 'done', updated_at: nowIso() })
      .where('key', '=', key)
      .execute();
  }

  async fail(key: string, error: string): Promise<void> {
    await this.db.updateTable('harvest_state').set({ status: 'failed', error, updated_at: nowIso() }).where('key', '=', key).execute();
  }

  /** Harvests of a source, most recently updated first. */
  async list(source?: string, limit = 50): Promise<HarvestState[]> {
    let q = this.db.selectFrom('harvest_state').selectAll();
    if (source) q = q.where('source', '=', source);
    const rows = await q.orderBy('updated_at', 'desc').limit(limit).execute();
    return rows.map(rowToState);
  }
}

export interface Validators {
  etag: string | null;
  lastModified: string | null;
}

export class HttpCacheStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(url: string): Promise<Validators | undefined> {
    const r = await this.db.selectFrom('http_cache').selectAll().where('url', '=', url).executeTakeFirst();
    return r ? { etag: r.etag, lastModified: r.last_modified } : undefined;
  }

  async set(url: string, v: Validators): Promise<void> {
    const values = { etag: v.etag, last_modified: v.lastModified, updated_at: nowIso() };
    await this.db
      .insertInto('http_cache')
      .values({ url, ...values })
      .onConflict((oc) => oc.column('url').doUpdateSet(values))
      .execute();
  }
}
