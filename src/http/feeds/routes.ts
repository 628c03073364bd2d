// RSS 2.0 and Atom 1.0 feeds of every list: daily (any day, week or month), trending, a search,
// a category, an author. Each page with a feed links it with <link rel="alternate">.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { HttpContext } from '../context.ts';
import { errors } from '../../domain/errors.ts';
import { parsePeriod, type Period } from '../../services/papers.ts';
import { atom, rss, type FeedItem, type FeedMeta } from './xml.ts';

type Format = 'rss' | 'atom';
const TYPES: Record<Format, string> = { rss: 'application/rss+xml; charset=utf-8', atom: 'application/atom+xml; charset=utf-8' };

const PeriodQuery = Type.Object(
  {
    date: Type.Optional(Type.String({ description: 'Day, YYYY-MM-DD (default: the latest day with papers)', examples: ['2024-10-25'] })),
    week: Type.Optional(Type.String({ description: 'ISO week, YYYY-Www' })),
    month: Type.Optional(Type.String({ description: 'Month, YYYY-MM' })),
  },
  { additionalProperties: false },
);
type PeriodQuery = Static<typeof PeriodQuery>;
const SearchQuery = Type.Object(
  { q: Type.String({ minLength: 1, maxLength: 300, description: 'Search query', examples: ['diffusion'] }) },
  { additionalProperties: false },
);
type SearchQuery = Static<typeof SearchQuery>;
const CategoryParams = Type.Object({ feed: Type.String({ maxLength: 60, description: 'Category and format, e.g. cs.CL.rss or cs.CL.atom', examples: ['cs.CL.rss'] }) });
const CollectionParams = Type.Object({ feed: Type.String({ maxLength: 40, description: 'Collection id and format, e.g. 12.rss or 12.atom', examples: ['1.rss'] }) });
const AuthorParams = Type.Object({ feed: Type.String({ maxLength: 220, description: 'Author name and format, e.g. Lidong Bing.rss', examples: ['Lidong Bing.rss'] }) });

const xmlResponse = (format: Format | 'either') => ({
  200: {
    description: format === 'either' ? 'RSS 2.0 (name ends in .rss) or Atom 1.0 (.atom)' : format === 'rss' ? 'RSS 2.0' : 'Atom 1.0',
    content: Object.fromEntries(
      (format === 'either' ? (['rss', 'atom'] as Format[]) : [format]).map((f) => [TYPES[f].split(';')[0], { schema: { type: 'string' } }]),
    ),
  },
  400: Type.Ref('ApiError', { description: 'Bad parameter' }),
  404: Type.Ref('ApiError', { description: 'Nothing to list' }),
});

/** "cs.CL.rss" → ["cs.CL", "rss"]; 404 for other suffixes. */
function splitFeedName(raw: string): [string, Format] {
  const m = raw.match(/^(.+)\.(rss|atom)$/);
  if (!m) throw errors.notFound('Feeds end in .rss or .atom.');
  return [m[1], m[2] as Format];
}

function periodLabel(p: Period): string {
  return p.kind === 'day' ? p.day : p.kind === 'week' ? `week ${p.week}` : `month ${p.month}`;
}

function periodPage(p: Period): string {
  return p.kind === 'day' ? `/papers/date/${p.day}` : p.kind === 'week' ? `/papers/week/${p.week}` : `/papers/month/${p.month}`;
}

