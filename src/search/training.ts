// Training the default static model on the stored papers, and when to (re)train. The training
// itself is trainStaticModel() (plain data in, model out); this reads the papers, keeps a checkpoint
// of the contrastive stage between epochs (a killed training resumes from its last epoch), and
// publishes the model through the database for every process.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { SearchCorpusStore } from '../storage/search-corpus.ts';
import type { PaperStore } from '../storage/papers.ts';
import { loadStaticModel, readStaticModelFiles, saveStaticModel, staticModelVersion } from './embedders/static.ts';
import type { TrainOptions, TrainStats } from './embedders/train.ts';
import { trainInThread } from './embedders/train-thread.ts';
import type { ContrastiveCheckpoint } from './embedders/contrastive.ts';
import { CACHE_DIR, type EmbedderModels } from './models.ts';

export interface TrainDeps {
  config: Config;
  corpus: SearchCorpusStore;
  papers: PaperStore;
  models: EmbedderModels;
}

/** The papers to train on: all, or an even sample (every k-th id) of at most `maxDocs`. */
export async function trainingDocs(corpus: SearchCorpusStore, total: number, maxDocs: number): Promise<{ title: string; abstract: string }[]> {
  const step = Math.max(1, Math.ceil(total / maxDocs));
  const out: { title: string; abstract: string }[] = [];
  let lastId = 0;
  for (;;) {
    const rows = await corpus.page(lastId, 5000);
    if (!rows.length) break;
    for (const r of rows) if (r.id % step === 0) out.push({ title: r.title, abstract: r.abstract });
    lastId = rows[rows.length - 1].id;
  }
  return out;
}

/** A checkpoint file: a small JSON header, then the table and Adam's two moments as float32. */
function saveCheckpoint(file: string, key: string, c: ContrastiveCheckpoint): void {
  const head = Buffer.from(JSON.stringify({ key, epoch: c.epoch, step: c.step, losses: c.losses, n: c.table.length }));
  const len = Buffer.alloc(4);
  len.writeUInt32LE(head.length);
  const body = [c.table, c.m, c.v].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  writeFileSync(`${file}.tmp`, Buffer.concat([len, head, ...body]));
  renameSync(`${file}.tmp`, file);
}

function loadCheckpoint(file: string, key: string): ContrastiveCheckpoint | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const buf = readFileSync(file);
    const hl = buf.readUInt32LE(0);
    const head = JSON.parse(buf.subarray(4, 4 + hl).toString()) as { key: string; epoch: number; step: number; losses: number[]; n: number };
    if (head.key !== key) return undefined;
    const at = 4 + hl;
    const arr = (k: number) => new Float32Array(buf.buffer.slice(buf.byteOffset + at + k * head.n * 4, buf.byteOffset + at + (k + 1) * head.n * 4));
    return { epoch: head.epoch, step: head.step, losses: head.losses, table: arr(0), m: arr(1), v: arr(2) };
  } catch {
    return undefined; // a torn file: train from the start
  }
}

/**
 * Trains the default static model on the stored papers, stores it in the database for every
 * process (each keeps a copy in its data dir). The caller switches to it.
 */
export async function trainDefaultModel(deps: TrainDeps, opts: TrainOptions & { maxDocs?: number } = {}): Promise<TrainStats> {
  const { config, corpus, papers, models } = deps;
  const n = await papers.count();
  const docs = await trainingDocs(corpus, n, opts.maxDocs ?? 200_000);
  const cacheDir = join(config.dataDir, CACHE_DIR);
  mkdirSync(cacheDir, { recursive: true });
  // A checkpoint is good for the same papers and options only.
  const key = `${docs.length}:${n}:${JSON.stringify({ ...opts, log: undefined })}`;
  const ckpt = join(cacheDir, '.checkpoint');
  const resume = loadCheckpoint(ckpt, key);
  if (resume) opts.log?.(`resuming the contrastive training after epoch ${resume.epoch}`);
  // In a worker thread (src/search/embedders/train-thread.ts): minutes of CPU never block an event loop.
  const { model, stats } = await trainInThread(docs, { ...opts, resume, onCheckpoint: (c) => saveCheckpoint(ckpt, key, c) });
  const tmp = join(cacheDir, `.trained-${process.pid}`);
  saveStaticModel(tmp, model);
  const files = readStaticModelFiles(tmp);
  const version = staticModelVersion(files.weights);
  const dir = join(cacheDir, version);
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  const e = loadStaticModel(dir);
  await models.store.publish({ embedder: e.id, version, dims: e.dims, docs: n }, files);
  rmSync(ckpt, { force: true });
  return stats;
}

/** Whether the worker should (re)train the default model: none yet, or the corpus grew by the factor. */
export async function needsTraining(deps: TrainDeps, minDocs = 200): Promise<boolean> {
  const { config, papers, models } = deps;
  if (config.searchEmbedder !== 'auto' || config.searchStaticModel) return false;
  const n = await papers.count();
  if (n < minDocs) return false;
  const m = await models.latest();
  return !m || n >= m.docs * config.searchRetrainFactor;
}
