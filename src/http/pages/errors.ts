import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.ts';
import type { HttpContext } from '../context.ts';

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

export function errorPage(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const title = TITLES[status] ?? (status >= 500 ? TITLES[500] : TITLES[400]);
  return ctx.page(
    req,
    reply,
    { title },
    html`<section class="empty">
  <p class="muted">Error ${status}</p>
  <h1>${title}</h1>
  <p>${message}</p>
  <p><a class="btn" href="/">Back to today's papers</a></p>
</section>`,
    status,
  );
}
