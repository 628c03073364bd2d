// Routes of HF parity and the agent surface (issue 22): papers and days as Markdown (/papers/<id>.md,
// Accept: text/markdown on the paper page, /papers/date/<day>.md), rendered thumbnails with
// immutable caching, citations (BibTeX, RIS, CSL-JSON) of a paper or a collection, and a
// submitter's edit of a paper's code and project links.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { HttpContext } from './context.ts';
import type { Paperboy } from '../wiring.ts';
import { AppError, errors } from '../domain/errors.ts';
import { parseDay } from '../domain/dates.ts';
import { isArxivId } from '../domain/arxiv-id.ts';
import { listMarkdown, paperMarkdown, type MarkdownPaper } from './present/markdown.ts';
import { citations, CITATION_TYPES, type CitationFormat } from './present/citations.ts';
import { errorResponses } from './api/hf.schema.ts';
import { writeErrors } from './api/community.schema.ts';
import { toHfPaper } from './present/hf.ts';
import { requireViewer } from './pages/community-session.ts';
import { assertCsrf } from './csrf.ts';
import { editPaperLinks } from '../services/code-link-edits.ts';
import { requireScope } from '../services/accounts.ts';

/** Everything the Markdown of a paper shows: the paper, its listing, AI summary and comments. */
export async function paperForAgents(pb: Paperboy, id: string): Promise<MarkdownPaper> {
  const v = await pb.papers.get(id);
  const [ai, comments] = await Promise.all([pb.agents.ai.forPaper(v.paper.id), pb.community.comments.forPaper(v.paper.id)]);
  return {
    paper: v.paper,
    upvotes: v.upvotes,
    numComments: v.numComments,
    listedOn: v.entry?.day,
    submitter: v.entry?.submitter ? v.entry.submitter.fullname || v.entry.submitter.name : null,
    ai,
    comments,
  };
}

/** A day's list as Markdown (HF's order: most upvoted first). */
export async function dayForAgents(pb: Paperboy, rawDay: string, limit = 100): Promise<string> {
  const day = parseDay(rawDay);
  if (!day) throw errors.badRequest(`Invalid date "${rawDay.slice(0, 40)}": expected YYYY-MM-DD.`);
  const list = await pb.catalog.daily({ kind: 'day', day }, { sort: 'upvotes', page: 0, limit });
  return listMarkdown(`Papers of ${day}`, list.items, pb.config.publicUrl, {
    intro: `${list.items.length}${list.more ? '+' : ''} papers listed on ${day}, most upvoted first. Each paper in full: ${pb.config.publicUrl}/papers/<id>.md`,
  });
}

const MARKDOWN = 'text/markdown; charset=utf-8';

/** Whether the client asked for Markdown rather than HTML (Accept: text/markdown, not outranked by text/html). */
export function wantsMarkdown(accept: string | undefined): boolean {
  if (!accept || accept.length > 1000) return false;
  let md = -1;
  let htmlQ = -1;
  for (const part of accept.split(',').slice(0, 30)) {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = Number(
      params
        .map((p) => p.trim())
        .find((p) => p.startsWith('q='))
        ?.slice(2) ?? 1,
    );
    if (type === 'text/markdown' || type === 'text/x-markdown') md = Math.max(md, Number.isFinite(q) ? q : 1);
    if (type === 'text/html') htmlQ = Math.max(htmlQ, Number.isFinite(q) ? q : 1);
  }
  return md > 0 && md >= htmlQ;
}

async function sendMarkdown(reply: FastifyReply, seconds: number, make: () => Promise<string>) {
  try {
    const body = await make();
    return reply.type(MARKDOWN).header('Cache-Control', `public, max-age=${seconds}`).header('Vary', 'Accept').send(body);
  } catch (err) {
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    // Plain answers for plain clients; HF's client reads X-Error-Message.
    return reply
      .code(err.status)
      .type(MARKDOWN)
      .header('X-Error-Message', err.message.replace(/[^\x20-\x7e]/g, '?'))
      .send(`# ${err.status === 404 ? 'Not found' : 'Bad request'}\n\n${err.message}\n`);
  }
}

