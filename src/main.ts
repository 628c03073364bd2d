// Paperboy's entry point: `npm run cli -- <command>` (or bin/paperboy.js).
import { ConfigError } from './config/index.ts';
import { isDatabaseOutage } from './storage/outage.ts';
import { commands } from './cli/commands.ts';
import { helpText, parse, wantsHelp } from './cli/command.ts';

function help(): void {
  console.log('Paperboy — a self-hostable hub for research papers\n\nUsage: npm run cli -- <command> [options]\n\nCommands:');
  const w = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) console.log(`  ${c.name.padEnd(w)}  ${c.summary}`);
  console.log('\n`npm run cli -- <command> --help` prints the usage and options of one command.');
}

async function main(argv: string[]): Promise<number> {
  // Files this process creates (database, outbox, backups, models) are the owner's only.
  process.umask(0o077);
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    help();
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`Unknown command "${name}".`);
    help();
    return 2;
  }
  if (wantsHelp(rest)) {
    console.log(helpText(cmd));
    return 0;
  }
  let args;
  try {
    args = parse(cmd, rest);
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${helpText(cmd)}`);
    return 2;
  }
  return (await cmd.run(args)) ?? 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    if (err instanceof ConfigError) console.error(err.message);
    else if (isDatabaseOutage(err)) console.error(`The database is unavailable: ${(err as Error).message}. Check DATABASE_URL and that the server runs, then try again.`);
    else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
