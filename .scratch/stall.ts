import { databases } from '../test/support/db.ts';
import { loadSomeSample } from '../test/ops-child.ts';
import { startRoles } from '../src/cli/serve.ts';
import { createLogger } from '../src/logger.ts';
const dbk = databases[0];
const pb = await dbk.open({ PAPERBOY_SYNC: 'false', PAPERBOY_SCHEDULER_TICK_SECONDS: '1', SEARCH_SYNC_MS: '1000' }, { log: createLogger('info') });
await loadSomeSample(pb, 1500);
const running = await startRoles(pb, 'all', { workerThread: true });
let last = performance.now();
const t0 = Date.now();
setInterval(() => { const now = performance.now(); if (now - last > 60) console.error(`STALL ${Math.round(now - last)} ms at +${Date.now() - t0} ms`); last = now; }, 10);
for (let i = 0; i < 600; i++) {
  const r = await fetch(`${running.url}/api/papers/search?q=attention+heads`);
  await r.text();
  if (r.headers.get('x-search-mode') === 'hybrid') { console.error('HYBRID at', Date.now() - t0); break; }
  await new Promise((r) => setTimeout(r, 300));
}
await new Promise((r) => setTimeout(r, 3000));
await running.stop(); await pb.dispose(); process.exit(0);
