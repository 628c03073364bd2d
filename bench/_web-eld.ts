// A Paperboy process for `npm run bench -- http --during-training`: `serve` in role all (worker in a
// thread, as `npm start` runs it) that measures its own web thread's event-loop delay with
// perf_hooks.monitorEventLoopDelay and answers the bench's IPC messages: "report" sends the
// p50/p99/max since the last report and starts a new window.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config/index.ts';
import { openPaperboy } from '../src/wiring.ts';
import { startRoles } from '../src/cli/serve.ts';

const cfg = loadConfig();
const pb = await openPaperboy(cfg, { migrate: true });
// BENCH_ROLE=web: the control, a web process with no worker at all.
const role = process.env.BENCH_ROLE === 'web' ? 'web' : 'all';
const running = await startRoles(pb, role, { workerThread: cfg.workerThread });
const eld = monitorEventLoopDelay({ resolution: 10 });
eld.enable();
process.on('message', (m: { type: string }) => {
  if (m.type === 'report') {
    process.send!({ type: 'eld', p50ms: eld.percentile(50) / 1e6, p99ms: eld.percentile(99) / 1e6, maxms: eld.max / 1e6, rssMiB: Math.round(process.memoryUsage().rss / 2 ** 20) });
    eld.reset();
  }
  if (m.type === 'stop')
    void running
      .stop()
      .then(() => pb.close())
      .then(() => process.exit(0));
});
process.send!({ type: 'ready', url: running.url });
