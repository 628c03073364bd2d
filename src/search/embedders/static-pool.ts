// Embedding many documents with a static model on every core. Tokenising and pooling is CPU work
// (0.15 ms a paper: 7 minutes of one core for 2.7M papers, most of the embed stage); a batch is
// split across threads that share the model's weights (a SharedArrayBuffer, not a copy each), and
// the thread that asked — the worker's event loop — only waits. The threads run at nice 10, like
// training, so that on a busy machine the threads that answer HTTP come first.
import { isMainThread, parentPort, workerData, type Worker } from 'node:worker_threads';
import { lowerThreadPriority, startThread } from '../../threads.ts';
// A cycle (static.ts starts the pool), used only at run time: fine for ES modules.
import { StaticEmbedder, type StaticModel } from './static.ts';

const POOL_NICE = 10;

interface Setup {
  model: StaticModel;
  name: string;
  version: string;
  /** The shared SIMD memory the model's table is in, when it is (see StaticEmbedder). */
  memory?: WebAssembly.Memory;
  /** This thread's scratch slot in it (the owner's is 0). */
  slot: number;
}
type Job = { id: number; texts: string[] };
type Reply = { id: number; vectors?: Float32Array; error?: string };

/** A copy of `a` in shared memory (or `a` itself if it is shared already). */
export function shared(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const s = new Float32Array(new SharedArrayBuffer(a.byteLength));
  s.set(a);
  return s;
}

interface Slot {
  worker: Worker;
  /** Jobs sent and not answered yet (two callers may embed at once: a thread answers in order). */
  inFlight: number;
}

export class StaticPool {
  private readonly slots: Slot[];
  private readonly pending = new Map<number, { resolve: (v: Float32Array) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closed = false;
  private failed?: Error;

  /** `model`'s arrays must be shared (see shared()). */
  constructor(
    model: StaticModel,
    name: string,
    version: string,
    threads: number,
    private readonly dims: number,
    memory?: WebAssembly.Memory,
  ) {
    this.slots = Array.from({ length: threads }, (_, i) => {
      const setup: Setup = { model, name, version, memory, slot: i + 1 };
      const worker = startThread(new URL(import.meta.url), setup);
      // A pool nobody closed does not keep the process alive.
      worker.unref();
      const slot: Slot = { worker, inFlight: 0 };
      worker.on('message', (m: Reply) => {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        slot.inFlight--;
        if (this.closed && slot.inFlight === 0) void worker.terminate();
        if (!p) return;
        if (m.error || !m.vectors) p.reject(new Error(`embedding thread: ${m.error ?? 'no vectors'}`));
        else p.resolve(m.vectors);
      });
      worker.on('error', (err) => this.fail(err));
      worker.on('exit', (code) => {
        if (!this.closed) this.fail(new Error(`an embedding thread exited with ${code}`));
      });
      return slot;
    });
  }

  /** Whether the pool can take work (not closed, no thread lost). */
  get usable(): boolean {
    return !this.closed && !this.failed;
  }

  private fail(err: Error): void {
    this.failed ??= err;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  /** Embeds `texts` as documents, split evenly across the threads; the order is kept. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    if (!this.usable) throw this.failed ?? new Error('the embedding pool is closed');
    const n = this.slots.length;
    const per = Math.ceil(texts.length / n);
    const parts = this.slots.map((slot, i) => {
      const chunk = texts.slice(i * per, (i + 1) * per);
      if (!chunk.length) return Promise.resolve(new Float32Array(0));
      const id = this.nextId++;
      slot.inFlight++;
      return new Promise<Float32Array>((resolve, reject) => {
        this.pending.set(id, { resolve, reject });
        slot.worker.postMessage({ id, texts: chunk } satisfies Job);
      });
    });
    const out: Float32Array[] = [];
    for (const flat of await Promise.all(parts)) {
      for (let i = 0; i < flat.length; i += this.dims) out.push(flat.subarray(i, i + this.dims));
    }
    return out;
  }

  /** Threads stop once the jobs sent to them are answered. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.filter((s) => s.inFlight === 0).map((s) => s.worker.terminate()));
  }
}

if (!isMainThread && parentPort && (workerData as { entry?: string })?.entry === import.meta.url) {
  const port = parentPort;
  const { model, name, version, memory, slot } = (workerData as { data: Setup }).data;
  lowerThreadPriority(POOL_NICE);
  const e = new StaticEmbedder(model, name, version, { pool: false, memory, slot });
  port.on('message', (job: Job) => {
    try {
      const flat = new Float32Array(job.texts.length * e.dims);
      job.texts.forEach((t, i) => flat.set(e.embedOne(t), i * e.dims));
      port.postMessage({ id: job.id, vectors: flat } satisfies Reply, [flat.buffer]);
    } catch (err) {
      port.postMessage({ id: job.id, error: (err as Error).message } satisfies Reply);
    }
  });
}
