// Lap timing of a ranking's steps, for benchmarks (SearchService.rank's `timings`).

/** Milliseconds spent in each step of a ranking (summed by step name), for benchmarks. */
export type Timings = Record<string, number>;

/** A lap timer adding the time since the previous lap to `t[step]`; does nothing without `t`. */
export function stopwatch(t?: Timings): (step: string) => void {
  if (!t) return () => {};
  let last = performance.now();
  return (step) => {
    const now = performance.now();
    t[step] = (t[step] ?? 0) + now - last;
    last = now;
  };
}
