import { describe, expect, it } from 'vitest';
import { idStamp, secondsBetween, siteIso } from '@aurora/model';

describe('siteIso', () => {
  it('writes the site wall clock with its UTC offset', () => {
    expect(siteIso(new Date('2025-10-04T09:00:00Z'), 'Asia/Kolkata')).toBe(
      '2025-10-04T14:30:00+05:30',
    );
    expect(siteIso(new Date('2025-10-04T09:00:00Z'), 'UTC')).toBe('2025-10-04T09:00:00+00:00');
  });

  it('handles negative offsets and daylight saving time', () => {
    expect(siteIso(new Date('2025-01-15T12:00:00Z'), 'America/New_York')).toBe(
      '2025-01-15T07:00:00-05:00',
    );
    expect(siteIso(new Date('2025-07-15T12:00:00Z'), 'America/New_York')).toBe(
      '2025-07-15T08:00:00-04:00',
    );
  });

  it('drops milliseconds and round-trips to the same instant (to the second)', () => {
    const iso = siteIso(new Date('2025-10-04T09:00:00.987Z'), 'Asia/Kolkata');
    expect(Date.parse(iso)).toBe(Date.parse('2025-10-04T09:00:00Z'));
  });

  it('rejects an unknown time zone', () => {
    expect(() => siteIso(new Date(), 'Mars/Olympus_Mons')).toThrow(RangeError);
  });
});

describe('idStamp', () => {
  it('is YYYYMMDD_HHMMSS in the site zone, across a date line', () => {
    expect(idStamp(new Date('2025-10-04T20:00:00Z'), 'Asia/Kolkata')).toBe('20251005_013000');
  });
});

describe('secondsBetween', () => {
  it('counts whole seconds across offsets, never negative', () => {
    expect(secondsBetween('2025-10-04T14:30:00+05:30', '2025-10-04T09:02:15+00:00')).toBe(135);
    expect(secondsBetween('2025-10-04T14:30:00+05:30', '2025-10-04T14:29:00+05:30')).toBe(0);
    expect(secondsBetween('garbage', '2025-10-04T14:29:00+05:30')).toBe(0);
  });
});
