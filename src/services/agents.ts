// HF parity and the agent surface (issue 22), built once per instance: rendered thumbnails, code
// links with GitHub stars, and AI summaries. src/wiring.ts calls createAgents() with the stores.
import type { Config } from '../config/index.ts';
import type { Logger } from '../logger.ts';
import type { KvStore } from '../storage/kv.ts';
import type { AiSummaryStore, GithubStore, ThumbnailStore } from '../storage/agents.ts';
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

export interface AgentDeps {
  config: Config;
  log: Logger;
  stores: { thumbnails: ThumbnailStore; github: GithubStore; ai: AiSummaryStore; kv: KvStore };
  now: () => Date;
}

export function createAgents(d: AgentDeps): Agents {
  const s = d.stores;
  return {
    thumbnailStore: s.thumbnails,
    // PDFs go through the process-wide source client: arXiv's one-at-a-time rule covers them too.
    thumbnails: new Thumbnails(d.config, s.thumbnails, sharedSourceClient(d.config, { log: d.log }), d.log, d.now),
    githubStore: s.github,
    github: new GithubSync(d.config, s.github, s.kv, d.log, d.now),
    ai: new AiSummaries(d.config, s.ai, d.log, d.now),
  };
}
