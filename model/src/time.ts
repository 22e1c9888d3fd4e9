/** One formatter per zone: building an Intl.DateTimeFormat costs far more than using one, and every turn stamps several times. */
const formats = new Map<string, Intl.DateTimeFormat>();
function formatFor(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, format);
  }
  return format;
}

/**
 * Wall-clock parts of an instant in a time zone, with its UTC offset. Dependency-free: the
 * dashboard's clock reads the site's time with it too.
 */
export function localParts(instant: Date, timeZone: string) {
  const parts = formatFor(timeZone).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  const [year, month, day, hour, minute, second] = [
    'year',
    'month',
    'day',
    'hour',
    'minute',
    'second',
  ].map(get);
  const asUtc = Date.UTC(+year, +month - 1, +day, +hour, +minute, +second);
  const offsetMinutes = Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60000);
  return { year, month, day, hour, minute, second, offsetMinutes };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** ISO 8601 in the site's zone, as the seed schema stores it: 2025-10-04T14:30:00+05:30. */
export function siteIso(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${formatOffset(p.offsetMinutes)}`;
}

/** The `YYYYMMDD_HHMMSS` suffix of call and conversation ids, in the site's zone. */
export function idStamp(instant: Date, timeZone: string): string {
  const p = localParts(instant, timeZone);
  return `${p.year}${p.month}${p.day}_${p.hour}${p.minute}${p.second}`;
}

/** Whole seconds between two ISO instants, never negative. */
export function secondsBetween(startIso: string, endIso: string): number {
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms / 1000) : 0;
}
