// Lanes: every job belongs to one, and each lane has its own workers (concurrency), so a job of one
// lane never waits behind another lane's. `network` holds the syncs and harvests (they wait on
// remote servers and on politeness gaps), `cpu` the work that computes for seconds to minutes
// (training, embedding, digest builds; the heavy parts run in worker threads), `quick` the short
// upkeep that must run on time (trending, pruning, sends). One table, here: a job not listed runs
// in `quick` — list a new job here when it is long or waits on the network.
export type Lane = 'network' | 'cpu' | 'quick';
export const LANES: readonly Lane[] = ['network', 'cpu', 'quick'];

const JOB_LANES: Record<string, Lane> = {
  'ingest.arxiv-rss': 'network',
  'ingest.hf-daily': 'network',
  'ingest.arxiv-oai-catchup': 'network',
  'submission.fetch': 'network',
  'github.sync': 'network',
  'thumbnails.render': 'network',
  'ai.summarise': 'network',
  'recs.pool': 'cpu',
  'recs.idf': 'cpu',
  'search.maintain': 'cpu',
  'digest.build': 'cpu',
  'digest.send': 'quick',
  // A reader's retraining: a few hundred ms, and a vote must reach their list within seconds.
  'recs.train': 'quick',
  'trending.compute': 'quick',
  'community.purge-rate-limits': 'quick',
  'ops.prune-jobs': 'quick',
  'ops.probe': 'quick',
};

export function laneOf(job: string): Lane {
  return JOB_LANES[job] ?? 'quick';
}
