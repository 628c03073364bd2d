// npm run bench -- ingest [--records N] [--keep]: bulk import speed. Generates a Kaggle-format
// snapshot of N records (default 200,000) by resampling the real papers of the bundled sample with
// new ids, imports it into a fresh SQLite database (with whatever full-text index the migrations
// create), and prints records/s and peak resident memory as JSON.
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { brotliDecompressSync } from 'node:zlib';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { detectFormat } from '../src/ingest/formats.ts';
import { SAMPLE_FILES } from '../src/services/sample.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    keep: { type: 'boolean' },
    // For a cost breakdown only: drop the full-text triggers in the bench's own database.
    'without-fts': { type: 'boolean' },
  },
  allowPositionals: true,
});
const N = Number(values.records);

interface SampleRec {
  arxiv_id: string;
  title: string;
  authors: string[];
  summary: string;
  categories?: string[] | null;
  published?: string | null;
  comment?: string | null;
}

const sample = brotliDecompressSync(readFileSync(SAMPLE_FILES.arxiv))
  .toString('utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l) as SampleRec);

// A small deterministic generator, so every run imports the same file.
let seed = 42;
const rand = () => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

const dir = mkdtempSync(join(tmpdir(), 'paperboy-bench-ingest-'));
const file = join(dir, 'arxiv-metadata-oai-snapshot.json');
const genStart = performance.now();
await new Promise<void>((resolve, reject) => {
  const out = createWriteStream(file);
  out.on('error', reject);
  let i = 0;
  const write = () => {
    let ok = true;
    while (i < N && ok) {
      const src = sample[Math.floor(rand() * sample.length)];
      // New ids: YYMM.NNNNN, 99,999 per "month" starting at 3001 (beyond any real id).
      const id = `${3001 + Math.floor(i / 99999)}.${String((i % 99999) + 1).padStart(5, '0')}`;
      const created = new Date(Date.UTC(2020, 0, 1) + Math.floor(rand() * 5 * 365) * 86400000 + Math.floor(rand() * 86400000));
      const nv = 1 + Math.floor(rand() * 3);
      const versions = Array.from({ length: nv }, (_, v) => ({
        version: `v${v + 1}`,
        created: new Date(created.getTime() + v * 20 * 86400000).toUTCString(),
      }));
      const rec = {
        id,
        submitter: src.authors[0] ?? null,
        authors: src.authors.join(', '),
        title: src.title,
        comments: src.comment ?? null,
        'journal-ref': null,
        doi: null,
        'report-no': null,
        categories: (src.categories?.length ? src.categories : ['cs.LG']).join(' '),
        license: null,
        abstract: src.summary,
        versions,
        update_date: versions[nv - 1] ? new Date(versions[nv - 1].created).toISOString().slice(0, 10) : null,
        authors_parsed: src.authors.map((a) => {
          const parts = a.split(' ');
          return [parts.pop() ?? '', parts.join(' '), ''];
        }),
      };
      ok = out.write(JSON.stringify(rec) + '\n');
      i++;
    }
    if (i < N) out.once('drain', write);
    else out.end(resolve);
  };
  write();
});
const genSeconds = (performance.now() - genStart) / 1000;

const cfg = loadConfig({ ...process.env, PAPERBOY_DATA_DIR: join(dir, 'data'), DATABASE_URL: '', PAPERBOY_LOAD_SAMPLE: 'false', LOG_LEVEL: 'warn' });
const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('warn') });
const fts = pb.db.sqlite
  ? (pb.db.sqlite.prepare("select name from sqlite_master where type = 'table' and sql like '%fts5%'").all() as { name: string }[]).map((r) => r.name)
  : [];
if (values['without-fts'] && pb.db.sqlite) {
  for (const { name } of pb.db.sqlite.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'papers'").all() as { name: string }[])
    pb.db.sqlite.exec(`drop trigger ${name}`);
  fts.length = 0;
}
const fmt = (await detectFormat(file))!;
const bytes = { bytesRead: 0 };
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const summary = await pb.importer.run(fmt.name, file, fmt.parse(file, {}, bytes), { batchSize: Number(values.batch) });
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
const count = await pb.stores.papers.count();
await pb.close();
const peakRssMb = process.resourceUsage().maxRSS / 1024;

console.log(
  JSON.stringify({
    bench: 'ingest',
    format: fmt.name,
    records: N,
    fileMb: Math.round(statSync(file).size / 1048576),
    generateSeconds: Number(genSeconds.toFixed(1)),
    inserted: summary.inserted,
    errors: summary.errors,
    papersInDb: count,
    fullTextTables: fts,
    seconds: Number(seconds.toFixed(1)),
    recordsPerSecond: Math.round(N / seconds),
    // Wall-clock rates depend on what else the machine runs; CPU time does much less.
    cpuSeconds: Number(cpuSeconds.toFixed(1)),
    recordsPerCpuSecond: Math.round(N / cpuSeconds),
    loadAverage: Number((await import('node:os')).loadavg()[0].toFixed(1)),
    peakRssMb: Math.round(peakRssMb),
    node: process.version,
  }),
);
if (!values.keep) rmSync(dir, { recursive: true, force: true });
else console.error(`kept ${dir}`);
