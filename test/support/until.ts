// Polls until a condition holds (or a value appears), for tests that wait on another process, a
// worker or a server. One helper for the whole suite:
//   await until('the job done', async () => (await job()).status === 'done');
//   const model = await until('the trained model', () => pb.search.models.latest(), { timeoutMs: 240_000, everyMs: 500 });
//   await until('the worker waiting', check, child.output);   // the child's output goes into the timeout error

export interface UntilOptions {
  /** Give up (throw) after this long; default 120 s. */
  timeoutMs?: number;
  /** Poll interval; default 100 ms. */
  everyMs?: number;
  /** Text to add to the timeout error (e.g. a child process's output). */
  out?: () => string;
}

type Check<T> = () => Promise<T | undefined | null | false> | T | undefined | null | false;

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Resolves with the first truthy value `fn` returns. The third argument is the options, or (the
 * shapes older tests used) a timeout in ms or an output function; a fourth number is the interval.
 */
export async function until<T>(what: string | Check<T>, fn?: Check<T>, opts?: UntilOptions | number | (() => string), everyMs?: number): Promise<T> {
  const check = (typeof what === 'function' ? what : fn) as Check<T>;
  const name = typeof what === 'string' ? what : 'a condition';
  const o: UntilOptions = typeof opts === 'number' ? { timeoutMs: opts } : typeof opts === 'function' ? { out: opts } : (opts ?? {});
  const timeoutMs = o.timeoutMs ?? 120_000;
  const every = everyMs ?? o.everyMs ?? 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${name}${o.out ? `\n${o.out().slice(-4000)}` : ''}`);
    await sleep(every);
  }
}
