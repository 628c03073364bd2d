// Settings of the job worker: lanes and where the worker runs in the single-process role.
import { parsers, setting } from './table.ts';

type LaneName = 'network' | 'cpu' | 'quick';

/** "network=2,cpu=1,quick=2" → concurrency per lane (every lane at least 1). */
export function parseLanes(raw: string): Record<LaneName, number> {
  const out: Record<LaneName, number> = { network: 1, cpu: 1, quick: 1 };
  for (const part of raw
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const m = part.match(/^(network|cpu|quick)\s*=\s*(\d{1,2})$/);
    if (!m || +m[2] < 1) throw new Error(`must be lane=count pairs (lanes network, cpu, quick; count 1–99), got "${part}"`);
    out[m[1] as LaneName] = +m[2];
  }
  return out;
}

export const jobs = {
  jobLanes: setting({
    env: 'PAPERBOY_JOB_LANES',
    default: 'network=2,cpu=1,quick=2',
    parse: parseLanes,
    doc: 'Jobs running at once per lane (network: syncs and harvests; cpu: training, embedding, digest builds; quick: trending, pruning, sends).',
  }),
  workerThread: setting({
    env: 'PAPERBOY_WORKER_THREAD',
    default: 'true',
    parse: parsers.bool,
    doc: 'Role "all": run the job worker in a worker thread, so no job runs on the thread that answers HTTP.',
  }),
  rssPollMinutes: setting({
    env: 'PAPERBOY_RSS_POLL_MINUTES',
    default: '15',
    parse: parsers.int(1, 600),
    doc: "Minutes between conditional polls of the arXiv RSS listing, from arXiv's announcement (20:00 Eastern, Sunday–Thursday) to PAPERBOY_RSS_SYNC_TIME.",
  }),
  hfPollMinutes: setting({
    env: 'PAPERBOY_HF_POLL_MINUTES',
    default: '60',
    parse: parsers.int(1, 1440),
    doc: "Minutes between polls of the day's Hugging Face papers list.",
  }),
  httpInlineWaitMs: setting({
    env: 'PAPERBOY_HTTP_INLINE_WAIT_MS',
    default: '30000',
    parse: parsers.int(0, 3_600_000),
    doc: 'A source answering 429/503 with a longer Retry-After (or a longer backoff) ends the job attempt; the queue runs it again then.',
  }),
};
