// The process's Prometheus metrics, kept by prom-client. Any module may import `metrics` and
// register its own series; a name is registered once per process (asking again for the same name
// returns the same metric, so hot reloads and tests are safe). The thin wrappers below keep one
// call shape for every metric — inc/set/observe(labels | undefined, value) — and declare the
// label names up front, as prom-client requires.
import * as prom from 'prom-client';

export type Labels = Record<string, string | number>;

type Value = { value: number; labels: Record<string, string | number | undefined>; metricName?: string };

/** Labels in name order, so every series prints its labels the same way whatever order the caller used. */
function sorted(labels: Labels): Labels {
  return Object.fromEntries(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}

function same(a: Value['labels'], b: Labels = {}): boolean {
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  return ka.length === Object.keys(b).length && ka.every((k) => String(a[k]) === String(b[k]));
}

/** Where a worker thread sends its counters' increments and histograms' observations (see Registry.forwardTo). */
export type MetricSink = (name: string, labels: Labels | undefined, value: number) => void;

export class Counter {
  readonly type = 'counter';
  /** Set in a worker thread: increments go to the main thread's registry, which /metrics renders. */
  sink?: MetricSink;
  constructor(
    readonly prom: prom.Counter<string>,
    readonly name: string,
  ) {}
  inc(labels?: Labels, by = 1): void {
    if (this.sink) return this.sink(this.name, labels, by);
    if (labels && Object.keys(labels).length) this.prom.inc(sorted(labels), by);
    else this.prom.inc(by);
  }
  /** The current value of one series (0 when it has none yet). */
  async get(labels?: Labels): Promise<number> {
    return (await this.prom.get()).values.find((v) => same(v.labels, labels))?.value ?? 0;
  }
}

export class Gauge {
  readonly type = 'gauge';
  constructor(readonly prom: prom.Gauge<string>) {}
  set(labels: Labels | undefined, value: number): void {
    if (labels && Object.keys(labels).length) this.prom.set(sorted(labels), value);
    else this.prom.set(value);
  }
  inc(labels?: Labels, by = 1): void {
    if (labels && Object.keys(labels).length) this.prom.inc(sorted(labels), by);
    else this.prom.inc(by);
  }
  async get(labels?: Labels): Promise<number | undefined> {
    return (await this.prom.get()).values.find((v) => same(v.labels, labels))?.value;
  }
  /** Drops every series (before re-filling a gauge from a fresh query, so vanished labels disappear). */
  reset(): void {
    this.prom.reset();
  }
}

/** Latency buckets in seconds, from 1 ms to 10 s. */
export const defaultBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram {
  readonly type = 'histogram';
  /** Set in a worker thread: observations go to the main thread's registry, which /metrics renders. */
  sink?: MetricSink;
  constructor(
    readonly prom: prom.Histogram<string>,
    readonly name: string,
  ) {}
  observe(labels: Labels | undefined, value: number): void {
    if (this.sink) return this.sink(this.name, labels, value);
    if (labels && Object.keys(labels).length) this.prom.observe(sorted(labels), value);
    else this.prom.observe(value);
  }
  /** How many observations one series holds. */
  async count(labels?: Labels): Promise<number> {
    const values = (await this.prom.get()).values as Value[];
    return values.find((v) => v.metricName?.endsWith('_count') && same(v.labels, labels))?.value ?? 0;
  }
}

type Metric = Counter | Gauge | Histogram;
export type Collector = () => void | Promise<void>;

export class Registry {
  readonly prom = new prom.Registry();
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors = new Set<Collector>();

  private get<M extends Metric>(name: string, type: Metric['type'], make: () => M): M {
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric ${name} is already a ${existing.type}`);
      return existing as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  private sink?: MetricSink;

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    const c = this.get(name, 'counter', () => new Counter(new prom.Counter({ name, help, labelNames, registers: [this.prom] }), name));
    c.sink ??= this.sink;
    return c;
  }

  /**
   * In a worker thread (role all): every counter and histogram, registered now or later, hands its
   * increments and observations to `sink` (which posts them to the main thread) instead of this
   * thread's registry, which nothing scrapes. Gauges are not forwarded: they are read from the
   * database when /metrics is scraped.
   */
  forwardTo(sink: MetricSink): void {
    this.sink = sink;
    for (const m of this.metrics.values()) if (m instanceof Counter || m instanceof Histogram) m.sink = sink;
  }

  /** Applies an increment or observation forwarded by a worker thread to the metric of that name, if this process has it. */
  applyForwarded(name: string, labels: Labels | undefined, value: number): void {
    const m = this.metrics.get(name);
    if (m instanceof Counter) m.inc(labels, value);
    else if (m instanceof Histogram) m.observe(labels, value);
  }
  gauge(name: string, help: string, labelNames: string[] = []): Gauge {
    return this.get(name, 'gauge', () => new Gauge(new prom.Gauge({ name, help, labelNames, registers: [this.prom] })));
  }
  histogram(name: string, help: string, labelNames: string[] = [], buckets: number[] = defaultBuckets): Histogram {
    const h = this.get(name, 'histogram', () => new Histogram(new prom.Histogram({ name, help, labelNames, buckets, registers: [this.prom] }), name));
    h.sink ??= this.sink;
    return h;
  }

  /** Runs before every scrape: for values read on demand (queue depth, index lag). Returns an unregister function. */
  onCollect(fn: Collector): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  /** The text exposition format. `extra` collectors run for this scrape only (per-instance queries). */
  async render(extra: Collector[] = []): Promise<string> {
    for (const c of [...this.collectors, ...extra]) await c();
    return this.prom.metrics();
  }
}

/** The process-wide registry. */
export const metrics = new Registry();

export const CONTENT_TYPE = metrics.prom.contentType;

// The series every area shares. Import and update them where the event happens.
export const httpRequestDuration = metrics.histogram(
  'paperboy_http_request_duration_seconds',
  'Time to answer HTTP requests, by route pattern, method and status class.',
  ['route', 'method', 'status'],
);
export const jobsByStatus = metrics.gauge('paperboy_jobs', 'Jobs in the jobs table by name and status.', ['name', 'status']);
export const jobDuration = metrics.histogram(
  'paperboy_job_duration_seconds',
  'Time jobs took in this process (its worker thread included), by name and outcome (done, retry, dead).',
  ['name', 'outcome'],
  [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 1800],
);
export const jobsRun = metrics.counter('paperboy_jobs_run_total', 'Jobs run by this process, by name and outcome (done, retry, dead).', ['name', 'outcome']);
export const ingestRecords = metrics.gauge(
  'paperboy_ingest_records',
  'Records processed by ingest runs (from the ingest log), by source and outcome (read, inserted, updated, skipped, errors).',
  ['source', 'outcome'],
);
export const searchIndexLag = metrics.gauge(
  'paperboy_search_index_lag',
  'Papers that search by meaning does not serve yet: no vector from the current embedder, or one older than the paper (the embed backlog).',
);
export const mailSent = metrics.counter('paperboy_mail_sent_total', 'Mails handed to the transport successfully by this process.');
export const mailFailed = metrics.counter('paperboy_mail_failed_total', 'Mails the transport refused or failed to send in this process.');
export const dbUp = metrics.gauge('paperboy_database_up', '1 when the database answered the last scrape, else 0.');
export const sourceLastSuccess = metrics.gauge(
  'paperboy_source_last_success_timestamp_seconds',
  'Unix time of the last successful sync, by paper source (absent: never).',
  ['source'],
);
export const sourceLastError = metrics.gauge(
  'paperboy_source_last_error_timestamp_seconds',
  'Unix time of the last failed sync attempt, by paper source (absent: never).',
  ['source'],
);
export const sourceNextAttempt = metrics.gauge(
  'paperboy_source_next_attempt_timestamp_seconds',
  'Unix time of the next sync attempt (a queued retry or the next scheduled poll), by paper source.',
  ['source'],
);
export const sourceFailures = metrics.gauge('paperboy_source_consecutive_failures', 'Failed sync attempts since the last success, by paper source.', [
  'source',
]);
export const sourceDown = metrics.gauge('paperboy_source_down', '1 when a paper source has failed, with no success, for a day or more.', ['source']);
