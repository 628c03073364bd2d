// Mail is counted for /metrics by composition: the wiring wraps the instance's transport in
// countingMail (src/ops/mail-metrics.ts), so every sender is counted in every process, and no code
// patches a transport's send. Real transports: the file outbox, and SMTP to a closed loopback port.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { databases, type TestInstance } from './support/db.ts';
import { mailFailed, mailSent } from '../src/ops/metrics.ts';

/** A loopback port with nothing listening on it (bound once, then released). */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe(`mail metrics by composition (${databases[0].name})`, () => {
  const opened: TestInstance[] = [];
  after(async () => {
    for (const pb of opened) await pb.dispose();
  });

  test('a mail the outbox takes counts as sent; one SMTP refuses counts as failed and still throws', async () => {
    const outbox = await databases[0].open();
    opened.push(outbox);
    const sent0 = await mailSent.get();
    const failed0 = await mailFailed.get();
    await outbox.mail.send({ to: 'reader@example.org', subject: 'Hello', text: 'Hello.' });
    assert.equal(await mailSent.get(), sent0 + 1);
    assert.equal(await mailFailed.get(), failed0);

    const smtp = await databases[0].open({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
    opened.push(smtp);
    assert.equal(smtp.mail.kind, 'smtp');
    await assert.rejects(smtp.mail.send({ to: 'reader@example.org', subject: 'Hello', text: 'Hello.' }));
    assert.equal(await mailFailed.get(), failed0 + 1);
    assert.equal(await mailSent.get(), sent0 + 1);
  });
});
