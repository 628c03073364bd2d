// npm run bench -- <name> [args…]: runs bench/<name>.ts. Benchmarks print their figures as JSON lines.
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const dir = dirname(fileURLToPath(import.meta.url));
const [name, ...args] = process.argv.slice(2);
const available = readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.replace(/\.ts$/, ''));
if (!name || !existsSync(join(dir, `${name}.ts`))) {
  console.error(`usage: npm run bench -- <${available.join('|') || 'name'}> [args…]`);
  process.exit(2);
}
process.argv = [process.argv[0], join(dir, `${name}.ts`), ...args];
await import(pathToFileURL(join(dir, `${name}.ts`)).href);
