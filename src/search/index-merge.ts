// Folding a vector index's delta into its saved file, in a thread of its own: the merge loads the
// whole file, removes the hidden entries and inserts the delta's vectors into the HNSW graph — at
// 100k papers and a 20,000-vector delta, 10–20 s of CPU on a shared 2-core machine, which on the
// vector thread held every search by meaning for as long (page p99 4.6 s in the 100k
// during-training bench, in the window where search turned hybrid). The vector thread goes on
// answering from the old base and delta meanwhile and maps the new file when the merge is done.
// The merge writes both files of an index: the graph (`tmp`) and its int8 vectors (`tmp` + VECTORS).
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import usearch, { type Index as UIndex, type MetricKind, type ScalarKind } from 'usearch';
import { lowerThreadPriority, startThread } from '../threads.ts';
import { VectorFile } from './vector-file.ts';
import { binaryCodes, codeBits } from './codes.ts';

/** The int8 vectors of an index file are in the file of its name plus this (vector-file.ts). */
export const VECTORS = '.i8';

export interface MergeJob {
  /** The saved index file (read; none for a first build) and the temporary file the merged index is written to. */
  file?: string;
  tmp: string;
  dims: number;
  /** Base entries replaced or deleted since the file was saved. */
  hidden: number[];
  /** The delta: keys and their int8 vectors (keys.length × dims). */
  keys: number[];
  vectors: Int8Array;
  /**
   * Set when `file` is not a saved index but the delta's graph saved as a seed (a first build): only
   * these keys (the staged ones) are inserted into it, and there are no older vectors.
   */
  insertOnly?: number[];
  /** Threads inserting the delta: 1 on a thread that answers searches, 0 (every core) in the merge thread. */
  threads?: number;
}

/** Below the CPU of the web thread and the vector thread: searches are served first, the merge waits. */
const MERGE_NICE = 10;

/** Vectors inserted into a graph per add() call (their codes are made a chunk at a time). */
const INSERT_CHUNK = 50_000;

/**
 * The graph of vectors of `dims`: binary codes (codes.ts; Hamming distance) find candidates, which
 * are rescored with their int8 vectors (layered-index.ts). About 210 bytes a paper at 256 dimensions
 * against 404 for a graph of the int8 vectors (docs/architecture.md).
 * expansion_add 64 halves build time against 128 (measured with int8 vectors at 100k papers).
 */
export function emptyIndex(dims: number): UIndex {
  return new usearch.Index({
    dimensions: codeBits(dims),
    metric: 'hamming' as MetricKind,
    quantization: 'b1' as ScalarKind,
    connectivity: 16,
    expansion_add: 64,
    expansion_search: 96,
    multi: false,
  });
}

/** The merge itself (on whichever thread runs it): the saved file, less the hidden entries, plus the delta, written to `tmp`. */
export function mergeIndexFile(job: MergeJob): void {
  const full = emptyIndex(job.dims);
  if (job.file) full.load(job.file);
  for (const id of job.hidden) full.remove(BigInt(id));
  const at = job.insertOnly ? new Map(job.keys.map((k, i) => [k, i])) : undefined;
  const insert = job.insertOnly ?? job.keys;
  const d = job.dims;
  for (let start = 0; start < insert.length; start += INSERT_CHUNK) {
    const keys = insert.slice(start, start + INSERT_CHUNK);
    let vectors = job.vectors.subarray(start * d, (start + keys.length) * d);
    if (at) {
      vectors = new Int8Array(keys.length * d);
      keys.forEach((k, i) => vectors.set(job.vectors.subarray(at.get(k)! * d, (at.get(k)! + 1) * d), i * d));
    }
    full.add(BigUint64Array.from(keys, BigInt), binaryCodes(vectors, d), job.threads ?? 1);
  }
  full.save(job.tmp);
  VectorFile.merge(job.tmp + VECTORS, job.dims, job.file && !job.insertOnly ? job.file + VECTORS : undefined, job.hidden, job.keys, job.vectors);
}

/** Runs the merge in a new thread; resolves once `job.tmp` holds the merged index. */
export function mergeInThread(job: MergeJob): Promise<void> {
  return new Promise((resolve, reject) => {
    // Every core inserts (usearch's own threads, created by this niced thread, inherit its nice):
    // a first build of 2.7M vectors is CPU for half an hour on one core.
    const t = startThread(new URL(import.meta.url), { ...job, threads: 0 }, { transferList: [job.vectors.buffer as ArrayBuffer] });
    let done = false;
    t.once('message', (m: { error?: string }) => {
      done = true;
      if (m.error) reject(new Error(`merging the vector index failed: ${m.error}`));
      else resolve();
    });
    t.once('error', (err) => {
      done = true;
      reject(err);
    });
    t.once('exit', (code) => done || reject(new Error(`the index merge thread exited with ${code}`)));
  });
}

if (!isMainThread && parentPort && (workerData as { entry?: string })?.entry === import.meta.url) {
  const job = (workerData as { data: MergeJob }).data;
  lowerThreadPriority(MERGE_NICE);
  try {
    mergeIndexFile(job);
    parentPort.postMessage({});
  } catch (err) {
    parentPort.postMessage({ error: (err as Error).message });
  }
}
