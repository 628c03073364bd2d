// Sent and failed mail as metrics (paperboy_mail_sent_total, paperboy_mail_failed_total): a
// transport that counts and hands on. src/wiring.ts composes it around the instance's transport,
// so every sender (sign-in links, confirmations, digests) is counted without patching anything.
import type { MailTransport } from '../mail/transport.ts';
import { mailFailed, mailSent } from './metrics.ts';

export function countingMail(inner: MailTransport): MailTransport {
  return {
    kind: inner.kind,
    async send(mail) {
      try {
        const r = await inner.send(mail);
        mailSent.inc();
        return r;
      } catch (err) {
        mailFailed.inc();
        throw err;
      }
    },
    close: () => inner.close(),
  };
}
