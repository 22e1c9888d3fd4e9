/**
 * The site's clock: every time the dashboard shows is the site's wall-clock time, in the zone
 * the functions stamp calls with, named once in the header. A supervisor's browser may be set to
 * another zone (a laptop on UTC, a regional manager elsewhere); times that followed the browser
 * would put the same moment at two different hours on one screen.
 */

import { localParts } from '@aurora/model';

export type SiteClock = {
  /** The IANA zone, e.g. Asia/Kolkata. */
  timeZone: string;
  /** The zone as a supervisor reads it: "Asia/Kolkata (GMT+5:30)". */
  label: (at?: Date) => string;
  /** The site's date of an instant, YYYY-MM-DD. */
  day: (at: Date) => string;
  /** The instant a site date begins (its midnight in the site's zone). */
  dayStart: (date: string) => Date;
  /** "14:03:05" for a time on the site's today, "25 Nov 14:03:05" for another day, "25 Nov 2025 14:03:05" for another year. */
  stamp: (at: Date | string, now?: Date) => string;
};

const toDate = (at: Date | string) => (typeof at === 'string' ? new Date(at) : at);

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Whether `timeZone` is a zone this browser knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

export function siteClock(timeZone: string): SiteClock {
  const parts = (at: Date) => {
    const p = localParts(at, timeZone);
    return { ...p, time: `${p.hour}:${p.minute}:${p.second}` };
  };
  const offsetName = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'shortOffset' });
  const day = (at: Date) => {
    const p = parts(at);
    return `${p.year}-${p.month}-${p.day}`;
  };
  const offsetMinutes = (at: Date) => localParts(at, timeZone).offsetMinutes;
  return {
    timeZone,
    label: (at = new Date()) =>
      `${timeZone} (${offsetName.formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? ''})`,
    day,
    dayStart(date) {
      const midnightUtc = Date.parse(`${date}T00:00:00Z`);
      // The offset at UTC midnight is right unless the zone changes offset that night; a second
      // pass with the offset at the first guess settles it.
      let guess = midnightUtc - offsetMinutes(new Date(midnightUtc)) * 60_000;
      guess = midnightUtc - offsetMinutes(new Date(guess)) * 60_000;
      // Where clocks spring forward at midnight (Havana, Santiago) there is no 00:00: the day
      // begins at 01:00, the first instant whose site date is `date`.
      while (day(new Date(guess)) < date) guess += 3_600_000;
      return new Date(guess);
    },
    stamp(at, now = new Date()) {
      const instant = toDate(at);
      if (Number.isNaN(instant.getTime())) return '';
      const p = parts(instant);
      const today = parts(now);
      if (p.year === today.year && p.month === today.month && p.day === today.day) return p.time;
      const date = `${Number(p.day)} ${MONTHS[Number(p.month) - 1]}`;
      return p.year === today.year ? `${date} ${p.time}` : `${date} ${p.year} ${p.time}`;
    },
  };
}
