// Readiness: may this process take traffic? The database answers, its schema is the one this code
// expects, and every check of the instance's list passes (e.g. search: "the vector index has caught up").
import { ping } from '../storage/db.ts';
import { schemaState } from '../storage/migrate.ts';
import type { Paperboy } from '../wiring.ts';

export interface ReadinessCheck {
  name: string;
  /** Resolves with a short detail when ready; throws (or returns false) when not. */
  check(pb: Paperboy): Promise<string | boolean | void>;
}

/**
 * The checks beyond "the database answers" and "its schema is current", in one list. src/wiring.ts
 * gives each instance its own copy (pb.readinessChecks): two instances in one process share nothing.
 */
export const READINESS_CHECKS: readonly ReadinessCheck[] = [
  // A web process takes traffic once it can search by meaning: its vector index replica has caught up.
  { name: 'search-index', check: (pb) => pb.search.indexReadiness() },
];

export interface CheckResult {
  ok: boolean;
  detail?: string;
}

export interface Readiness {
  ready: boolean;
  checks: Record<string, CheckResult>;
}

/** A check that has not answered after this long counts as failed, so /readyz never hangs. */
const CHECK_TIMEOUT_MS = 2000;

async function run(fn: () => Promise<string | boolean | void>): Promise<CheckResult> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    const r = await Promise.race([fn(), timeout]);
    if (r === false) return { ok: false };
    return typeof r === 'string' ? { ok: true, detail: r } : { ok: true };
  } catch (err) {
    return { ok: false, detail: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export async function readiness(pb: Paperboy): Promise<Readiness> {
  const checks: Record<string, CheckResult> = {};
  checks.database = await run(async () => {
    await ping(pb.db);
    return pb.db.dialect;
  });
  checks.schema = checks.database.ok
    ? await run(async () => {
        const s = await schemaState(pb.db);
        if (s.pending.length) throw new Error(`pending migrations: ${s.pending.join(', ')}`);
        if (s.unknown.length) throw new Error(`database is newer than this code: ${s.unknown.join(', ')}`);
        return `${s.applied.length} migrations`;
      })
    : { ok: false, detail: 'database unreachable' };
  for (const c of pb.readinessChecks) checks[c.name] = await run(() => c.check(pb));
  return { ready: Object.values(checks).every((c) => c.ok), checks };
}
