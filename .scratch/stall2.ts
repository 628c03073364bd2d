import { databases } from '../test/support/db.ts';
import { loadSomeSample, instanceEnv, startServe } from '../test/ops-child.ts';
import { startRoles } from '../src/cli/serve.ts';
import { monitorEventLoopDelay } from 'node:perf_hooks';
const dbk = databases[0];
const pb = await dbk.open({ PAPERBOY_SYNC: 'false', PAPERBOY_SCHEDULER_TICK_SECONDS: '1', SEARCH_SYNC_MS: '1000' });
await loadSomeSample(pb, 1500);
const mode = process.argv[2];
const eld = monitorEventLoopDelay({ resolution: 10 });
const t0 = Date.now();
let n = 0, big = 0, last = performance.now();
setInterval(() => { const now = performance.now(); if (now - last > 60) { n++; big = Math.max(big, now - last); console.error(`STALL ${Math.round(now - last)} ms at +${Date.now() - t0}`); } last = now; }, 10);
const running = await startRoles(pb, mode === 'child' ? 'web' : 'all', { workerThread: mode === 'thread' });
eld.enable();
const child = mode === 'child' ? await startServe('worker', { ...(await instanceEnv(pb)), PAPERBOY_SCHEDULER_TICK_SECONDS: '1' }) : undefined;
for (let i = 0; i < 600; i++) {
  const v = Number((await pb.db.kysely.selectFrom('paper_vectors').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  if (v >= 1500) break;
  await new Promise((r) => setTimeout(r, 1000));
}
console.error(`${mode}: trained+embedded after ${Date.now() - t0} ms; stalls>60ms ${n} (max ${Math.round(big)}); eld p99 ${(eld.percentile(99)/1e6).toFixed(1)} max ${(eld.max/1e6).toFixed(1)}`);
child?.proc.kill('SIGTERM'); await child?.exited; await running.stop(); await pb.dispose(); process.exit(0);
