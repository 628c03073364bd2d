// The one place that tells a database outage from any other failure, for the HTTP layer (503 +
// Retry-After), the worker (waits and says so instead of logging a crash) and the CLI (one line).
// PostgreSQL: connection refused/reset, a server shutting down or starting up (57P01-57P03), the
// connection-exception class (08xxx), pool connect timeouts. SQLite: a file locked past busy_timeout.

const MESSAGE =
  /ECONNREFUSED|ECONNRESET|terminating connection|Connection terminated|timeout exceeded when trying to connect|the database system is (starting up|shutting down|not yet accepting)|SQLITE_BUSY/i;
const CODE = /^(57P0[1-3]|08\d{3}|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|SQLITE_BUSY)$/;

/** True when `err` says the database cannot be reached or cannot serve right now (try again later). */
export function isDatabaseOutage(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { message?: unknown; code?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && CODE.test(e.code)) return true;
  if (typeof e.message === 'string' && MESSAGE.test(e.message.slice(0, 500))) return true;
  // node-postgres reports a refused connection to several addresses as an AggregateError.
  return Array.isArray(e.errors) && e.errors.some(isDatabaseOutage);
}
