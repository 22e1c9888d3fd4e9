import { describe, expect, it } from 'vitest';
import { isTimeZone, siteClock } from '../../../hosting/src/core/clock';

describe("the site's clock", () => {
  const kolkata = siteClock('Asia/Kolkata');
  const now = new Date('2025-10-04T12:00:00+05:30');

  it('shows the time alone for today at the site, and the date otherwise', () => {
    expect(kolkata.stamp('2025-10-04T14:30:05+05:30', now)).toBe('14:30:05');
    // The same instant written with another offset is the same site time.
    expect(kolkata.stamp('2025-10-04T09:00:05Z', now)).toBe('14:30:05');
    expect(kolkata.stamp(new Date('2025-10-03T23:59:59+05:30'), now)).toBe('3 Oct 23:59:59');
    expect(kolkata.stamp('2024-12-31T08:00:00+05:30', now)).toBe('31 Dec 2024 08:00:00');
    expect(kolkata.stamp('not a time', now)).toBe('');
  });

  it("counts today by the site's date, not the browser's or UTC's", () => {
    // 00:30 on the 5th at the site is still the 4th in UTC.
    const justAfterMidnight = new Date('2025-10-05T00:30:00+05:30');
    expect(kolkata.day(justAfterMidnight)).toBe('2025-10-05');
    expect(kolkata.stamp('2025-10-04T23:00:00+05:30', justAfterMidnight)).toBe('4 Oct 23:00:00');
  });

  it('finds midnight across a daylight-saving change', () => {
    const berlin = siteClock('Europe/Berlin');
    expect(berlin.dayStart('2025-03-30').toISOString()).toBe('2025-03-29T23:00:00.000Z'); // CET, the night clocks go forward
    expect(berlin.dayStart('2025-03-31').toISOString()).toBe('2025-03-30T22:00:00.000Z'); // CEST
    expect(berlin.dayStart('2025-10-27').toISOString()).toBe('2025-10-26T23:00:00.000Z');
    // Where the clocks spring forward at midnight, the day begins at 01:00.
    for (const [zone, date] of [
      ['America/Havana', '2026-03-08'],
      ['America/Santiago', '2026-09-06'],
    ]) {
      const start = siteClock(zone).dayStart(date);
      expect(siteClock(zone).day(start), zone).toBe(date);
      expect(siteClock(zone).day(new Date(start.getTime() - 1)), zone).not.toBe(date);
    }
    const newYork = siteClock('America/New_York');
    expect(newYork.dayStart('2025-11-02').toISOString()).toBe('2025-11-02T04:00:00.000Z');
    expect(newYork.day(newYork.dayStart('2025-11-03'))).toBe('2025-11-03');
  });

  it('names the zone with its offset', () => {
    expect(kolkata.label(now)).toBe('Asia/Kolkata (GMT+5:30)');
    expect(siteClock('UTC').label(now)).toMatch(/^UTC \(GMT(\+0)?\)$/); // ICU versions differ on GMT+0
    expect(isTimeZone('Asia/Kolkata')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
  });
});
