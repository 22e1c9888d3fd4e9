/** The live calls list: what a supervisor sees first. Pure, so it is tested without a browser. */
import {
  type Alert,
  type AlertKind,
  type Escalation,
  isAcknowledged,
  type LiveCall,
  type Role,
  type SummaryRow,
  type Urgency,
} from '@aurora/model';

/** A live call as the list shows it: its summary row (live_summary/calls), with its id. */
export type CallRow = SummaryRow & { id: string };

const RANK: Record<Urgency, number> = { CRITICAL: 0, URGENT: 1, NORMAL: 2 };

/** The summary's rows, most urgent first, newest first within an urgency; tombstones and malformed rows skipped. */
export function callRows(snapshot: Record<string, unknown> | null): CallRow[] {
  const rows: CallRow[] = [];
  for (const [id, value] of Object.entries(snapshot ?? {})) {
    const call = value as Partial<SummaryRow> | null;
    if (
      !call ||
      typeof call !== 'object' ||
      !call.timestamp ||
      !call.conversation_id ||
      !(call.urgency! in RANK)
    )
      continue;
    rows.push({ ...(call as SummaryRow), id });
  }
  return rows.sort(
    (a, b) =>
      RANK[a.urgency] - RANK[b.urgency] || Date.parse(b.timestamp) - Date.parse(a.timestamp),
  );
}

/** Who holds the call now, if an admin took it and has not handed it back (as the functions' holderOf). */
export const holderOf = (call: Pick<LiveCall, 'mode' | 'admin_id'>): string | null =>
  call.mode === 'human' && call.admin_id ? call.admin_id : null;

/** "42 s", "3 min 05 s", "1 h 02 min": a duration short enough for a table cell. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** How long the call has lasted at `nowMs` (or lasted, once ended). */
export const callAge = (call: Pick<LiveCall, 'ended_at' | 'timestamp'>, nowMs: number) =>
  (call.ended_at ? Date.parse(call.ended_at) : nowMs) - Date.parse(call.timestamp);

export const sinceLastMessage = (call: Pick<LiveCall, 'last_message_at'>, nowMs: number) =>
  nowMs - Date.parse(call.last_message_at);

/** Who answered instead of the primary model (a message's `fallback`), in a supervisor's words. */
const FALLBACK_TEXT: Record<string, string> = {
  retry: 'Answered by the model on a second try.',
  'fallback-model': 'Answered by the backup model.',
  offline: "Answered by Aurora's built-in guidance: the model was unavailable.",
  ceiling: "Answered by Aurora's built-in guidance: this call reached its limit on model answers.",
  deadline: "Answered by Aurora's built-in guidance: the full answer was not ready in time.",
};
export const fallbackText = (fallback: string) =>
  FALLBACK_TEXT[fallback] ?? `Answered by: ${fallback}`;

export const ROLE_LABEL: Record<Role, string> = {
  user: 'Caller',
  assistant: 'Aurora',
  admin: 'Supervisor',
  system: 'System',
  oncall: 'On-call',
};

export const ALERT_TEXT: Record<AlertKind, string> = {
  'new-call': 'New call',
  urgent: 'Now URGENT',
  critical: 'CRITICAL',
  taken: 'Taken over',
  ended: 'Call ended',
  escalated: 'ESCALATED',
  'escalation-failed': 'ESCALATION FAILED: nobody was texted',
  'escalation-undelivered': 'ESCALATION TEXT NOT DELIVERED: phoning instead',
};

const SEVERITY: Record<AlertKind, number> = {
  'escalation-failed': 7,
  'escalation-undelivered': 6,
  escalated: 5,
  critical: 4,
  urgent: 3,
  taken: 2,
  ended: 1,
  'new-call': 0,
};

/** Alerts newest first; of alerts raised together, the most severe first. */
export const alertsNewestFirst = (alerts: Record<string, Alert> | null) =>
  Object.entries(alerts ?? {})
    .map(([id, alert]) => ({ id, ...alert }))
    .sort(
      (a, b) =>
        Date.parse(b.at) - Date.parse(a.at) || (SEVERITY[b.kind] ?? 0) - (SEVERITY[a.kind] ?? 0),
    );

/** The alerts that raise the alarm banner (hosting/src/core/alarms.ts orders them). */
export const ALARM_KINDS = [
  'critical',
  'escalated',
  'escalation-failed',
  'escalation-undelivered',
] as const;
export type AlarmKind = (typeof ALARM_KINDS)[number];

/**
 * Alerts that must interrupt a supervisor: critical and escalated ones for calls not acknowledged
 * at their urgency, live or ended (a CRITICAL caller whose line dropped alarms until someone has seen it).
 * A critical alert stops alarming once its call's urgency has fallen below CRITICAL (the caller
 * answered "it's the drill", or a supervisor decided): the fall is recorded and shown on the call.
 * An escalation's alarm stays until someone acknowledges it: the on-call staff were involved.
 */
export const isAlarming = (alert: Alert, row: SummaryRow | undefined) =>
  (ALARM_KINDS as readonly string[]).includes(alert.kind) &&
  !!row &&
  !isAcknowledged(row) &&
  (alert.kind !== 'critical' || row.urgency === 'CRITICAL');

/**
 * What became of an escalation, recipient by recipient, as Twilio answered: "texted" only for a
 * text Twilio accepted (it has a message SID), "delivered" only when the carrier said so, and a
 * text that did not arrive with its reason and the voice call placed instead.
 */
export function escalationLines(
  escalation: Escalation | undefined,
): Array<{ text: string; ok: boolean }> {
  if (!escalation) return [];
  const lines = Object.values(escalation.recipients ?? {}).flatMap((r) => {
    if (r.delivery === 'delivered') return [{ text: `${r.to}: text delivered`, ok: true }];
    if (r.delivery === 'undelivered' || r.delivery === 'failed') {
      return [
        {
          text: `${r.to}: text NOT delivered: ${r.delivery_error ?? 'no reason given'}`,
          ok: false,
        },
        ...voiceCallLine(r),
      ];
    }
    if (r.state === 'sent' && r.delivery === 'sent')
      return [{ text: `${r.to}: texted, on its way (not yet confirmed delivered)`, ok: true }];
    if (r.state === 'sent')
      return [{ text: `${r.to}: texted (Twilio ${r.sid ?? 'accepted'})`, ok: true }];
    if (r.state === 'failed')
      return [
        {
          text: `${r.to}: not texted: ${r.error ?? 'refused'} (attempt ${r.attempts}, retrying)`,
          ok: false,
        },
      ];
    if (r.state === 'held')
      return [{ text: `${r.to}: ${r.error ?? 'hourly text cap reached'}`, ok: false }];
    return [{ text: `${r.to}: sending…`, ok: false }];
  });
  if (escalation.failed) lines.push({ text: escalation.failed, ok: false });
  return lines;
}

/** The voice call placed to a recipient whose text did not arrive, in words. */
function voiceCallLine(r: Escalation['recipients'][string]): Array<{ text: string; ok: boolean }> {
  const call = r.voice_call;
  if (!call) return [];
  if (call.state === 'placed')
    return [{ text: `${r.to}: phoned instead (voice call placed)`, ok: true }];
  if (call.state === 'failed')
    return [{ text: `${r.to}: could not be phoned either: ${call.error ?? 'refused'}`, ok: false }];
  return [{ text: `${r.to}: phoning…`, ok: false }];
}

/** Who acknowledged the call, if that acknowledgement still covers its urgency. */
export const acknowledgedBy = (row: SummaryRow): string | null =>
  row.acknowledged_by && isAcknowledged(row) ? row.acknowledged_by : null;
