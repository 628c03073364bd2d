// What every route module receives: the instance, assets, and the page renderer.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Paperboy } from '../wiring.ts';
import type { Assets } from './assets.ts';
import { layout, type PageOptions } from './pages/layout.ts';
import type { SafeHtml } from './html.ts';

export interface Features {
  search: boolean;
}

export interface HttpContext {
  pb: Paperboy;
  assets: Assets;
  features: Features;
  /** Renders a full page into the reply (HTML, with cache validators). */
  page(req: FastifyRequest, reply: FastifyReply, opts: PageOptions, body: SafeHtml, status?: number): FastifyReply;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The context of the app serving a request: page hooks are module-wide lists shared by every app in a process, so they find their instance here. */
    paperboy: HttpContext;
  }
}

/** The context of the app that serves `req`. */
export const ctxOf = (req: FastifyRequest): HttpContext => req.server.paperboy;

/** Extra HTML for the header's account area; the community feature sets it. */
export const accountArea: { render?: (req: FastifyRequest) => SafeHtml } = {};

export function createContext(pb: Paperboy, assets: Assets): HttpContext {
  const features: Features = { search: false };
  const layoutCtx = { assets, siteName: 'Paperboy', hasSearch: () => features.search };
  return {
    pb,
    assets,
    features,
    page(req, reply, opts, body, status = 200) {
      const account = opts.account ?? accountArea.render?.(req);
      const out = layout(layoutCtx, { ...opts, account, path: opts.path ?? req.url.split('?')[0] }, body);
      // A signed-in viewer's page holds their data: no shared cache may keep it.
      // A handler's no-store (a page showing a new token) is kept.
      const signedIn = !!(req as { viewer?: unknown }).viewer;
      const kept = /no-store/.test(String(reply.getHeader('cache-control') ?? '')) ? 'no-store' : signedIn ? 'private, no-cache' : 'no-cache';
      return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', kept).send(out);
    },
  };
}
