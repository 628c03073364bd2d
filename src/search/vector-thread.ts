// The vector side of a web process, in a worker thread of its own: the thread loads the embedding
// model (copying it from the database, checking and parsing its weights), builds and syncs the
// vector index replica, and embeds queries and searches the index; the web thread only sends
// messages (a search costs it one round trip, about 0.1 ms). Before, the web thread did all of that
// itself: when a new model became ready it parsed the model and inserted every vector into the HNSW
// graph, seconds of CPU at 100k papers, on the loop that answers HTTP.
// A model switch is atomic: the thread keeps answering with the old model and its index while it
// builds the new index (yielding between chunks, so searches go on), then swaps both at once and
// tells the web thread, which from then on names the new embedder.
import { isMainThread, parentPort, workerData, type Worker as Thread } from 'node:worker_threads';
import { join } from 'node:path';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { DbOptions } from '../storage/db.ts';
import { startThread } from '../threads.ts';
import { deadline } from './deadline.ts';
import type { EmbedKind, Embedder } from './embedders/types.ts';
import type { Hit } from './lexical.ts';
import type { QueryVector, VectorReplica } from './replica.ts';

interface ThreadData {
  config: Config;
  db: DbOptions;
}
/** What the thread serves: its embedder and index size, or null when there is no model (yet). */
type State = { embedder: string; dims: number; size: number } | null;
type Ask =
  | { type: 'query'; text: string; k: number }
  | { type: 'search'; embedder: string; vector: Float32Array; k: number }
  | { type: 'embed'; embedder: string; texts: string[]; kind: EmbedKind };
type ToThread = ({ id: number } & Ask) | { type: 'reload' } | { type: 'close' };
type FromThread = { type: 'state'; state: State } | { type: 'reply'; id: number; value?: unknown; error?: string } | { type: 'closed' };

/** The web thread's handle on the vector thread. */
export class VectorThread {
  private thread!: Thread;
  private state: State | undefined;
  private replicaOf?: { state: NonNullable<State>; replica: VectorReplica };
  private firstState!: Promise<void>;
  private gotFirst!: () => void;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private closing = false;
  private closed?: Promise<void>;

  constructor(
    private readonly data: ThreadData,
    private readonly log: Logger,
  ) {
    this.spawn();
  }

  private spawn(): void {
    this.state = undefined;
    this.firstState = new Promise((r) => (this.gotFirst = r));
    const t = startThread(new URL(import.meta.url), this.data);
    this.thread = t;
    let exited!: () => void;
    this.closed = new Promise((r) => (exited = r));
    t.on('message', (m: FromThread) => {
      if (m.type === 'state') {
        this.state = m.state;
        this.gotFirst();
      } else if (m.type === 'reply') {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error !== undefined) p?.reject(new Error(m.error));
        else p?.resolve(m.value);
      } else if (m.type === 'closed') void t.terminate();
    });
    t.on('error', (err) => this.log.error({ err: err.message }, 'the vector thread failed'));
    t.on('exit', (code) => {
      exited();
      for (const p of this.pending.values()) p.reject(new Error('the vector thread exited'));
      this.pending.clear();
      if (this.closing) return;
      // Lexical search until it is back; a thread that dies is started again.
      this.state = null;
      this.gotFirst();
      this.log.error({ code }, 'the vector thread exited; starting it again in 5 s');
      setTimeout(() => this.closing || this.spawn(), 5000).unref();
    });
  }

  private ask<T>(msg: Ask): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.thread.postMessage({ id, ...msg } satisfies ToThread);
    });
  }

  /** Waits at most `waitMs` for the thread's first word; false when it has not spoken yet. */
  async started(waitMs = Infinity): Promise<boolean> {
    if (this.state !== undefined) return true;
    return (await deadline(this.firstState.then(() => true), waitMs)) ?? false;
  }

  /**
   * The replica the thread serves now; null when it has no model (lexical search), or when it has
   * not built its first index within `waitMs` (a process started without its index file rebuilds it
   * from the database: minutes at 100k papers, while searches answer by words).
   */
  async replica(waitMs = Infinity): Promise<VectorReplica | null> {
    if (!(await this.started(waitMs))) return null;
    const s = this.state;
    if (!s) return null;
    if (this.replicaOf?.state === s) return this.replicaOf.replica;
    const replica: VectorReplica = {
      embedder: s.embedder,
      dims: s.dims,
      size: s.size,
      query: (text, k) => this.ask<QueryVector>({ type: 'query', text, k }),
      search: (vector, k) => this.ask<Hit[]>({ type: 'search', embedder: s.embedder, vector, k }),
    };
    this.replicaOf = { state: s, replica };
    return replica;
  }

  /** The thread's embedder as seen from here: its id and dims, embedding done in the thread. */
  async embedder(): Promise<Embedder | null> {
    const r = await this.replica();
    if (!r) return null;
    return { id: r.embedder, dims: r.dims, embed: (texts, kind) => this.ask<Float32Array[]>({ type: 'embed', embedder: r.embedder, texts, kind }) };
  }

  /** Loads the newest model and rebuilds (another process trained one; the thread also notices by itself). */
  reload(): void {
    this.thread.postMessage({ type: 'reload' } satisfies ToThread);
  }

  async close(): Promise<void> {
    if (this.closing) return this.closed;
    this.closing = true;
    this.thread.postMessage({ type: 'close' } satisfies ToThread);
    // Saving the index takes a moment; a thread that does not answer is stopped.
    const t = setTimeout(() => void this.thread.terminate(), 10_000);
    await this.closed;
    clearTimeout(t);
  }
}

