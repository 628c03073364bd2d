// What a CLI command is, how its arguments are parsed and how its --help reads. The list of
// commands is in ./commands.ts; each command lives in its own file and imports only this one.
import { parseArgs } from 'node:util';

export interface CommandOption {
  type: 'string' | 'boolean';
  default?: string | boolean;
  short?: string;
  multiple?: boolean;
  /** One line for --help. */
  help?: string;
  /** Name of the value in --help (`--limit N`); default `VALUE`. */
  arg?: string;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options?: Record<string, CommandOption>;
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | void>;
}

/** Parses `argv` against the command's options (unknown options are an error). */
export function parse(cmd: Command, argv: string[]) {
  const options = Object.fromEntries(
    Object.entries(cmd.options ?? {}).map(([name, o]) => {
      const { help: _help, arg: _arg, ...spec } = o;
      return [name, spec];
    }),
  ) as NonNullable<Parameters<typeof parseArgs>[0]>['options'];
  return parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as {
    values: Record<string, unknown>;
    positionals: string[];
  };
}

export function wantsHelp(argv: string[]): boolean {
  return argv.includes('--help') || argv.includes('-h');
}

/** The text `<command> --help` prints: usage, summary, every option with its default. */
export function helpText(cmd: Command): string {
  const usage = cmd.usage
    .split(/\n\s*|\s+\|\s+/)
    .map((u, i) => `${i ? '       ' : 'Usage: '}npm run cli -- ${u.trim()}`)
    .join('\n');
  const rows = Object.entries(cmd.options ?? {}).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    const dflt = o.default !== undefined && o.default !== false ? ` (default: ${String(o.default)})` : '';
    return [flag, `${o.help ?? ''}${dflt}`.trim()];
  });
  rows.push(['-h, --help', 'Print this help']);
  const w = Math.max(...rows.map(([f]) => f.length));
  return `${usage}\n\n${cmd.summary}.\n\nOptions:\n${rows.map(([f, h]) => `  ${f.padEnd(w)}  ${h}`.trimEnd()).join('\n')}\n`;
}
