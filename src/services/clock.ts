// The instance's one clock (src/wiring.ts makes it): every rule that depends on the time (votes'
// and comments' windows, sign-in links, sessions, trending, digests, leases of the digest sender,
// agents' retries) asks it, so a test or a demo can fix the time in one place.

/** The real time, PAPERBOY_NOW, or a time a test sets. */
export class Clock {
  private fixed?: number;
  constructor(fixed?: string) {
    if (fixed) this.fixed = Date.parse(fixed);
  }
  now = (): Date => new Date(this.fixed ?? Date.now());
  /** Fixes the time (ISO string or Date); undefined returns to the real time. */
  set(t: string | Date | undefined): void {
    this.fixed = t === undefined ? undefined : new Date(t).getTime();
  }
}
