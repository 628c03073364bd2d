// Real servers on random loopback ports: the app (pages and the API), and any node:http or
// smtp-server server a test builds (replays of outside services, SMTP).
import type { AddressInfo } from 'node:net';
import { buildApp, type BuildOptions } from '../../src/http/app.ts';
import type { Paperboy } from '../../src/wiring.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(pb: Paperboy, opts: BuildOptions = {}): Promise<TestServer> {
  const { app } = await buildApp(pb, opts);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}

/** A server that listens like node:http's and smtp-server's. */
interface Listenable {
  listen(port: number, host: string, cb: () => void): unknown;
  close(cb: () => void): unknown;
  address?(): AddressInfo | string | null;
  /** smtp-server keeps its net.Server here. */
  server?: { address(): AddressInfo | string | null };
  closeAllConnections?(): void;
}

export interface Listening {
  port: number;
  /** Closes the server, cutting open keep-alive connections first (node:http). */
  close(): Promise<void>;
}

/** Starts `server` on 127.0.0.1 with a free port. */
export async function listenOnLoopback(server: Listenable): Promise<Listening> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const addr = server.server ? server.server.address() : server.address!();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return {
    port,
    close: () => {
      server.closeAllConnections?.();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}
