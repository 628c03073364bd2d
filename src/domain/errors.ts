// Errors carry an HTTP status and a stable code; handlers never build their own.
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export const errors = {
  badRequest: (message: string, details?: unknown) => new AppError(400, 'bad_request', message, details),
  unauthorized: (message = 'Sign in or send a valid API token.') => new AppError(401, 'unauthorized', message),
  forbidden: (message = 'You are not allowed to do that.') => new AppError(403, 'forbidden', message),
  notFound: (message = 'Not found.') => new AppError(404, 'not_found', message),
  conflict: (message: string) => new AppError(409, 'conflict', message),
  rateLimited: (message: string, retryAfterSeconds: number) =>
    new AppError(429, 'rate_limited', message, { retryAfterSeconds }),
  unavailable: (message = 'Service temporarily unavailable.') => new AppError(503, 'unavailable', message),
};
