/**
 * The archive's history queries, as data: which equality filters, which timestamp range, which
 * order. The dashboard turns a spec into a Firestore query; the tests derive from the same specs
 * the composite indexes firestore.indexes.json must hold, so the two cannot drift apart.
 */
import type { Urgency } from '@aurora/model';

export type HistoryFilter = {
  urgency?: Urgency;
  /** A worker id (worker_017) or a phone number (+15550100001, spaces and dashes allowed). */
  who?: string;
  /** Site dates (the site's time zone, see SiteClock), YYYY-MM-DD, inclusive. */
  from?: string;
  to?: string;
};

export type Equality = { field: 'urgency' | 'worker_id' | 'mobile_no'; value: string };

export type QuerySpec = {
  equals: Equality[];
  /** Site dates: calls from the start of `atLeast` to before the start of `before` (SiteClock.dayStart). */
  range: { atLeast?: string; before?: string };
  orderBy: { field: 'timestamp'; direction: 'desc' };
};

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A YYYY-MM-DD date `days` later (or earlier), as one. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export const nextDay = (date: string) => addDays(date, 1);

/** A filter's error for the form, or null if the filter is usable. */
export function filterProblem(filter: HistoryFilter): string | null {
  if (filter.from && !DATE.test(filter.from)) return 'From must be a date.';
  if (filter.to && !DATE.test(filter.to)) return 'To must be a date.';
  if (filter.from && filter.to && filter.from > filter.to) return 'From is after To.';
  return null;
}

function whoFilter(who: string): Equality | null {
  const trimmed = who.trim();
  if (!trimmed) return null;
  const digits = trimmed.replace(/[\s\-().]/g, '');
  if (/^\+?\d{6,15}$/.test(digits))
    return { field: 'mobile_no', value: digits.startsWith('+') ? digits : `+${digits}` };
  return { field: 'worker_id', value: trimmed };
}

export function historySpec(filter: HistoryFilter): QuerySpec {
  const equals: Equality[] = [];
  if (filter.urgency) equals.push({ field: 'urgency', value: filter.urgency });
  const who = filter.who ? whoFilter(filter.who) : null;
  if (who) equals.push(who);
  return {
    equals,
    range: {
      atLeast: filter.from || undefined,
      before: filter.to ? nextDay(filter.to) : undefined,
    },
    orderBy: { field: 'timestamp', direction: 'desc' },
  };
}

/** The chart's spec: the same calls, every urgency (the chart splits them). */
export const chartSpec = (filter: HistoryFilter): QuerySpec =>
  historySpec({ ...filter, urgency: undefined });

/** A composite index as firestore.indexes.json writes it, or null if single-field indexes serve. */
export function indexFor(spec: QuerySpec) {
  if (spec.equals.length === 0) return null;
  return {
    collectionGroup: 'calls',
    queryScope: 'COLLECTION',
    fields: [
      ...spec.equals.map((e) => ({ fieldPath: e.field, order: 'ASCENDING' })),
      {
        fieldPath: spec.orderBy.field,
        order: spec.orderBy.direction === 'desc' ? 'DESCENDING' : 'ASCENDING',
      },
    ],
  };
}

/** One filter of every shape the form can produce: the queries the indexes must serve. */
export function everyFilterShape(): HistoryFilter[] {
  const shapes: HistoryFilter[] = [];
  for (const urgency of [undefined, 'CRITICAL' as const])
    for (const who of [undefined, 'worker_001', '+15550100001'])
      for (const from of [undefined, '2025-10-01'])
        for (const to of [undefined, '2025-10-31']) shapes.push({ urgency, who, from, to });
  return shapes;
}
