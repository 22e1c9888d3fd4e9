import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { siteClock } from '../../../hosting/src/core/clock';
import {
  chartSpec,
  everyFilterShape,
  filterProblem,
  historySpec,
  indexFor,
  nextDay,
} from '../../../hosting/src/core/history';

describe('historySpec', () => {
  it('filters by urgency, worker or number, and a site-local date range, newest first', () => {
    expect(
      historySpec({
        urgency: 'CRITICAL',
        who: '+1 555-010-0001',
        from: '2025-10-01',
        to: '2025-10-31',
      }),
    ).toEqual({
      equals: [
        { field: 'urgency', value: 'CRITICAL' },
        { field: 'mobile_no', value: '+15550100001' },
      ],
      range: { atLeast: '2025-10-01', before: '2025-11-01' },
      orderBy: { field: 'timestamp', direction: 'desc' },
    });
    expect(historySpec({ who: ' worker_017 ' }).equals).toEqual([
      { field: 'worker_id', value: 'worker_017' },
    ]);
    expect(historySpec({ who: '15550100001' }).equals).toEqual([
      { field: 'mobile_no', value: '+15550100001' },
    ]);
    expect(historySpec({})).toMatchObject({ equals: [], range: {} });
  });

  it("ranges over whole days of the site's clock, whatever the browser's zone", () => {
    const site = siteClock('Asia/Kolkata');
    const { range } = historySpec({ from: '2025-10-04', to: '2025-10-04' });
    const [start, end] = [site.dayStart(range.atLeast!), site.dayStart(range.before!)];
    expect(start.toISOString()).toBe('2025-10-03T18:30:00.000Z');
    expect(end.getTime() - start.getTime()).toBe(24 * 3600 * 1000);
    expect(site.day(start)).toBe('2025-10-04');
    expect(site.day(new Date(end.getTime() - 1))).toBe('2025-10-04');
    expect(site.day(end)).toBe('2025-10-05');
  });

  it('says what is wrong with a filter', () => {
    expect(filterProblem({ from: '2025-10-05', to: '2025-10-01' })).toBe('From is after To.');
    expect(filterProblem({ from: 'yesterday' })).toBe('From must be a date.');
    expect(filterProblem({ from: '2025-10-01', to: '2025-10-05' })).toBeNull();
    expect(nextDay('2024-02-28')).toBe('2024-02-29');
    expect(nextDay('2025-12-31')).toBe('2026-01-01');
  });
});

describe('firestore.indexes.json', () => {
  it('holds exactly the composite indexes the history and chart queries need', () => {
    const needed = new Map<string, unknown>();
    for (const filter of everyFilterShape()) {
      for (const spec of [historySpec(filter), chartSpec(filter)]) {
        const index = indexFor(spec);
        if (index) needed.set(JSON.stringify(index), index);
      }
    }
    const declared = (
      JSON.parse(readFileSync('firestore.indexes.json', 'utf8')) as { indexes: unknown[] }
    ).indexes;
    expect(declared.map((i) => JSON.stringify(i)).sort()).toEqual([...needed.keys()].sort());
  });
});
