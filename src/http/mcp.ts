// The MCP server at /mcp (Model Context Protocol, Streamable HTTP transport, the official
// TypeScript SDK): tools for agents to search papers, read one as Markdown, list a day, week or
// month, list trending papers and find similar ones. Stateless: every POST gets a fresh server and
// transport (JSON answers, no session), so any web process can answer any request. Without a token
// every tool only reads; a request with a personal API token (Authorization: Bearer) also gets the
// writing tools its scopes allow, in that user's name: upvote_paper (vote) and add_to_collection
// (collections), and its own rate-limit
// bucket, as on /api (the limiter counts /mcp like the API). Cookies never authorise a write here.
import type { FastifyInstance } from 'fastify';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import type { HttpContext } from './context.ts';
import type { Paperboy } from '../wiring.ts';
import { hasScope, type Viewer } from '../services/accounts.ts';
import { AppError } from '../domain/errors.ts';
import { parsePeriod } from '../services/papers.ts';
import { PAPERBOY_VERSION } from '../ingest/http.ts';
import { listMarkdown, paperMarkdown } from './present/markdown.ts';
import { paperForAgents } from './agents.ts';

type ToolResult = { content: { type: 'text'; text: string }[]; isError?: boolean };

const text = (t: string): ToolResult => ({ content: [{ type: 'text', text: t }] });

