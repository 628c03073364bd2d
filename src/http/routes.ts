// Every route module, in registration order: the one list of what the app serves. A feature adds
// its module here (and its sections to the pages that show them: see src/http/pages/*).
import type { FastifyInstance } from 'fastify';
import type { HttpContext } from './context.ts';
import { healthRoutes } from './api/health.ts';
import { opsRoutes } from './api/ops.ts';
import { dailyApiRoutes } from './api/daily-papers.ts';
import { paperApiRoutes } from './api/papers.ts';
import { dailyPages } from './pages/daily.ts';
import { paperPages } from './pages/paper.ts';
import { digestPages } from './pages/subscribe.ts';
import { feedRoutes } from './feeds/routes.ts';
import { viewerHook } from './pages/community-session.ts';
import { accountPages } from './pages/community-account.ts';
import { communityApiRoutes } from './api/community.ts';
import { voteRoutes } from './pages/votes.ts';
import { commentRoutes } from './pages/comments.ts';
import { submissionRoutes } from './pages/submissions.ts';
import { trendingPages } from './pages/trending.ts';
import { collectionRoutes } from './pages/collections.ts';
import { claimRoutes } from './pages/claims.ts';
import { moderationRoutes } from './pages/moderation.ts';
import { followRoutes } from './pages/follow.ts';
import { searchApiRoutes } from './api/search.ts';
import { searchPages } from './pages/search.ts';
import { agentRoutes } from './agents.ts';
import { mcpRoutes } from './mcp.ts';
import { recsApiRoutes } from './api/recs.ts';
import { forYouPages } from './pages/for-you.ts';
import { forYouFeedRoutes } from './feeds/for-you.ts';
import { syncHealthPages } from './pages/sync-health.ts';

export type RouteModule = (app: FastifyInstance, ctx: HttpContext) => Promise<void> | void;

export const routeModules: readonly RouteModule[] = [
  // Who is asking (req.viewer), before every route that reads it.
  viewerHook,
  healthRoutes,
  opsRoutes,
  dailyApiRoutes,
  paperApiRoutes,
  dailyPages,
  paperPages,
  feedRoutes,
  accountPages,
  communityApiRoutes,
  voteRoutes,
  commentRoutes,
  submissionRoutes,
  trendingPages,
  collectionRoutes,
  claimRoutes,
  moderationRoutes,
  followRoutes,
  digestPages,
  searchApiRoutes,
  searchPages,
  // HF parity and agents: Markdown papers and days, thumbnails, citations, the MCP server.
  agentRoutes,
  mcpRoutes,
  // "For you": recommendations API, pages and the private feed.
  recsApiRoutes,
  forYouPages,
  forYouFeedRoutes,
  // Sync health for admins.
  syncHealthPages,
];
