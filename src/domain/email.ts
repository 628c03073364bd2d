// The one e-mail address rule (sign-in, digests, the CLI). Checked by a single pass over the
// characters, not by a regular expression: a hostile address of any length costs linear time,
// and the length cap (RFC 5321: 254) is applied before anything else looks at the text.

export const EMAIL_MAX = 254;
/** Characters refused anywhere in an address: blanks, angle brackets, quotes, list separators. */
const FORBIDDEN = new Set([...'<>()[]\\",;:'].map((c) => c.charCodeAt(0)));

/** Lower-cased, trimmed address when it is acceptable, else null. Accepts `local@domain.tld`. */
export function parseEmail(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  if (raw.length > EMAIL_MAX + 64) return null; // room for surrounding blanks only
  const email = raw.trim().toLowerCase();
  if (!email || email.length > EMAIL_MAX) return null;
  const at = email.indexOf('@');
  // Exactly one @, with something before it, and a dot after it that is neither first nor last.
  if (at < 1 || email.indexOf('@', at + 1) !== -1) return null;
  const dot = email.lastIndexOf('.');
  if (dot < at + 2 || dot === email.length - 1) return null;
  for (let i = 0; i < email.length; i++) {
    const c = email.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || FORBIDDEN.has(c)) return null;
    // Unicode blanks (no-break space, line separators…) are refused too.
    if (c >= 0x80 && /\s/.test(email[i])) return null;
  }
  return email;
}

export const isEmail = (raw: unknown): boolean => parseEmail(raw) !== null;
