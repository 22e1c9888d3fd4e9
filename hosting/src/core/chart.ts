/** Calls per day by urgency, for the history chart. */
import type { Urgency } from '@aurora/model';
import { addDays, nextDay } from './history';

export type DayCounts = { day: string } & Record<Urgency, number>;

export const URGENCIES: Urgency[] = ['CRITICAL', 'URGENT', 'NORMAL'];

/** At most this many days are drawn; a longer range shows its most recent days. */
export const MAX_DAYS = 92;

/**
 * One row per site day from `from` to `to` inclusive (days without calls count zero); `dayOf`
 * is the site's date of an instant, so the bars count the days the date filters mean.
 */
export function callsPerDay(
  calls: Array<{ at: Date; urgency: Urgency }>,
  from: string,
  to: string,
  dayOf: (at: Date) => string,
): DayCounts[] {
  const days: DayCounts[] = [];
  for (let day = from; day <= to; day = nextDay(day))
    days.push({ day, CRITICAL: 0, URGENT: 0, NORMAL: 0 });
  const shown = days.slice(-MAX_DAYS);
  const byDay = new Map(shown.map((row) => [row.day, row]));
  for (const call of calls) {
    const row = byDay.get(dayOf(call.at));
    if (row && call.urgency in row) row[call.urgency]++;
  }
  return shown;
}

/** The range a chart shows when the filter leaves it open: the last 14 days to `today`. */
export function chartRange(
  from: string | undefined,
  to: string | undefined,
  today: string,
): { from: string; to: string } {
  const end = to ?? today;
  return { from: from ?? addDays(end, -13), to: end };
}
