// A small key-value table for instance state: harvest cursors, generated secrets, index positions.
import type { Kysely } from 'kysely';
import type { Database } from './schema.ts';
import { nowIso } from './dialect.ts';

export class KvStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string): Promise<string | undefined> {
    const r = await this.db.selectFrom('kv').select('value').where('key', '=', key).executeTakeFirst();
    return r?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db
      .insertInto('kv')
      .values({ key, value, updated_at: nowIso() })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: nowIso() }))
      .execute();
  }

  /** Stores the value unless the key exists; returns the value now stored (safe across processes). */
  async setIfAbsent(key: string, value: string): Promise<string> {
    await this.db
      .insertInto('kv')
      .values({ key, value, updated_at: nowIso() })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    return (await this.get(key))!;
  }

  async delete(key: string): Promise<void> {
    await this.db.deleteFrom('kv').where('key', '=', key).execute();
  }
}