const IdParams = Type.Object({ id: Type.String({ maxLength: 60, description: 'arXiv id (a version suffix is accepted)', examples: ['2410.17243'] }) });
const OldIdParams = Type.Object({ archive: Type.String({ maxLength: 40 }), num: Type.String({ maxLength: 40 }) });
const DayParams = Type.Object({ day: Type.String({ maxLength: 20, description: 'YYYY-MM-DD', examples: ['2024-10-25'] }) });
const CiteQuery = Type.Object(
  {
    format: Type.Optional(
      Type.Union([Type.Literal('bibtex'), Type.Literal('ris'), Type.Literal('csl-json')], { default: 'bibtex', description: 'bibtex, ris or csl-json' }),
    ),
  },
  { additionalProperties: false },
);
type CiteQuery = Static<typeof CiteQuery>;
const textAnswer = (description: string) => ({ 200: Type.String({ description }), ...errorResponses });

export function agentRoutes(app: FastifyInstance, ctx: HttpContext) {
  const pb = ctx.pb;
  const md = (req: FastifyRequest, reply: FastifyReply, id: string) =>
    sendMarkdown(reply, pb.config.apiCacheSeconds, async () => paperMarkdown(await paperForAgents(pb, id), pb.config.publicUrl));
  const mdSchema = {
    tags: ['agents'],
    summary: 'A paper as Markdown',
    description:
      "Title, authors, dates, links, categories, abstract, the AI summary when there is one, and the comments, as `text/markdown` (what Hugging Face's `read_paper()` reads). The paper page answers the same to `Accept: text/markdown`. 404 for an unknown paper.",
    produces: ['text/markdown'],
    response: textAnswer('The paper in Markdown'),
  };

  app.get<{ Params: Static<typeof IdParams> }>('/papers/:id.md', { schema: { ...mdSchema, params: IdParams } }, (req, reply) => md(req, reply, req.params.id));
  app.get<{ Params: Static<typeof OldIdParams> }>(
    '/papers/:archive/:num.md',
    { schema: { ...mdSchema, params: OldIdParams, summary: 'A paper with an old-style id as Markdown' } },
    (req, reply) => md(req, reply, `${req.params.archive}/${req.params.num}`),
  );
  app.get<{ Params: Static<typeof DayParams> }>(
    '/papers/date/:day.md',
    {
      schema: {
        params: DayParams,
        tags: ['agents'],
        summary: "A day's papers as Markdown",
        description: 'The papers listed on a day, most upvoted first, each with its id, authors, dates, counts and abstract. 400 for a malformed date.',
        produces: ['text/markdown'],
        response: textAnswer("The day's list in Markdown"),
      },
    },
    (req, reply) => sendMarkdown(reply, pb.config.apiCacheSeconds, () => dayForAgents(pb, req.params.day)),
  );

  // Accept: text/markdown on the paper page gets the Markdown (before the page handler runs).
  app.addHook('preHandler', async (req, reply) => {
    const route = req.routeOptions.url;
    if (req.method !== 'GET' || (route !== '/papers/:id' && route !== '/papers/:archive/:num')) return;
    reply.header('Vary', 'Accept');
    if (!wantsMarkdown(req.headers.accept)) return;
    const p = req.params as { id?: string; archive?: string; num?: string };
    const id = route === '/papers/:id' ? p.id! : `${p.archive}/${p.num}`;
    // Named pages under /papers/ (trending, submit, …) are not papers.
    if (route === '/papers/:id' && !isArxivId(id.replace(/v\d+$/, ''))) return;
    await md(req, reply, id);
    return reply;
  });

  app.get<{ Params: { '*': string } }>(
    '/thumbnails/*',
    {
      schema: {
        tags: ['agents'],
        summary: "A paper's first page, rendered small",
        description:
          '`/thumbnails/{arXiv id}/{hash}.png`, as the cards and the `thumbnail` field of list items link it. The hash changes with the image, so the answer is cached for a year (`immutable`); an old hash is a 404.',
        params: Type.Object({ '*': Type.String({ maxLength: 120 }) }),
        produces: ['image/png'],
      },
    },
    async (req, reply) => {
      const m = req.params['*'].match(/^(.{1,60})\/([0-9a-f]{16})\.png$/);
      if (!m) throw errors.notFound('No such thumbnail.');
      const img = await pb.agents.thumbnailStore.image(m[1]);
      if (!img || img.hash !== m[2]) throw errors.notFound('No such thumbnail.');
      return reply.type('image/png').header('Cache-Control', 'public, max-age=31536000, immutable').send(img.png);
    },
  );

  const LinksBody = Type.Object(
    {
      githubRepo: Type.Optional(Type.String({ maxLength: 300, description: 'Code repository URL (http/https); "" clears it' })),
      projectPage: Type.Optional(Type.String({ maxLength: 300, description: 'Project page URL (http/https); "" clears it' })),
    },
    { additionalProperties: false },
  );
  app.post<{ Params: Static<typeof IdParams>; Body: Static<typeof LinksBody> }>(
    '/api/papers/:id/links',
    {
      schema: {
        params: IdParams,
        body: LinksBody,
        tags: ['community'],
        summary: "Set a paper's code and project links (its submitter or a curator)",
        description:
          'The submitter\'s edit of the links HF calls githubRepo and projectPage. A GitHub link is stored as its repository URL and gets its stars from the daily sync; it counts for "Has code". 403 for anyone else; 30 edits an hour.',
        security: [{ bearerAuth: [] }],
        response: { 200: Type.Ref('HfPaper', { description: 'The paper with its links' }), ...writeErrors },
      },
    },
    async (req) => {
      const viewer = requireViewer(req);
      if (viewer.via === 'session') assertCsrf(req, pb.secret);
      // A submitter's edit: tokens need the "submit" scope.
      requireScope(viewer, 'submit');
      await editPaperLinks({ papers: pb.papers, store: pb.agents.githubStore, limiter: pb.community.limiter }, viewer, req.params.id, {
        code: req.body.githubRepo,
        project: req.body.projectPage,
      });
      const v = await pb.papers.get(req.params.id);
      return toHfPaper(v.paper);
    },
  );

  const cite = (reply: FastifyReply, format: CitationFormat, name: string, body: string, seconds: number) =>
    reply
      .type(CITATION_TYPES[format].type)
      .header('Cache-Control', `public, max-age=${seconds}`)
      .header('Content-Disposition', `inline; filename="${name.replace(/[^\w.-]/g, '_')}.${CITATION_TYPES[format].ext}"`)
      .send(body);

  app.get<{ Params: Static<typeof IdParams>; Querystring: CiteQuery }>(
    '/api/papers/:id/citation',
    {
      schema: {
        params: IdParams,
        querystring: CiteQuery,
        tags: ['papers'],
        summary: 'Cite a paper: BibTeX, RIS or CSL-JSON',
        description: "The same entry as the paper page's BibTeX, or a RIS record (reference managers), or a CSL-JSON array of one item (citeproc, Pandoc).",
        produces: ['application/x-bibtex', 'application/x-research-info-systems', 'application/vnd.citationstyles.csl+json'],
        response: textAnswer('The citation'),
      },
    },
    async (req, reply) => {
      const v = await pb.papers.get(req.params.id);
      const format = req.query.format ?? 'bibtex';
      return cite(reply, format, v.paper.arxivId, citations([v.paper], format), pb.config.apiCacheSeconds);
    },
  );

  app.get<{ Params: { id: string }; Querystring: CiteQuery }>(
    '/api/collections/:id/citation',
    {
      schema: {
        params: Type.Object({ id: Type.String({ pattern: '^\\d{1,12}$', description: 'Collection id' }) }),
        querystring: CiteQuery,
        tags: ['community'],
        summary: "Cite a collection's papers: BibTeX, RIS or CSL-JSON",
        description: 'Every paper of a public collection (a private one: only for its owner), newest addition first, in one file.',
        produces: ['application/x-bibtex', 'application/x-research-info-systems', 'application/vnd.citationstyles.csl+json'],
        response: textAnswer('The citations'),
      },
    },
    async (req, reply) => {
      const viewer = (req as FastifyRequest & { viewer?: { id: number } }).viewer;
      const col = await pb.community.collections.get(Number(req.params.id), viewer?.id);
      const format = req.query.format ?? 'bibtex';
      reply.header('Vary', 'Cookie, Authorization');
      return cite(
        reply,
        format,
        `collection-${col.id}`,
        citations(
          col.items.map((it) => it.paper),
          format,
        ),
        col.isPublic ? 60 : 0,
      ).header('Cache-Control', col.isPublic ? 'public, max-age=60' : 'private, no-cache');
    },
  );
}
