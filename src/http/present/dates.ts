// Dates as pages show them, in UTC and British order ("3 Dec 2024"). The formatters are built once:
// Date.toLocaleDateString builds a new one on every call (0.2 ms each, several per page).
const formats = {
  /** 3 Dec 2024 */
  short: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }),
  /** Tuesday, 3 December 2024 */
  long: new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }),
  /** December 2024 */
  month: new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }),
};

/** `iso`: an ISO date or timestamp; '' when it is missing or not a date. */
export function formatDate(iso: string | null | undefined, style: keyof typeof formats): string {
  if (!iso) return '';
  const d = new Date(iso.length === 7 ? `${iso}-01T00:00:00Z` : iso.length === 10 ? `${iso}T00:00:00Z` : iso);
  return Number.isNaN(d.getTime()) ? '' : formats[style].format(d);
}
