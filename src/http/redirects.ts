// Where to send a browser back to after a form: only paths on this site (no open redirect).
import type { FastifyRequest } from 'fastify';
import { safeNext } from '../services/accounts.ts';

/**
 * The Referer's path when the Referer is this site (same origin as the public URL, compared as
 * parsed origins, not by string prefix: "https://paper.boy.evil.example" starts with
 * "https://paper.boy"), else null.
 */
export function refererPath(req: FastifyRequest, publicUrl: string): string | null {
  const ref = req.headers.referer;
  if (typeof ref !== 'string' || ref.length > 2000) return null;
  try {
    const r = new URL(ref);
    if (r.origin !== new URL(publicUrl).origin) return null;
    return safeNext(r.pathname + r.search);
  } catch {
    return null;
  }
}
