// Per-instance metrics read from the database at scrape time, so every process (and every replica
// of the dashboard) sees the same shared truth: the queue and the ingest totals.
import { timingSafeEqual } from 'node:crypto';
import { sha256Bytes } from '../domain/hash.ts';
import { createServer, type Server } from 'node:http';
import type { Paperboy } from '../wiring.ts';
import { CONTENT_TYPE, dbUp, ingestRecords, jobsByStatus, metrics, searchIndexLag } from './metrics.ts';
import { sourceDown, sourceFailures, sourceLastError, sourceLastSuccess, sourceNextAttempt } from './metrics.ts';
import { syncHealth } from '../jobs/sync-health.ts';

// The lag counts papers without a current vector: a scan of papers and paper_vectors. Scrapes come
// every few seconds; a minute-old figure is as useful and costs one scan a minute.
const LAG_EVERY_MS = 60_000;
const lagCache = new WeakMap<Paperboy, { at: number; value: number }>();

async function indexLag(pb: Paperboy): Promise<number> {
  const hit = lagCache.get(pb);
  if (hit && Date.now() - hit.at < LAG_EVERY_MS) return hit.value;
  const value = await pb.search.pendingCount();
  lagCache.set(pb, { at: Date.now(), value });
  return value;
}

function instanceCollector(pb: Paperboy) {
  return async () => {
    try {
      const stats = pb.stores.instanceStats;
      const jobs = await stats.jobsByNameAndStatus();
      jobsByStatus.reset();
      for (const r of jobs) jobsByStatus.set({ name: r.name, status: r.status }, r.n);
      const ingest = await stats.ingestTotals();
      ingestRecords.reset();
      for (const r of ingest)
        for (const outcome of ['read', 'inserted', 'updated', 'skipped', 'errors'] as const) ingestRecords.set({ source: r.source, outcome }, r[outcome]);
      searchIndexLag.set(undefined, await indexLag(pb));
      // Sync health per paper source (src/jobs/sync-health.ts).
      for (const g of [sourceLastSuccess, sourceLastError, sourceNextAttempt, sourceFailures, sourceDown]) g.reset();
      const secs = (iso: string) => Date.parse(iso) / 1000;
      for (const h of await syncHealth(pb)) {
        const l = { source: h.source };
        if (h.lastSuccessAt) sourceLastSuccess.set(l, secs(h.lastSuccessAt));
        if (h.lastErrorAt) sourceLastError.set(l, secs(h.lastErrorAt));
        if (h.nextAttemptAt) sourceNextAttempt.set(l, secs(h.nextAttemptAt));
        sourceFailures.set(l, h.failures);
        sourceDown.set(l, h.down ? 1 : 0);
      }
      dbUp.set(undefined, 1);
    } catch {
      // The scrape still answers (latency, mail counters) while the database is down.
      dbUp.set(undefined, 0);
    }
  };
}

export function renderMetrics(pb: Paperboy): Promise<string> {
  return metrics.render([instanceCollector(pb)]);
}

/** True when no token is configured or the Authorization header carries it (compared in constant time). */
export function metricsAllowed(token: string | undefined, authorization: string | undefined): boolean {
  if (!token) return true;
  return timingSafeEqual(sha256Bytes(authorization ?? ''), sha256Bytes(`Bearer ${token}`));
}

/** A bare /metrics endpoint for worker-only processes (PAPERBOY_METRICS_PORT). */
export function startMetricsServer(pb: Paperboy, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    const token = pb.config.metricsToken;
    if (req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    if (!metricsAllowed(token, req.headers.authorization)) {
      res.writeHead(401).end();
      return;
    }
    renderMetrics(pb).then(
      (body) => res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(body),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve) => server.listen(port, pb.config.host, () => resolve(server)));
}
