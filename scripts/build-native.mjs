// Builds native/pb_fts5.c (the pb_bm25 ranking function, see that file) into native/build/, with
// the C compiler ($CC or cc) and the SQLite headers that better-sqlite3 compiles its SQLite with.
// Run by `npm install` (postinstall). Without a compiler it says so and exits 0: search then ranks
// with FTS5's own bm25(), which gives the same order, slower on common words of a large corpus.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'pb_fts5.c');
const suffix = process.platform === 'darwin' ? 'dylib' : process.platform === 'win32' ? 'dll' : 'so';
const out = join(root, 'native', 'build', `pb_fts5.${suffix}`);
let headers;
try {
  headers = join(dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json')), 'deps', 'sqlite3');
} catch {
  headers = undefined;
}
const skip = (why) => {
  console.warn(`paperboy: pb_bm25 not built (${why}); search ranks with bm25().`);
  process.exit(0);
};
if (process.platform === 'win32') skip('no build recipe for Windows');
if (!headers || !existsSync(join(headers, 'sqlite3ext.h'))) skip("better-sqlite3's SQLite headers are not installed");
mkdirSync(dirname(out), { recursive: true });
// A build that fails must not leave an older one behind, built from other source.
rmSync(out, { force: true });
const cc = process.env.CC || 'cc';
const args = ['-O2', '-shared', '-fPIC', '-I', headers, '-o', out, src, '-lm'];
if (process.platform === 'darwin') args.splice(0, 0, '-undefined', 'dynamic_lookup');
const r = spawnSync(cc, args, { stdio: ['ignore', 'inherit', 'inherit'] });
if (r.error) skip(`${cc}: ${r.error.message}`);
if (r.status !== 0) skip(`${cc} exited with ${r.status}`);
console.log(`paperboy: built ${out.slice(root.length + 1)}`);