/** A tool body whose expected failures (unknown paper, bad date) come back as tool errors, not protocol errors. */
async function guarded(fn: () => Promise<string>): Promise<ToolResult> {
  try {
    return text(await fn());
  } catch (err) {
    if (err instanceof AppError && err.status < 500) return { content: [{ type: 'text', text: err.message }], isError: true };
    throw err;
  }
}

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** One MCP server with Paperboy's tools (made per request: the transport is stateless). */
export function createMcpServer(pb: Paperboy, writer?: { viewer: Viewer; ip: string }): McpServer {
  const base = pb.config.publicUrl;
  const max = pb.config.mcpMaxResults;
  const limit = z.number().int().min(1).max(max).optional();
  const server = new McpServer(
    { name: 'paperboy', version: PAPERBOY_VERSION },
    {
      instructions:
        'Research papers from arXiv as this Paperboy instance lists them. Search with search_papers, read one with get_paper (Markdown: authors, dates, links, abstract, AI summary, comments), browse with list_papers / list_trending, and explore with similar_papers.',
    },
  );
  const readOnly = { readOnlyHint: true, openWorldHint: false };

  server.registerTool(
    'search_papers',
    {
      title: 'Search papers',
      description: 'Hybrid (keyword + meaning) search over titles, abstracts and authors. An arXiv id or exact title puts that paper first.',
      inputSchema: {
        query: z.string().min(1).max(250).describe('Words, a title, an arXiv id or an arxiv.org URL'),
        limit: limit.describe(`Results, 1–${max} (default 10)`),
        from: day.optional().describe('Published on or after, YYYY-MM-DD'),
        to: day.optional().describe('Published on or before, YYYY-MM-DD'),
        category: z
          .string()
          .max(40)
          .regex(/^[\w.-]+$/)
          .optional()
          .describe('arXiv category, e.g. cs.CL'),
        has_code: z.boolean().optional().describe('Only papers with a code repository'),
        sort: z.enum(['relevance', 'newest', 'upvotes']).optional(),
      },
      annotations: readOnly,
    },
    async (a) =>
      guarded(async () => {
        const r = await pb.search.search({
          q: a.query.trim(),
          limit: a.limit ?? 10,
          sort: a.sort,
          filters: { from: a.from, to: a.to, category: a.category, hasCode: a.has_code },
          snippets: false,
        });
        return listMarkdown(
          `Search: ${a.query}`,
          r.hits.map((h) => ({ paper: h.paper, upvotes: h.paper.upvotes, numComments: h.paper.numComments })),
          base,
          {
            intro: `${r.hits.length} of ${r.total} matches (${r.mode} search${r.fallback ? `; ${r.fallback}` : ''}). Read one in full with get_paper.`,
          },
        );
      }),
  );

  server.registerTool(
    'get_paper',
    {
      title: 'Read a paper',
      description:
        'One paper as Markdown: title, authors, dates, links (arXiv, PDF, code), categories, abstract, the AI summary when there is one, and the comments.',
      inputSchema: { id: z.string().min(1).max(100).describe('arXiv id, e.g. 2410.17243 (a version suffix or an arxiv.org URL is accepted)') },
      annotations: readOnly,
    },
    async (a) => guarded(async () => paperMarkdown(await paperForAgents(pb, a.id), base)),
  );

  server.registerTool(
    'list_papers',
    {
      title: 'List a day, week or month',
      description: 'The papers listed on a day, an ISO week or a month (give one; none: the latest day), most upvoted first by default.',
      inputSchema: {
        date: day.optional().describe('YYYY-MM-DD'),
        week: z
          .string()
          .regex(/^\d{4}-W\d{2}$/)
          .optional()
          .describe('ISO week, YYYY-Www'),
        month: z
          .string()
          .regex(/^\d{4}-\d{2}$/)
          .optional()
          .describe('YYYY-MM'),
        sort: z.enum(['upvotes', 'publishedAt']).optional(),
        limit: limit.describe(`Papers, 1–${max} (default 20)`),
        abstracts: z.boolean().optional().describe('Include abstracts (default true)'),
      },
      annotations: readOnly,
    },
    async (a) =>
      guarded(async () => {
        const list = await pb.catalog.daily(parsePeriod(a), { sort: a.sort ?? 'upvotes', page: 0, limit: a.limit ?? 20 });
        const p = list.period;
        const label = p.kind === 'day' ? p.day : p.kind === 'week' ? p.week : p.month;
        return listMarkdown(`Papers of ${label}`, list.items, base, { abstracts: a.abstracts });
      }),
  );

  server.registerTool(
    'list_trending',
    {
      title: 'Trending papers',
      description: 'Papers trending over the last day, week or month (upvotes, comments and GitHub stars gained, weighted by age).',
      inputSchema: {
        window: z.enum(['day', 'week', 'month']).optional().describe('Default: week'),
        limit: limit.describe(`Papers, 1–${max} (default 20)`),
      },
      annotations: readOnly,
    },
    async (a) =>
      guarded(async () => {
        const window = a.window ?? 'week';
        const n = a.limit ?? 20;
        const ranked = await pb.community.trending.list(window, n);
        if (ranked.length)
          return listMarkdown(
            `Trending this ${window}`,
            ranked.map((t) => ({ paper: t.paper, upvotes: t.totalUpvotes, numComments: t.comments })),
            base,
            {
              abstracts: false,
              intro: ranked.map((t) => `${t.rank}. ${t.paper.arxivId}: ${t.why}`).join('\n'),
            },
          );
        // No ranking computed yet: the last week's most upvoted, as the trending page shows.
        const recent = await pb.catalog.recentTop(n);
        return listMarkdown(`Most upvoted of the last 7 listed days`, recent, base, { abstracts: false, intro: 'No trending ranking is computed yet.' });
      }),
  );

  server.registerTool(
    'similar_papers',
    {
      title: 'Similar papers',
      description: 'Papers nearest in meaning to one paper.',
      inputSchema: { id: z.string().min(1).max(100).describe('arXiv id'), limit: limit.describe(`Papers, 1–${max} (default 10)`) },
      annotations: readOnly,
    },
    async (a) =>
      guarded(async () => {
        const v = await pb.papers.get(a.id);
        const similar = await pb.search.similar(v.paper.id, a.limit ?? 10);
        return listMarkdown(
          `Papers similar to ${v.paper.arxivId}`,
          similar.map((p) => ({ paper: p, upvotes: p.upvotes, numComments: p.numComments })),
          base,
          {
            abstracts: false,
            intro: `Nearest in meaning to “${v.paper.title}”.`,
          },
        );
      }),
  );
  if (writer) {
    const { viewer, ip } = writer;
    const writes = { readOnlyHint: false, destructiveHint: false, openWorldHint: false };
    if (hasScope(viewer, 'vote'))
      server.registerTool(
        'upvote_paper',
        {
          title: 'Upvote a paper',
          description: `Upvote (or, with up=false, un-upvote) a paper as ${viewer.username ?? "the token's user"}.`,
          inputSchema: { id: z.string().min(1).max(100).describe('arXiv id'), up: z.boolean().optional().describe('Default true') },
          annotations: { ...writes, idempotentHint: true },
        },
        async (a) =>
          guarded(async () => {
            const r = await pb.community.votes.set(viewer, a.id, a.up ?? true, ip);
            return `${r.arxivId}: ${r.upvoted ? 'upvoted' : 'not upvoted'}, ${r.upvotes} upvotes${r.changed ? '' : ' (unchanged)'}.`;
          }),
      );
    if (hasScope(viewer, 'collections'))
      server.registerTool(
        'add_to_collection',
        {
          title: 'Add a paper to one of your collections',
          description: "Adds a paper to a collection the token's user owns, with an optional note.",
          inputSchema: {
            collection_id: z.number().int().min(1).describe('Collection id (from its URL /collections/<id>)'),
            id: z.string().min(1).max(100).describe('arXiv id'),
            note: z.string().max(2000).optional(),
          },
          annotations: { ...writes, idempotentHint: true },
        },
        async (a) =>
          guarded(async () => {
            await pb.community.collections.addPaper(viewer.id, a.collection_id, a.id, a.note);
            return `Added ${a.id} to collection ${a.collection_id}.`;
          }),
      );
  }
  return server;
}

