// Entry of every worker thread: registers tsx's loader in the thread (a Worker does not inherit the
// loader tsx registered in the main thread), then runs the TypeScript module named in workerData.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
