// One declared table of settings, merged from the areas, validated at start-up.
import { resolve } from 'node:path';
import { core } from './core.ts';
import { ingest } from './ingest.ts';
import { search } from './search.ts';
import { community } from './community.ts';
import { mail } from './mail.ts';
import { ops } from './ops.ts';
import { api } from './api.ts';
import { agents } from './agents.ts';
import { jobs } from './jobs.ts';
import type { Setting } from './table.ts';

export const settingsTable = { ...core, ...ingest, ...search, ...community, ...mail, ...ops, ...api, ...agents, ...jobs };

type Table = typeof settingsTable;
export type Config = { [K in keyof Table]: Table[K] extends Setting<infer T> ? T : never } & {
  /** Absolute data dir. */
  dataDir: string;
  /** baseUrl with its default resolved. */
  publicUrl: string;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** Names read from the environment that are not settings' current names, said once per process. */
const warned = new Set<string>();

/** Warns, once per name and process, that an old setting name was used. */
function warnOldName(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(message, { type: 'DeprecationWarning', code: 'PAPERBOY_OLD_SETTING' });
}

/** The raw value of a setting: its PAPERBOY_* name first, then its old name (for one release, with a warning). */
function rawSetting(s: Setting<unknown>, env: Env, warn: (message: string) => void = warnOldName): string | undefined {
  const now = env[s.env];
  const old = s.old === undefined ? undefined : env[s.old];
  if (old !== undefined) {
    warn(
      now === undefined
        ? `${s.old} is now called ${s.env}; the old name is read until the next release.`
        : `${s.old} is ignored: ${s.env} is set too (the old name is read until the next release).`,
    );
  }
  return now ?? old;
}

/** Reads every setting from `env`, collecting every bad value before failing. */
export function loadConfig(env: Env = process.env, opts: { warn?: (message: string) => void } = {}): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settingsTable) as [string, Setting<unknown>][]) {
    const raw = rawSetting(s, env, opts.warn) ?? s.default;
    if (raw === undefined || (raw === '' && s.default === undefined)) {
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (err) {
      const name = env[s.env] === undefined && s.old !== undefined && env[s.old] !== undefined ? `${s.old} (now ${s.env})` : s.env;
      problems.push(`${name}: ${(err as Error).message}`);
    }
  }
  if (problems.length) throw new ConfigError(problems);
  const cfg = out as Config;
  cfg.dataDir = resolve(String(out.dataDir));
  cfg.publicUrl = cfg.baseUrl ?? `http://${cfg.host.includes(':') ? `[${cfg.host}]` : cfg.host}:${cfg.port}`;
  return cfg;
}

function mask(value: string): string {
  // Keep the scheme and host of URLs so an operator can tell which server is meant.
  try {
    const u = new URL(value);
    if (u.password) u.password = '****';
    if (u.username && !u.password) u.username = '****';
    return u.toString();
  } catch {
    return value ? '****' : '';
  }
}

/** The effective configuration, secrets masked, one row per setting. */
export function describeConfig(cfg: Config): { name: string; value: string; default: string; doc: string }[] {
  return (Object.entries(settingsTable) as [keyof Config, Setting<unknown>][]).map(([key, s]) => {
    const v = cfg[key];
    const shown = v === undefined ? '' : Array.isArray(v) ? v.join(',') : String(v);
    return { name: s.env, value: s.secret && shown ? mask(shown) : shown, default: s.default ?? '', doc: s.doc };
  });
}