export function mcpRoutes(app: FastifyInstance, ctx: HttpContext) {
  const docs = {
    tags: ['agents'],
    summary: 'MCP server (Streamable HTTP)',
    description:
      'Model Context Protocol endpoint for agents: POST JSON-RPC messages (initialize, tools/list, tools/call) with `Accept: application/json, text/event-stream`. Tools: search_papers, get_paper, list_papers, list_trending, similar_papers. With a personal token (Authorization: Bearer) also upvote_paper and add_to_collection, acting as the user who owns the token. Stateless (no session id); reads need no token; rate-limited like the API. GET and DELETE answer 405.',
  };
  app.post(
    '/mcp',
    { schema: { ...docs, body: { type: 'object', additionalProperties: true, description: 'A JSON-RPC message or batch' } }, bodyLimit: 200_000 },
    async (req, reply) => {
      // Writes only with a personal token (a cookie session could be ridden by another site).
      const viewer = req.viewer && req.viewer.via === 'token' ? req.viewer : undefined;
      const server = createMcpServer(ctx.pb, viewer ? { viewer, ip: req.ip } : undefined);
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      // The transport writes the raw response: carry over the headers hooks have set (rate limit, request id, …).
      for (const [k, v] of Object.entries(reply.getHeaders())) if (v !== undefined) reply.raw.setHeader(k, v as string | number | string[]);
      reply.hijack();
      reply.raw.on('close', () => {
        void transport.close();
        void server.close();
      });
      try {
        await server.connect(transport);
        await transport.handleRequest(req.raw, reply.raw, req.body);
      } catch (err) {
        req.log.error({ err }, 'MCP request failed');
        if (!reply.raw.headersSent) {
          reply.raw.writeHead(500, { 'content-type': 'application/json' });
          reply.raw.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: 'Internal error' }, id: null }));
        }
      }
    },
  );
  const notAllowed = { ...docs, summary: 'MCP: not used (stateless server)' };
  for (const method of ['GET', 'DELETE'] as const) {
    app.route({
      method,
      url: '/mcp',
      schema: notAllowed,
      handler: async (_req, reply) =>
        reply
          .code(405)
          .header('Allow', 'POST')
          .send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; POST messages to /mcp.' }, id: null }),
    });
  }
}