/** Starts the vector thread of a web process, on its own connection to the same database. */
export function startVectorThread(config: Config, db: DbOptions, log: Logger): VectorThread {
  return new VectorThread({ config, db }, log);
}

if (!isMainThread && parentPort && (workerData as { entry?: string })?.entry === import.meta.url) {
  const port = parentPort;
  const { config, db: dbOpts } = (workerData as { data: ThreadData }).data;
  const { openDb } = await import('../storage/db.ts');
  const { createLogger } = await import('../logger.ts');
  const { createSearchStores } = await import('../storage/search-stores.ts');
  const { EmbedderModels } = await import('./models.ts');
  const { VectorIndex } = await import('./vectors.ts');
  const log = createLogger(config.logLevel).child({ thread: 'vectors' });
  const db = openDb(dbOpts);
  const stores = createSearchStores(db);
  const vectors = stores.vectors;
  type Serving = { e: Embedder; vi: InstanceType<typeof VectorIndex> };
  let current: Serving | null = null;
  let building: Promise<void> | undefined;
  let again = false;
  let closing = false;
  const post = (m: FromThread) => port.postMessage(m);
  const tell = () => post({ type: 'state', state: current ? { embedder: current.e.id, dims: current.e.dims, size: current.vi.size } : null });
  const selector = new EmbedderModels(config, stores.models, log, async () => rebuild());

  // Loads the newest model and catches its index up, while the current pair goes on answering; then swaps.
  const build = async (): Promise<void> => {
    selector.reset();
    const e = await selector.embedder();
    if (closing) return;
    let next: Serving | null = null;
    if (e) {
      const vi = new VectorIndex(vectors, join(config.dataDir, 'vectors'), e.id, e.dims, log);
      await vi.catchUp();
      if (closing) return void (await vi.close());
      next = { e, vi };
    }
    const old = current;
    current = next;
    next?.vi.startSync(config.searchSyncMs);
    tell();
    if (old && old.e !== next?.e) {
      await old.vi.close();
      await old.e.close?.();
    }
  };
  const rebuild = (): Promise<void> => {
    if (building) {
      again = true;
      return building;
    }
    building = build()
      .catch((err) => {
        log.warn({ err: (err as Error).message }, 'loading the embedding model or its index failed');
        if (current === null) tell();
      })
      .finally(() => {
        building = undefined;
        if (again && !closing) {
          again = false;
          void rebuild();
        }
      });
    return building;
  };
  // Asking the selector for the embedder now and then is what lets it notice a newer shared model
  // (or the first one), which calls rebuild().
  let told = -1;
  const watch = setInterval(
    () => {
      void selector.embedder().catch(() => null);
      // The size the web thread reports in /readyz follows the replica's growth.
      if (current && !building && current.vi.size !== told) {
        told = current.vi.size;
        tell();
      }
    },
    Math.max(250, config.searchSyncMs / 2),
  );
  watch.unref();

  const answer = async (m: { id: number } & Ask): Promise<unknown> => {
    const cur = current;
    if (m.type === 'query') {
      if (!cur) throw new Error('no embedding model');
      const [qvec] = await cur.e.embed([m.text], 'query');
      return { embedder: cur.e.id, qvec, hits: cur.vi.search(qvec, m.k) } satisfies QueryVector;
    }
    if (!cur || cur.e.id !== m.embedder) {
      if (m.type === 'search') return [];
      throw new Error(`the embedding model changed (now ${cur?.e.id ?? 'none'})`);
    }
    if (m.type === 'search') return cur.vi.search(m.vector, m.k);
    return cur.e.embed(m.texts, m.kind);
  };
  port.on('message', (m: ToThread) => {
    if (m.type === 'reload') return void rebuild();
    if (m.type === 'close') {
      closing = true;
      clearInterval(watch);
      // A build in progress is not waited for (minutes at 100k papers): it fails on the closed
      // database, and the next start resumes from the saved index.
      void (async () => {
        await current?.vi.close();
        await current?.e.close?.();
        await db.close();
        post({ type: 'closed' });
      })();
      return;
    }
    answer(m).then(
      (value) => post({ type: 'reply', id: m.id, value }),
      (err: Error) => post({ type: 'reply', id: m.id, error: err.message }),
    );
  });
  void rebuild();
}
