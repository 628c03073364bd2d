// HF parity and the agent surface (issue 22), built once per instance: rendered thumbnails, code
// links with GitHub stars, and AI summaries. src/wiring.ts calls createAgents().
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { Database } from '../storage/schema.ts';
import type { KvStore } from '../storage/kv.ts';
import { AiSummaryStore, GithubStore, ThumbnailStore } from '../storage/agents.ts';
import { sharedSourceClient } from '../ingest/http.ts';
import { Thumbnails } from './thumbnails.ts';
import { GithubSync } from './github-sync.ts';
import { AiSummaries } from './ai-summaries.ts';

export interface Agents {
  thumbnails: Thumbnails;
  thumbnailStore: ThumbnailStore;
  github: GithubSync;
  githubStore: GithubStore;
  ai: AiSummaries;
}

export function createAgents(d: { db: Kysely<Database>; config: Config; kv: KvStore; log: Logger }): Agents {
  const thumbnailStore = new ThumbnailStore(d.db);
  const githubStore = new GithubStore(d.db);
  return {
    thumbnailStore,
    // PDFs go through the process-wide source client: arXiv's one-at-a-time rule covers them too.
    thumbnails: new Thumbnails(d.config, thumbnailStore, sharedSourceClient(d.config, { log: d.log }), d.log),
    githubStore,
    github: new GithubSync(d.config, githubStore, d.kv, d.log),
    ai: new AiSummaries(d.config, new AiSummaryStore(d.db), d.log),
  };
}
