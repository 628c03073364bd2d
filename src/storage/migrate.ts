// Migrations: TypeScript files in ./migrations named NNNN_name.ts, append-only, run in name order.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import type { Db } from './db.ts';

const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

export function migrationNames(): string[] {
  return readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_[\w-]+\.ts$/.test(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort();
}

class FolderProvider implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const name of migrationNames()) {
      out[name] = (await import(pathToFileURL(join(MIGRATIONS_DIR, `${name}.ts`)).href)) as Migration;
    }
    return out;
  }
}

function migrator(db: Db): Migrator {
  // Kysely looks for its migration tables in every schema unless told which: with another schema's
  // tables visible it would skip creating its own, so name the schema in use.
  return new Migrator({ db: db.kysely, provider: new FolderProvider(), ...(db.schema ? { migrationTableSchema: db.schema } : {}) });
}

export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await migrator(db).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

export interface SchemaState {
  applied: string[];
  pending: string[];
  /** Applied in the database but unknown to this code: the database is newer. */
  unknown: string[];
}

export async function schemaState(db: Db): Promise<SchemaState> {
  const known = migrationNames();
  const all = await migrator(db).getMigrations();
  const applied = all.filter((m) => m.executedAt).map((m) => m.name);
  let unknown: string[];
  try {
    const rows = await db.kysely
      .selectFrom('kysely_migration' as any)
      .select('name' as any)
      .execute();
    unknown = (rows as { name: string }[]).map((r) => r.name).filter((n) => !known.includes(n));
  } catch {
    unknown = [];
  }
  return { applied, pending: known.filter((n) => !applied.includes(n)), unknown };
}

/** Throws unless the database schema is exactly the one this code expects. */
export async function assertSchemaCurrent(db: Db): Promise<void> {
  const s = await schemaState(db);
  if (s.unknown.length)
    throw new Error(
      `The database schema is newer than this code (unknown migrations: ${s.unknown.join(', ')}). Upgrade Paperboy.`,
    );
  if (s.pending.length)
    throw new Error(`The database schema is older than this code (pending: ${s.pending.join(', ')}). Run: npm run cli -- migrate`);
}
