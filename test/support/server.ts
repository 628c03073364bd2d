// A real HTTP server on a random loopback port, for tests of pages and the API.
import { buildApp } from '../../src/http/app.ts';
import type { Paperboy } from '../../src/wiring.ts';

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function startServer(pb: Paperboy): Promise<TestServer> {
  const { app } = await buildApp(pb);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
