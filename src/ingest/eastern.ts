// US Eastern calendar math (arXiv announces on Eastern evenings), with Intl so DST is right.
import type { Day } from '../domain/dates.ts';

const fmt = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  weekday: 'short',
  hourCycle: 'h23',
});

export interface EasternTime {
  day: Day;
  /** Monday = 1 … Sunday = 7 */
  weekday: number;
  /** Minutes since Eastern midnight. */
  minutes: number;
}

const WEEKDAYS: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };

export function eastern(t: Date): EasternTime {
  const parts = Object.fromEntries(fmt.formatToParts(t).map((p) => [p.type, p.value]));
  return {
    day: `${parts.year}-${parts.month}-${parts.day}`,
    weekday: WEEKDAYS[parts.weekday],
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
  };
}

/** "21:00" → 1260 */
export function hhmmToMinutes(s: string): number {
  const [h, m] = s.split(':').map(Number);
  return h * 60 + m;
}
