// What every route module receives: the instance, assets, and the page renderer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Paperboy } from '../wiring.ts';
import type { Assets } from './assets.ts';
import { layout, type PageOptions } from './pages/layout.ts';
import { html, type SafeHtml } from './html.ts';
import { feedsForPage, FEED_MIME } from './feeds/alternate.ts';

export interface HttpContext {
  pb: Paperboy;
  assets: Assets;
  /** Renders a full page into the reply (HTML, with cache validators). */
  page(req: FastifyRequest, reply: FastifyReply, opts: PageOptions, body: SafeHtml, status?: number): FastifyReply;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The context of the app serving a request (each app has its own; nothing is shared between apps). */
    paperboy: HttpContext;
  }
}

/** The context of the app that serves `req`. */
export const ctxOf = (req: FastifyRequest): HttpContext => req.server.paperboy;

export function createContext(pb: Paperboy, assets: Assets): HttpContext {
  const layoutCtx = { assets, siteName: 'Paperboy' };
  return {
    pb,
    assets,
    page(req, reply, opts, body, status = 200) {
      // The page's feeds (author, category, daily lists, trending, a search) as <link rel="alternate">.
      const feeds = status === 200 ? feedsForPage(req.url) : [];
      const head = html`${opts.head ?? ''}${feeds.map((f) => html`<link rel="alternate" type="${FEED_MIME[f.type]}" title="${f.title}" href="${f.href}">`)}`;
      const viewer = opts.bare ? null : (req.viewer ?? null);
      const out = layout(layoutCtx, { ...opts, head, viewer, here: opts.here ?? req.url.split('#')[0], path: opts.path ?? req.url.split('?')[0] }, body);
      // A signed-in viewer's page holds their data: no shared cache may keep it.
      // A handler's no-store (a page showing a new token) is kept.
      const signedIn = !!(req as { viewer?: unknown }).viewer;
      const kept = /no-store/.test(String(reply.getHeader('cache-control') ?? '')) ? 'no-store' : signedIn ? 'private, no-cache' : 'no-cache';
      return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', kept).send(out);
    },
  };
}
