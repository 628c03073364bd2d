// The declared settings table: every setting has a name (its environment variable),
// a default, a parser and a description. Nothing outside src/config reads process.env.

export interface Setting<T> {
  /** The environment variable: PAPERBOY_* (DATABASE_URL, SMTP_URL, PORT and HOST keep their common names). */
  env: string;
  /** The name this setting had before it took the PAPERBOY_ prefix; still read, with a warning, for one release. */
  old?: string;
  /** Raw default, parsed like a value from the environment. Absent: the setting is optional. */
  default?: string;
  parse: (raw: string) => T;
  doc: string;
  /** Masked when the configuration is printed. */
  secret?: boolean;
}

/** A setting that always has a value (it has a default or is required). */
export function setting<T>(s: Setting<T> & { default: string }): Setting<T> & { default: string } {
  return s;
}

/** A setting that may be unset. */
export function optional<T>(s: Omit<Setting<T>, 'default'>): Setting<T | undefined> {
  return { ...s, parse: s.parse };
}

export class ParseError extends Error {}

export const parsers = {
  string: (raw: string): string => raw,
  nonEmpty: (raw: string): string => {
    if (raw.trim() === '') throw new ParseError('must not be empty');
    return raw.trim();
  },
  int:
    (min = Number.MIN_SAFE_INTEGER, max = Number.MAX_SAFE_INTEGER) =>
    (raw: string): number => {
      if (!/^-?\d+$/.test(raw.trim())) throw new ParseError(`must be a whole number, got "${raw}"`);
      const n = Number(raw);
      if (n < min || n > max) throw new ParseError(`must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  number:
    (min = -Infinity, max = Infinity) =>
    (raw: string): number => {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw new ParseError(`must be a number, got "${raw}"`);
      if (n < min || n > max) throw new ParseError(`must be between ${min} and ${max}, got ${n}`);
      return n;
    },
  bool: (raw: string): boolean => {
    const v = raw.trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off', ''].includes(v)) return false;
    throw new ParseError(`must be true or false, got "${raw}"`);
  },
  oneOf:
    <T extends string>(...values: T[]) =>
    (raw: string): T => {
      if (!(values as string[]).includes(raw)) throw new ParseError(`must be one of ${values.join(', ')}, got "${raw}"`);
      return raw as T;
    },
  url: (raw: string): string => {
    try {
      const u = new URL(raw);
      return u.toString().replace(/\/$/, '');
    } catch {
      throw new ParseError(`must be an absolute URL, got "${raw}"`);
    }
  },
  list: (raw: string): string[] =>
    raw
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
};
