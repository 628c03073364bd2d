// The error catalogue: every error code Paperboy answers with, its HTTP status and what it means.
// Handlers never build their own: they throw `errors.x(...)` (or `appError(code, …)`), and the HTTP
// layer turns any AppError into `{ error, code }` (API) or an error page. A new code goes here first.

export const ERROR_CATALOGUE = {
  bad_request: { status: 400, meaning: 'The request is malformed or a value is out of range; the message says which.' },
  bad_arxiv_id: { status: 400, meaning: 'The text is not an arXiv id or arXiv URL.' },
  paper_too_old: { status: 400, meaning: 'A submitted paper was announced longer ago than the submission window.' },
  link_invalid: { status: 400, meaning: 'A sign-in link that this instance never issued.' },
  link_used: { status: 400, meaning: 'A sign-in link that was already used (links are single use).' },
  link_expired: { status: 400, meaning: 'A sign-in link past its validity.' },
  unauthorized: { status: 401, meaning: 'Sign in or send a valid API token.' },
  forbidden: { status: 403, meaning: 'Signed in, but not allowed to do this.' },
  insufficient_scope: { status: 403, meaning: 'The API token lacks the scope this call needs (read, vote, comment, submit, collections).' },
  csrf: { status: 403, meaning: 'A form without a valid CSRF pair (expired, or posted from another site).' },
  not_found: { status: 404, meaning: 'No such paper, page, route or object.' },
  method_not_allowed: { status: 405, meaning: 'The API path exists but not with this method (Allow lists the ones that do).' },
  conflict: { status: 409, meaning: 'The change clashes with the current state.' },
  already_listed: { status: 409, meaning: 'A submitted paper is already on a daily list.' },
  too_large: { status: 413, meaning: 'The request body is over the limit.' },
  unsupported_media_type: { status: 415, meaning: 'The request body has a content type this route does not read.' },
  rate_limited: { status: 429, meaning: 'Too many writes from this user or address; Retry-After says when to try again.' },
  submission_quota: { status: 429, meaning: "The user's daily submission quota is used up; Retry-After says when it resets." },
  internal: { status: 500, meaning: 'A bug: the server logged it with the request id.' },
  unavailable: { status: 503, meaning: 'The database (or an outside service the request needs) is unavailable; try again shortly.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** Errors carry an HTTP status and a stable code from the catalogue. */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/** An error of the catalogue, with the catalogue's status. */
export function appError(code: ErrorCode, message: string, details?: unknown): AppError {
  return new AppError(ERROR_CATALOGUE[code].status, code, message, details);
}

/** The status of a code (an HTTP 4xx raised by the framework is mapped back with codeForStatus). */
export function codeForStatus(status: number): ErrorCode {
  if (status === 429) return 'rate_limited';
  if (status === 413) return 'too_large';
  if (status === 415) return 'unsupported_media_type';
  if (status === 404) return 'not_found';
  if (status === 405) return 'method_not_allowed';
  if (status === 503) return 'unavailable';
  return status >= 500 ? 'internal' : 'bad_request';
}

export const errors = {
  badRequest: (message: string, details?: unknown) => appError('bad_request', message, details),
  unauthorized: (message = 'Sign in or send a valid API token.') => appError('unauthorized', message),
  forbidden: (message = 'You are not allowed to do that.') => appError('forbidden', message),
  notFound: (message = 'Not found.') => appError('not_found', message),
  conflict: (message: string) => appError('conflict', message),
  rateLimited: (message: string, retryAfterSeconds: number) => appError('rate_limited', message, { retryAfterSeconds }),
  unavailable: (message = 'Service temporarily unavailable.') => appError('unavailable', message),
  methodNotAllowed: (message: string) => appError('method_not_allowed', message),
  csrf: (message = 'This form has expired or did not come from this site. Reload the page and try again.') => appError('csrf', message),
  insufficientScope: (message: string) => appError('insufficient_scope', message),
  linkInvalid: () => appError('link_invalid', 'This sign-in link is not valid. Ask for a new one.'),
  linkUsed: () => appError('link_used', 'This sign-in link has already been used. Ask for a new one.'),
  linkExpired: () => appError('link_expired', 'This sign-in link has expired. Ask for a new one.'),
};
