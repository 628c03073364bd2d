// The HTML error page (404, 400, 500, …): a plain explanation and a way back. Never a stack trace:
// the app's error handler passes only the message meant for people (a generic one for 5xx).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { html } from '../html.ts';
import type { HttpContext } from '../context.ts';

const TITLES: Record<number, string> = {
  400: 'That request was not understood',
  401: 'Please sign in',
  403: 'Not allowed',
  404: 'Page not found',
  405: 'Not allowed',
  409: 'That clashes with something',
  413: 'That was too large',
  429: 'Slow down',
  500: 'Something went wrong',
  503: 'Temporarily unavailable',
};

export function errorPage(ctx: HttpContext, req: FastifyRequest, reply: FastifyReply, status: number, message: string) {
  const title = TITLES[status] ?? (status >= 500 ? TITLES[500] : TITLES[400]);
  const body = html`<section class="error-page" aria-labelledby="error-h">
  <p class="code">${status}</p>
  <h1 id="error-h">${title}</h1>
  <p>${message}</p>
  ${status >= 500 ? html`<p class="muted">If it keeps happening, quote reference <code>${req.id}</code> to the site's operator.</p>` : ''}
  ${
    status === 404
      ? html`<form action="/search" method="get" role="search"><label for="error-q">Search for a paper instead</label> <input id="error-q" type="search" name="q"> <button class="btn secondary" type="submit">Search</button></form>`
      : ''
  }
  <p class="actions"><a class="btn" href="/">Back to the daily papers</a></p>
</section>`;
  // A server error may come from the very hooks the header uses (the account area reads the
  // session): keep the frame of a 5xx page free of them.
  const opts = status >= 500 ? { title, bare: true } : { title };
  return ctx.page(req, reply, opts, body, status);
}
