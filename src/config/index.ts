// One declared table of settings, merged from the areas, validated at start-up.
import { resolve } from 'node:path';
import { core } from './core.ts';
import { ingest } from './ingest.ts';
import { search } from './search.ts';
import { community } from './community.ts';
import { mail } from './mail.ts';
import { ops } from './ops.ts';
import { api } from './api.ts';
import type { Setting } from './table.ts';

export const settingsTable = { ...core, ...ingest, ...search, ...community, ...mail, ...ops, ...api };

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

/** Reads every setting from `env`, collecting every bad value before failing. */
export function loadConfig(env: Env = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, s] of Object.entries(settingsTable) as [string, Setting<unknown>][]) {
    const raw = env[s.env] ?? s.default;
    if (raw === undefined || (raw === '' && s.default === undefined)) {
      out[key] = undefined;
      continue;
    }
    try {
      out[key] = s.parse(raw);
    } catch (err) {
      problems.push(`${s.env}: ${(err as Error).message}`);
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
