// Structured JSON logs (pino, which Fastify also uses), with secrets redacted: credential
// headers and fields by path, and secrets inside logged URLs (sign-in, confirm, manage and
// unsubscribe tokens, private feed tokens, ?token=…) by redactUrl().
import { pino } from 'pino';

/** Query parameters whose values are secrets. */
const SECRET_PARAMS = /([?&](?:token|key|secret|sig|signature|code|password)=)[^&#]*/gi;
/** Path segments after these prefixes are secrets (single-use links mailed to people). */
const SECRET_PATHS = /^(\/(?:subscribe\/confirm|subscribe\/manage|unsubscribe|signin\/verify|auth\/[\w-]+|feeds\/for-you)\/)[^/?#]+/i;

/** A URL with its secrets replaced by ****, safe to log. */
export function redactUrl(url: string): string {
  const s = url.length > 2000 ? `${url.slice(0, 2000)}…` : url;
  return s.replace(SECRET_PATHS, '$1****').replace(SECRET_PARAMS, '$1****');
}

interface LoggedRequest {
  method?: string;
  url?: string;
  hostname?: string;
  host?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      serializers: {
        req: (req: LoggedRequest) => ({
          method: req.method,
          url: redactUrl(String(req.url ?? '')),
          host: req.hostname ?? req.host,
          remoteAddress: req.ip ?? req.socket?.remoteAddress,
        }),
      },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers.cookie',
          'req.headers["x-api-key"]',
          'res.headers["set-cookie"]',
          'headers.authorization',
          'headers.cookie',
          'token',
          'password',
          'secret',
          'databaseUrl',
          'smtpUrl',
          '*.token',
          '*.password',
          '*.secret',
          '*.databaseUrl',
          '*.smtpUrl',
        ],
        censor: '****',
      },
    },
    (destination ?? process.stderr) as pino.DestinationStream,
  );
}
