// Every route module, in registration order. A feature adds its module here.
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
import { communityRoutes } from './pages/community.ts';
import { searchApiRoutes } from './api/search.ts';
import { searchPages } from './pages/search.ts';
import { agentRoutes } from './agents.ts';
import { mcpRoutes } from './mcp.ts';
import { recsApiRoutes } from './api/recs.ts';
import { forYouPages } from './pages/for-you.ts';
import { forYouFeedRoutes } from './feeds/for-you.ts';
import { syncHealthPages } from './pages/sync-health.ts';

export type RouteModule = (app: FastifyInstance, ctx: HttpContext) => Promise<void> | void;

export const routeModules: RouteModule[] = [healthRoutes, opsRoutes, dailyApiRoutes, paperApiRoutes, dailyPages, paperPages, feedRoutes, communityRoutes];

// E-mail digests (issue 6), after the community module whose hook sets req.viewer.
routeModules.push(digestPages);

// Search (issue 9): the search page, API and similar papers.
routeModules.push(searchApiRoutes, searchPages);

// HF parity and agents (issue 22): Markdown papers and days, thumbnails, citations, the MCP server.
routeModules.push(agentRoutes, mcpRoutes);
// "For you" (issue 21): recommendations API, pages and the private feed; after the community module (req.viewer).
routeModules.push(recsApiRoutes, forYouPages, forYouFeedRoutes);

// Sync health for admins (issue 17).
routeModules.push(syncHealthPages);
