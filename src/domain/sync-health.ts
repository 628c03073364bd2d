// The rule of when a paper source counts as down: it has failed, and nothing has succeeded, for a day.
/** A source failing this long (with no success since) is reported to admins on the daily page. */
export const SOURCE_DOWN_MS = 24 * 3600_000;

export function sourceDown(failingSince: string | null, now = new Date()): boolean {
  if (!failingSince) return false;
  return now.getTime() - Date.parse(failingSince) >= SOURCE_DOWN_MS;
}
