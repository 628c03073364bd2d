// A tiny Prometheus registry (counter, gauge, histogram) and the text exposition format 0.0.4.
// Any module may import `metrics` and register its own series; names are registered once per
// process (asking again for the same name returns the same metric, so hot reloads and tests are safe).

export type Labels = Record<string, string | number>;

function escapeLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function labelKey(labels: Labels = {}): string {
  const keys = Object.keys(labels).sort();
  return keys.map((k) => `${k}="${escapeLabel(String(labels[k]))}"`).join(',');
}

function fmt(n: number): string {
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  if (Number.isNaN(n)) return 'NaN';
  return String(n);
}

function series(name: string, key: string, value: number): string {
  return `${name}${key ? `{${key}}` : ''} ${fmt(value)}\n`;
}

interface Metric {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge' | 'histogram';
  render(): string;
}

export class Counter implements Metric {
  readonly type = 'counter';
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels?: Labels, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot decrease`);
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number {
    return this.values.get(labelKey(labels)) ?? 0;
  }
  render(): string {
    let out = '';
    for (const [k, v] of this.values) out += series(this.name, k, v);
    return out;
  }
}

export class Gauge implements Metric {
  readonly type = 'gauge';
  private values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  set(labels: Labels | undefined, value: number): void {
    this.values.set(labelKey(labels), value);
  }
  inc(labels?: Labels, by = 1): void {
    const k = labelKey(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels?: Labels): number | undefined {
    return this.values.get(labelKey(labels));
  }
  /** Drops every series (before re-filling a gauge from a fresh query, so vanished labels disappear). */
  reset(): void {
    this.values = new Map();
  }
  render(): string {
    let out = '';
    for (const [k, v] of this.values) out += series(this.name, k, v);
    return out;
  }
}

/** Latency buckets in seconds, from 1 ms to 10 s. */
export const defaultBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export class Histogram implements Metric {
  readonly type = 'histogram';
  private readonly values = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly buckets: number[] = defaultBuckets,
  ) {}
  observe(labels: Labels | undefined, value: number): void {
    const k = labelKey(labels);
    let v = this.values.get(k);
    if (!v) this.values.set(k, (v = { counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]) v.counts[i]++;
    v.sum += value;
    v.count++;
  }
  count(labels?: Labels): number {
    return this.values.get(labelKey(labels))?.count ?? 0;
  }
  render(): string {
    let out = '';
    for (const [k, v] of this.values) {
      const sep = k ? `${k},` : '';
      // Buckets are cumulative: counts[i] already holds every observation <= buckets[i].
      this.buckets.forEach((b, i) => (out += `${this.name}_bucket{${sep}le="${fmt(b)}"} ${v.counts[i]}\n`));
      out += `${this.name}_bucket{${sep}le="+Inf"} ${v.count}\n`;
      out += series(`${this.name}_sum`, k, v.sum);
      out += series(`${this.name}_count`, k, v.count);
    }
    return out;
  }
}

export type Collector = () => void | Promise<void>;

export class Registry {
  private readonly metrics = new Map<string, Metric>();
  private readonly collectors = new Set<Collector>();

  private get<M extends Metric>(name: string, make: () => M, type: Metric['type']): M {
    if (!/^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(name)) throw new Error(`bad metric name ${name}`);
    const existing = this.metrics.get(name);
    if (existing) {
      if (existing.type !== type) throw new Error(`metric ${name} is already a ${existing.type}`);
      return existing as M;
    }
    const m = make();
    this.metrics.set(name, m);
    return m;
  }

  counter(name: string, help: string): Counter {
    return this.get(name, () => new Counter(name, help), 'counter');
  }
  gauge(name: string, help: string): Gauge {
    return this.get(name, () => new Gauge(name, help), 'gauge');
  }
  histogram(name: string, help: string, buckets?: number[]): Histogram {
    return this.get(name, () => new Histogram(name, help, buckets), 'histogram');
  }

  /** Runs before every scrape: for values read on demand (queue depth, index lag). Returns an unregister function. */
  onCollect(fn: Collector): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  /** The text exposition format. `extra` collectors run for this scrape only (per-instance queries). */
  async render(extra: Collector[] = []): Promise<string> {
    for (const c of [...this.collectors, ...extra]) await c();
    let out = '';
    for (const m of this.metrics.values()) {
      const body = m.render();
      if (!body) continue;
      out += `# HELP ${m.name} ${m.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${m.name} ${m.type}\n${body}`;
    }
    return out;
  }
}

/** The process-wide registry. */
export const metrics = new Registry();

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

// The series every area shares. Import and update them where the event happens.
export const httpRequestDuration = metrics.histogram(
  'paperboy_http_request_duration_seconds',
  'Time to answer HTTP requests, by route pattern, method and status class.',
);
export const jobsByStatus = metrics.gauge('paperboy_jobs', 'Jobs in the jobs table by name and status.');
export const jobsRun = metrics.counter('paperboy_jobs_run_total', 'Jobs run by this process, by name and outcome (done, retry, dead).');
export const ingestRecords = metrics.gauge(
  'paperboy_ingest_records',
  'Records processed by ingest runs (from the ingest log), by source and outcome (read, inserted, updated, skipped, errors).',
);
export const searchIndexLag = metrics.gauge(
  'paperboy_search_index_lag',
  'Papers changed in the database but not yet in this process\'s vector index (the search feature sets it).',
);
export const mailSent = metrics.counter('paperboy_mail_sent_total', 'Mails handed to the transport successfully by this process.');
export const mailFailed = metrics.counter('paperboy_mail_failed_total', 'Mails the transport refused or failed to send in this process.');
export const dbUp = metrics.gauge('paperboy_database_up', '1 when the database answered the last scrape, else 0.');
