// npm run bench -- ingest [--records N] [--batch B] [--keep] [--without-fts] [--fresh-file]: bulk
// import speed. Generates a Kaggle-format snapshot of N records (default 200,000) by resampling the
// real papers of the bundled sample with new ids (kept in the temp folder and reused by later runs
// with the same N), then imports it into a fresh SQLite database, with the full-text index the
// migrations create, in a child process of its own — so that peak memory is the import's, as
// `paperboy import` would see it — and prints records/s, CPU time and peak resident memory as JSON.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { createLogger } from '../src/logger.ts';
import { detectFormat } from '../src/ingest/formats.ts';
import { kaggleRecord, samplePapers } from '../test/support/kaggle.ts';

const { values, positionals } = parseArgs({
  options: {
    records: { type: 'string', default: '200000' },
    // Unset: the importer's own batch sizes, as `paperboy import` uses.
    batch: { type: 'string' },
    keep: { type: 'boolean' },
    // For a cost breakdown only: drop the full-text triggers in the bench's own database.
    'without-fts': { type: 'boolean' },
    // Generate the snapshot again even if a previous run left one.
    'fresh-file': { type: 'boolean' },
    // Internal: the import half, run in a child process.
    child: { type: 'string' },
  },
  allowPositionals: true,
});
const N = Number(values.records);

/** Writes the resampled snapshot; deterministic, so every run imports the same file. */
async function generate(file: string): Promise<void> {
  const sample = samplePapers();
  let seed = 42;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const partial = `${file}.partial`;
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(partial);
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
        const rec = kaggleRecord(src, {
          id,
          versions,
          updateDate: versions[nv - 1] ? new Date(versions[nv - 1].created).toISOString().slice(0, 10) : null,
        });
        ok = out.write(JSON.stringify(rec) + '\n');
        i++;
      }
      if (i < N) out.once('drain', write);
      else out.end(resolve);
    };
    write();
  });
  renameSync(partial, file);
}

/**
 * CPU seconds of this process's main thread alone (Linux; undefined elsewhere). The import's other
 * threads (parsing, checkpoints) run beside it, so on an idle machine with a core to spare the main
 * thread's time per record bounds the wall-clock rate.
 */
function mainThreadCpuSeconds(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, in clock ticks (100 per second on Linux).
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** The import half: a fresh database in `dir`, the snapshot in `file`; prints its figures as JSON. */
async function importChild(file: string, dir: string): Promise<void> {
  const cfg = loadConfig({ ...process.env, PAPERBOY_DATA_DIR: dir, DATABASE_URL: '', PAPERBOY_LOAD_SAMPLE: 'false', PAPERBOY_LOG_LEVEL: 'warn' });
  const pb = await openPaperboy(cfg, { migrate: true, log: createLogger('warn') });
  const fts = pb.db.sqlite
    ? (pb.db.sqlite.prepare("select name from sqlite_master where type = 'table' and sql like '%fts5%'").all() as { name: string }[]).map((r) => r.name)
    : [];
  if (values['without-fts'] && pb.db.sqlite) {
    for (const { name } of pb.db.sqlite.prepare("select name from sqlite_master where type = 'trigger' and tbl_name = 'papers'").all() as { name: string }[])
      pb.db.sqlite.exec(`drop trigger ${name}`);
    fts.length = 0;
  }
  const rssBeforeMb = process.memoryUsage().rss / 1048576;
  const fmt = (await detectFormat(file))!;
  const bytes = { bytesRead: 0 };
  const cpu0 = process.cpuUsage();
  const main0 = mainThreadCpuSeconds();
  const t0 = performance.now();
  const summary = await pb.importer.run(fmt.name, file, fmt.parse(file, {}, bytes), { batchSize: values.batch ? Number(values.batch) : undefined });
  const seconds = (performance.now() - t0) / 1000;
  // Every thread of the process: the checkpoint thread's work counts too.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const main1 = mainThreadCpuSeconds();
  const mainCpu = main0 !== undefined && main1 !== undefined ? main1 - main0 : undefined;
  const count = await pb.stores.papers.count();
  await pb.close();
  console.log(
    JSON.stringify({
      format: fmt.name,
      inserted: summary.inserted,
      errors: summary.errors,
      papersInDb: count,
      fullTextTables: fts,
      seconds: Number(seconds.toFixed(1)),
      recordsPerSecond: Math.round(summary.read / seconds),
      // Wall-clock rates depend on what else the machine runs; CPU time does much less.
      cpuSeconds: Number(cpuSeconds.toFixed(1)),
      recordsPerCpuSecond: Math.round(summary.read / cpuSeconds),
      mainThreadCpuSeconds: mainCpu === undefined ? null : Number(mainCpu.toFixed(1)),
      recordsPerMainThreadCpuSecond: mainCpu ? Math.round(summary.read / mainCpu) : null,
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      rssBeforeImportMb: Math.round(rssBeforeMb),
      databaseMb: Math.round(statSync(join(dir, 'paperboy.db')).size / 1048576),
    }),
  );
}

if (values.child) {
  if (!positionals[0]) throw new Error('--child needs the database folder');
  await importChild(values.child, positionals[0]);
} else {
  const cacheDir = join(tmpdir(), 'paperboy-bench-ingest-snapshots');
  const file = join(cacheDir, `kaggle-${N}.json`);
  const genStart = performance.now();
  if (values['fresh-file'] || !existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    await generate(file);
  }
  const genSeconds = (performance.now() - genStart) / 1000;
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-bench-ingest-'));
  const loadBefore = loadavg()[0];
  const args = [...process.execArgv, fileURLToPath(import.meta.url), '--records', String(N), '--child', file, dir];
  if (values.batch) args.push('--batch', values.batch);
  if (values['without-fts']) args.push('--without-fts');
  const out = await new Promise<string>((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`import child exited with ${code}`))));
  });
  const result = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
  console.log(
    JSON.stringify({
      bench: 'ingest',
      records: N,
      fileMb: Math.round(statSync(file).size / 1048576),
      generateSeconds: Number(genSeconds.toFixed(1)),
      ...result,
      // 1-minute load average before and after the import: the machine is shared.
      loadAverage: [Number(loadBefore.toFixed(1)), Number(loadavg()[0].toFixed(1))],
      cores: availableParallelism(),
      node: process.version,
    }),
  );
  if (!values.keep) rmSync(dir, { recursive: true, force: true });
  else console.error(`kept ${dir} (snapshot: ${file})`);
}

