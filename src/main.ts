// Paperboy's entry point: `npm run cli -- <command>` (or bin/paperboy.js).
import { ConfigError } from './config/index.ts';
import { commands, parse } from './cli/commands.ts';

function help(): void {
  console.log('Paperboy — a self-hostable hub for research papers\n\nUsage: npm run cli -- <command> [options]\n');
  const w = Math.max(...commands.map((c) => c.name.length));
  for (const c of commands) console.log(`  ${c.name.padEnd(w)}  ${c.summary}\n  ${' '.repeat(w)}  ${c.usage}`);
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
  let args;
  try {
    args = parse(cmd, rest);
  } catch (err) {
    console.error(`${(err as Error).message}\nusage: ${cmd.usage}`);
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
    else console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
