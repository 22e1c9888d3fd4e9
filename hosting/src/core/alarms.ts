/**
 * Which calls the alarm banner shows, and in what order. One banner for all of them: in a busy
 * hour five CRITICAL calls used to stack five full-width banners and push the live list off the
 * screen. Pure, so the order is tested without a browser.
 */
import type { Alert, SummaryRow } from '@aurora/model';
import { isAlarming, type AlarmKind } from './calls';

export type { AlarmKind };

/** One call that needs a supervisor now. */
export type AlarmEntry = {
  callId: string;
  /** The call's most severe alarming alert: dismissing hides the call until a worse one comes. */
  alertId: string;
  kind: AlarmKind;
  /** When the call first alarmed: the longest-waiting call goes first among equals. */
  since: string;
  /** Its CRITICAL rests on unsure words while Aurora asks (it alarms all the same, marked so). */
  unconfirmed: boolean;
};

/** Worse first: nobody could be texted, then a text that did not arrive, then nobody acknowledged in time, then critical. */
const SEVERITY: Record<AlarmKind, number> = {
  'escalation-failed': 4,
  'escalation-undelivered': 3,
  escalated: 2,
  critical: 1,
};

/**
 * The calls to alarm for, most urgent first: by the worst of their alerts, then the one that has
 * waited longest. A call appears once however many of its alerts alarm; a dismissed alert hides
 * its call until a more severe alert arrives for it.
 */
export function alarmEntries(
  alerts: Array<Alert & { id: string }>,
  rowOf: (callId: string) => SummaryRow | undefined,
  dismissed: ReadonlySet<string>,
): AlarmEntry[] {
  const byCall = new Map<string, AlarmEntry>();
  for (const alert of alerts) {
    const row = rowOf(alert.call_id);
    if (!isAlarming(alert, row)) continue;
    const kind = alert.kind as AlarmKind;
    const known = byCall.get(alert.call_id);
    if (!known) {
      byCall.set(alert.call_id, {
        callId: alert.call_id,
        alertId: alert.id,
        kind,
        since: alert.at,
        unconfirmed: row?.urgency_provisional === true,
      });
      continue;
    }
    if (SEVERITY[kind] > SEVERITY[known.kind]) Object.assign(known, { alertId: alert.id, kind });
    if (Date.parse(alert.at) < Date.parse(known.since)) known.since = alert.at;
  }
  return [...byCall.values()]
    .filter((entry) => !dismissed.has(entry.alertId))
    .sort(
      (a, b) =>
        SEVERITY[b.kind] - SEVERITY[a.kind] ||
        Date.parse(a.since) - Date.parse(b.since) ||
        a.callId.localeCompare(b.callId),
    );
}

/** The banner's headline: how many calls, of what. */
export function alarmHeadline(entries: AlarmEntry[]): string {
  const escalated = entries.filter((e) => e.kind !== 'critical').length;
  const unconfirmed = entries.filter((e) => e.unconfirmed).length;
  const calls =
    entries.length === 1 ? '1 CRITICAL call needs' : `${entries.length} CRITICAL calls need`;
  const notes = [
    escalated > 0 ? `${escalated} escalated, nobody acknowledged` : '',
    unconfirmed > 0 ? `${unconfirmed} unconfirmed` : '',
  ].filter(Boolean);
  return `${calls} a supervisor${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
}

const PREFIX: Record<AlarmKind, string> = {
  'escalation-failed': 'ESCALATION FAILED, nobody was texted: ',
  'escalation-undelivered': 'ESCALATION TEXT NOT DELIVERED, phoning instead: ',
  escalated: 'ESCALATED, nobody acknowledged: ',
  critical: 'CRITICAL call: ',
};

/** What an entry says before the caller's name: "CRITICAL call, unconfirmed: " while Aurora still asks. */
export const alarmPrefix = (entry: Pick<AlarmEntry, 'kind' | 'unconfirmed'>): string =>
  entry.kind === 'critical' && entry.unconfirmed
    ? 'CRITICAL call, unconfirmed: '
    : PREFIX[entry.kind];

/** The flashing tab title's words for an entry: its prefix without the detail. */
export const alarmTitle = (entry: Pick<AlarmEntry, 'kind' | 'unconfirmed'>): string =>
  alarmPrefix(entry).replace(/[:,].*$/, '');
