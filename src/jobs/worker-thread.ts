// Role `all` on one machine: the job worker runs in a worker thread of the web process, with its own
// event loop and database connection, so no job (an import's synchronous SQLite writes, embedding
// batches, a digest build, the hand-off of a trained model) runs on the thread that answers HTTP;
// training runs in a further thread at low priority (src/search/embedders/train-thread.ts). Before,
// one search.maintain held the web loop for 40–50 s. A thread rather than a child process: measured
// with `npm run bench -- http --during-training` (10k papers, 2 shared cores at load 20–25), the web
// thread's event-loop delay p99 per 10-s window while the worker trained was 62–1029 ms with the
// worker in a thread and 80–768 ms with it in another process (no worker at all: 46–71 ms) — the same
// within the noise, both set by the cores the training takes; a thread is one process to start, stop
// and watch, with signals and shutdown staying in the parent.
import { isMainThread, parentPort, workerData, type Worker as Thread } from 'node:worker_threads';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import { lowerThreadPriority, startThread } from '../threads.ts';

const WORKER_NICE = 5;
import { metrics, type Labels } from '../ops/metrics.ts';

interface ThreadData {
  config: Config;
  schema?: string;
}
type ToThread = { type: 'stop' } | { type: 'abort' };
type FromThread =
  | { type: 'started'; workerId: string }
  | { type: 'stopped' }
  | { type: 'failed'; error: string }
  | { type: 'metric'; name: string; labels?: Labels; value: number };

export interface WorkerThread {
  /** The worker's id (its leases' locked_by), once started. */
  workerId(): string | undefined;
  /** Finishes the jobs in hand and gives back the leases; resolves when the thread has closed its database. */
  stop(): Promise<void>;
  /** Tells the jobs in hand to abort (shutdown deadline passed). */
  abortNow(): void;
}

export async function startWorkerThread(config: Config, log: Logger, schema?: string): Promise<WorkerThread> {
  let id: string | undefined;
  let stopping = false;
  let thread: Thread;
  let stopped: Promise<void>;
  const spawn = () =>
    new Promise<void>((resolve, reject) => {
      thread = startThread(new URL(import.meta.url), { config, schema } satisfies ThreadData);
      let exitResolve!: () => void;
      stopped = new Promise<void>((r) => (exitResolve = r));
      thread.on('message', (m: FromThread) => {
        if (m.type === 'started') {
          id = m.workerId;
          resolve();
        } else if (m.type === 'metric') metrics.applyForwarded(m.name, m.labels, m.value);
        else if (m.type === 'stopped') void thread.terminate();
        else if (m.type === 'failed') reject(new Error(m.error));
      });
      thread.on('error', (err) => {
        log.error({ err: err.message }, 'the worker thread failed');
        reject(err);
      });
      thread.on('exit', (code) => {
        exitResolve();
        if (stopping) return;
        // A thread that dies on its own is started again; its leases expire and are taken over.
        log.error({ code }, 'the worker thread exited; starting it again in 5 s');
        setTimeout(() => {
          if (!stopping) spawn().catch((err) => log.error({ err: (err as Error).message }, 'the worker thread did not start'));
        }, 5000).unref();
      });
    });
  await spawn();
  return {
    workerId: () => id,
    async stop() {
      stopping = true;
      thread.postMessage({ type: 'stop' } satisfies ToThread);
      await stopped;
    },
    abortNow() {
      thread.postMessage({ type: 'abort' } satisfies ToThread);
    },
  };
}

if (!isMainThread && parentPort && (workerData as { entry?: string })?.entry === import.meta.url) {
  const port = parentPort;
  const { config, schema } = (workerData as { data: ThreadData }).data;
  // Jobs (embedding batches, imports, digest builds) yield the cores to the thread answering HTTP.
  lowerThreadPriority(WORKER_NICE);
  const { openPaperboy } = await import('../wiring.ts');
  const { createLogger } = await import('../logger.ts');
  const { startWorkerRole } = await import('./run.ts');
  // The thread's counters and histograms (jobs run and their durations, mails sent) count in the web process's /metrics.
  metrics.forwardTo((name, labels, value) => port.postMessage({ type: 'metric', name, labels, value } satisfies FromThread));
  try {
    const log = createLogger(config.logLevel).child({ thread: 'worker' });
    const pb = await openPaperboy(config, { log, schema });
    const running = startWorkerRole(pb);
    port.on('message', (m: ToThread) => {
      if (m.type === 'abort') running.worker.abortNow();
      if (m.type === 'stop')
        void (async () => {
          await running.stop();
          await pb.close();
          port.postMessage({ type: 'stopped' } satisfies FromThread);
          port.close();
        })();
    });
    port.postMessage({ type: 'started', workerId: running.worker.id } satisfies FromThread);
  } catch (err) {
    port.postMessage({ type: 'failed', error: (err as Error).stack ?? String(err) } satisfies FromThread);
    port.close();
  }
}
