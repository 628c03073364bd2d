// The CLI's commands. A feature adds its command here (name, summary, run).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { serveCommand } from './serve.ts';
import { migrateCommand, configCommand } from './admin.ts';
import { importCommand } from './import.ts';
import { searchCommand, trainEmbedderCommand, evalCommand } from './search.ts';
import { digestCommand } from './digest.ts';
import { syncCommand } from './sync.ts';
import { userCommand } from './user.ts';
import { jobsCommand } from './jobs.ts';
import { backupCommand, restoreCommand, migrateDataCommand } from './ops.ts';

export interface Command {
  name: string;
  summary: string;
  usage: string;
  options?: ParseArgsConfig['options'];
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | void>;
}

export const commands: Command[] = [searchCommand, trainEmbedderCommand, evalCommand, serveCommand, migrateCommand, configCommand, importCommand, jobsCommand, backupCommand, restoreCommand, migrateDataCommand, userCommand, syncCommand];

export function parse(cmd: Command, argv: string[]) {
  return parseArgs({ args: argv, options: cmd.options ?? {}, allowPositionals: true, strict: true }) as {
    values: Record<string, unknown>;
    positionals: string[];
  };
}

commands.push(digestCommand);