export function feedRoutes(app: FastifyInstance, ctx: HttpContext) {
  const pb = ctx.pb;
  const base = pb.config.publicUrl;
  const send = (req: FastifyRequest, reply: FastifyReply, format: Format, meta: Omit<FeedMeta, 'selfUrl'>, items: FeedItem[]) => {
    const feed = { ...meta, selfUrl: new URL(req.url, base).toString() };
    reply.header('Cache-Control', `public, max-age=${pb.config.feedCacheSeconds}`).type(TYPES[format]);
    return format === 'rss' ? rss(feed, items, base) : atom(feed, items, base);
  };
  const n = pb.config.feedItems;

  for (const format of ['rss', 'atom'] as Format[]) {
    app.get<{ Querystring: PeriodQuery }>(
      `/feeds/daily.${format}`,
      {
        schema: {
          querystring: PeriodQuery,
          tags: ['feeds'],
          summary: `Daily papers (${format === 'rss' ? 'RSS 2.0' : 'Atom 1.0'})`,
          description: 'The most upvoted papers of a day (or ?week=, ?month=), in the order of the daily page.',
          response: xmlResponse(format),
        },
      },
      async (req, reply) => {
        const list = await pb.catalog.daily(parsePeriod(req.query), { sort: 'upvotes', page: 0, limit: n });
        const items = list.items.map((it) => ({ paper: it.paper, date: it.entry.submittedAt, upvotes: it.upvotes }));
        const meta = {
          title: `Paperboy · Daily papers, ${periodLabel(list.period)}`,
          description: `Research papers listed on Paperboy, ${periodLabel(list.period)}, most upvoted first.`,
          pageUrl: `${base}${periodPage(list.period)}`,
        };
        return send(req, reply, format, meta, items);
      },
    );

    app.get(
      `/feeds/trending.${format}`,
      {
        schema: {
          tags: ['feeds'],
          summary: `Trending papers (${format === 'rss' ? 'RSS 2.0' : 'Atom 1.0'})`,
          description: 'The weekly trending ranking (as on /papers/trending); before one is computed, the most upvoted papers of the last 7 listed days.',
          response: xmlResponse(format),
        },
      },
      async (req, reply) => {
        // As the trending page: the ranking, topped up from the newest lists when it is short.
        const ranked = await pb.community.trending.listOrFallback('week', n);
        const items: FeedItem[] = ranked.items.map((t) => ({ paper: t.paper, upvotes: t.paper.upvotes }));
        return send(req, reply, format, { title: 'Paperboy · Trending papers', description: 'Papers trending on Paperboy over the last week.', pageUrl: `${base}/papers/trending` }, items);
      },
    );

    app.get<{ Querystring: SearchQuery }>(
      `/feeds/search.${format}`,
      {
        schema: {
          querystring: SearchQuery,
          tags: ['feeds'],
          summary: `Papers matching a search (${format === 'rss' ? 'RSS 2.0' : 'Atom 1.0'})`,
          description: 'The best matches of the instance\'s search (as /api/papers/search), best first.',
          response: xmlResponse(format),
        },
      },
      async (req, reply) => {
        const q = req.query.q.trim();
        if (!q) throw errors.badRequest('Give a search query: ?q=…');
        // The instance's search (hybrid, or lexical when no embedder is ready), best match first.
        const papers = (await pb.search.search({ q, limit: n })).hits.map((h) => h.paper);
        const meta = { title: `Paperboy · Search: ${q}`, description: `Papers on Paperboy matching "${q}".`, pageUrl: `${base}/search?q=${encodeURIComponent(q)}` };
        return send(req, reply, format, meta, papers.map((paper) => ({ paper })));
      },
    );
  }

  app.get<{ Params: { feed: string } }>(
    '/feeds/category/:feed',
    { schema: { params: CategoryParams, tags: ['feeds'], summary: 'Newest papers in an arXiv category', response: xmlResponse('either') } },
    async (req, reply) => {
      const [cat, format] = splitFeedName(req.params.feed);
      const papers = await pb.catalog.categoryPapers(cat, n);
      const meta = { title: `Paperboy · ${cat}`, description: `Newest papers in ${cat} on Paperboy.`, pageUrl: `${base}/papers/category/${cat}` };
      return send(req, reply, format, meta, papers.map((paper) => ({ paper })));
    },
  );

  app.get<{ Params: { feed: string } }>(
    '/feeds/author/:feed',
    { schema: { params: AuthorParams, tags: ['feeds'], summary: 'Newest papers by an author', response: xmlResponse('either') } },
    async (req, reply) => {
      const [name, format] = splitFeedName(req.params.feed);
      const r = await pb.catalog.authorPapers(name, 0, n);
      const meta = { title: `Paperboy · ${r.name}`, description: `Newest papers by ${r.name} on Paperboy.`, pageUrl: `${base}/authors/${encodeURIComponent(r.name)}` };
      return send(req, reply, format, meta, r.items.map((paper) => ({ paper })));
    },
  );

  app.get<{ Params: { feed: string } }>(
    '/feeds/collection/:feed',
    {
      schema: {
        params: CollectionParams,
        tags: ['feeds'],
        summary: 'A public collection, latest additions first',
        description: 'Private collections are a 404 (feeds are public, whoever asks).',
        response: xmlResponse('either'),
      },
    },
    async (req, reply) => {
      const [id, format] = splitFeedName(req.params.feed);
      if (!/^\d{1,12}$/.test(id)) throw errors.notFound('No such collection.');
      const col = await pb.community.collections.get(Number(id), null);
      const meta = {
        title: `Paperboy · ${col.name}`,
        description: col.description ?? `A reading list by ${col.owner.displayName ?? col.owner.username ?? 'a reader'} on Paperboy.`,
        pageUrl: `${base}/collections/${col.id}`,
      };
      return send(req, reply, format, meta, col.items.map((it) => ({ paper: it.paper, date: it.addedAt })));
    },
  );

}
