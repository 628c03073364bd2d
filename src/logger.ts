// Structured JSON logs (pino, which Fastify also uses), with secrets redacted.
import { pino } from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
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
