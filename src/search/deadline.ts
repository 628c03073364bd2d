// Waiting for something at most so long: a search does not wait for its vector side (or a first
// index) longer than it is worth; the caller does without.

/** The promise's value, or undefined when it has not settled within `ms` (a late rejection is ignored). */
export async function deadline<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  if (!Number.isFinite(ms)) return p;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), ms)));
  p.catch(() => {});
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
