// The CLI's commands, in the order the top-level help lists them. A feature adds its command
// here (one file per command under src/cli/, typed by ./command.ts).
import { serveCommand } from './serve.ts';
import { migrateCommand, configCommand } from './admin.ts';
import { importCommand } from './import.ts';
import { searchCommand, trainEmbedderCommand, evalCommand } from './search.ts';
import { digestCommand } from './digest.ts';
import { syncCommand } from './sync.ts';
import { userCommand } from './user.ts';
import { jobsCommand } from './jobs.ts';
import { backupCommand, restoreCommand, migrateDataCommand } from './ops.ts';
import type { Command } from './command.ts';

export type { Command } from './command.ts';

export const commands: Command[] = [
  serveCommand,
  configCommand,
  migrateCommand,
  importCommand,
  syncCommand,
  searchCommand,
  trainEmbedderCommand,
  evalCommand,
  digestCommand,
  userCommand,
  jobsCommand,
  backupCommand,
  restoreCommand,
  migrateDataCommand,
];
