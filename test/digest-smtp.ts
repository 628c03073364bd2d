// A real SMTP server on loopback (smtp-server) that parses what it receives with mailparser.
// Tests script its replies per recipient: reject at RCPT (e.g. 550) or after DATA (e.g. 451).
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { parseHfDailyFile } from '../src/ingest/hf-daily.ts';
import type { Paperboy } from '../src/wiring.ts';
import { fixture } from './support/paths.ts';
import { listenOnLoopback } from './support/server.ts';

/** Loads the real Hugging Face daily list of 2024-10-25 (29 papers, a Friday): the digests' candidates. */
export async function loadHfDay(pb: Paperboy): Promise<void> {
  const file = fixture('hf', 'daily-papers-2024-10-25.json');
  await pb.importer.run('hf', file, await parseHfDailyFile(file));
}

export interface Received {
  to: string[];
  parsed: ParsedMail;
}

export interface Reply {
  code: number;
  message: string;
}

export interface TestSmtp {
  url: string;
  received: Received[];
  /** Decide the reply to RCPT TO (null: accept). */
  onRcpt?: (to: string) => Reply | null;
  /** Decide the reply after DATA (null: accept); runs once the message has been read. */
  onData?: (to: string[], parsed: ParsedMail) => Reply | null;
  /** Resolves when at least `n` messages were accepted (or received, with `any`). */
  waitFor(n: number, filter?: (r: Received) => boolean): Promise<Received[]>;
  to(addr: string): Received[];
  close(): Promise<void>;
}

function smtpError(r: Reply): Error {
  return Object.assign(new Error(r.message), { responseCode: r.code });
}

export async function startSmtp(): Promise<TestSmtp> {
  const waiters: { n: number; filter?: (r: Received) => boolean; resolve: (r: Received[]) => void }[] = [];
  const t: TestSmtp = {
    url: '',
    received: [],
    waitFor(n, filter) {
      return new Promise((resolve) => {
        waiters.push({ n, filter, resolve });
        check();
      });
    },
    to(addr) {
      return t.received.filter((r) => r.to.includes(addr));
    },
    close: () => new Promise<void>((res) => server.close(() => res())),
  };
  const check = () => {
    for (const w of [...waiters]) {
      const got = w.filter ? t.received.filter(w.filter) : t.received;
      if (got.length >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(got);
      }
    }
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const r = t.onRcpt?.(address.address.toLowerCase());
      cb(r ? smtpError(r) : undefined);
    },
    onData(stream, session: SMTPServerSession, cb) {
      const to = session.envelope.rcptTo.map((a) => a.address.toLowerCase());
      simpleParser(stream).then(
        (parsed) => {
          const r = t.onData?.(to, parsed);
          if (r) return cb(smtpError(r));
          t.received.push({ to, parsed });
          check();
          cb();
        },
        (err: Error) => cb(err),
      );
    },
  });
  const { port } = await listenOnLoopback(server);
  t.url = `smtp://127.0.0.1:${port}`;
  return t;
}
