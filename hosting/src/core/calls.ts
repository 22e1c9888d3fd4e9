/** The live calls list: what a supervisor sees first. Pure, so it is tested without a browser. */

export type Urgency = 'CRITICAL' | 'URGENT' | 'NORMAL';

/** active_calls/{id} as the dashboard reads it (the seed schema plus the (+) fields). */
export type LiveCall = {
  worker_id: string;
  mobile_no: string;
  conversation_id: string;
  urgency: Urgency;
  status: 'ACTIVE' | 'ENDED';
  timestamp: string;
  last_message_at: string;
  medium: string;
  admin_id?: string;
  mode?: 'ai' | 'human';
  ended_at?: string;
  handoff_requested?: boolean;
  acknowledged_by?: string;
  acknowledged_at?: string;
  escalated_at?: string;
};

export type CallRow = LiveCall & { id: string };

const RANK: Record<Urgency, number> = { CRITICAL: 0, URGENT: 1, NORMAL: 2 };

/** The rows of active_calls, most urgent first, newest first within an urgency; malformed nodes skipped. */
export function callRows(snapshot: Record<string, unknown> | null): CallRow[] {
  const rows: CallRow[] = [];
  for (const [id, value] of Object.entries(snapshot ?? {})) {
    const call = value as Partial<LiveCall> | null;
    if (!call || typeof call !== 'object' || !call.timestamp || !call.conversation_id || !(call.urgency! in RANK)) continue;
    rows.push({ ...(call as LiveCall), id });
  }
  return rows.sort((a, b) => RANK[a.urgency] - RANK[b.urgency] || Date.parse(b.timestamp) - Date.parse(a.timestamp));
}

/** Who holds the call now, if an admin took it and has not handed it back. */
export const holderOf = (call: LiveCall): string | null => (call.mode === 'human' && call.admin_id ? call.admin_id : null);

/** "42 s", "3 min 05 s", "1 h 02 min": a duration short enough for a table cell. */
export function shortDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')} min`;
}

/** How long the call has lasted at `nowMs` (or lasted, once ended). */
export const callAge = (call: LiveCall, nowMs: number) => (call.ended_at ? Date.parse(call.ended_at) : nowMs) - Date.parse(call.timestamp);

export const sinceLastMessage = (call: LiveCall, nowMs: number) => nowMs - Date.parse(call.last_message_at);

/** A message under active_conversations/{id}/messages. */
export type Message = { role: 'user' | 'assistant' | 'admin' | 'system'; content: string; timestamp: string; sources?: string; fallback?: string };

export const ROLE_LABEL: Record<Message['role'], string> = { user: 'Caller', assistant: 'Aurora', admin: 'Supervisor', system: 'System' };

/** live_summary: counts of active calls by urgency, and one row per call (tombstones have no fields). */
export type LiveSummary = { counts?: Record<Urgency | 'total', number>; calls?: Record<string, unknown> };

export type AlertKind = 'new-call' | 'urgent' | 'critical' | 'taken' | 'ended' | 'escalated';

/** admin_alerts/{uid}/{id}: what the fan-out told this admin. */
export type Alert = { call_id: string; kind: AlertKind; urgency: Urgency; worker_id: string; mobile_no: string; at: string; admin_id?: string };

export const ALERT_TEXT: Record<AlertKind, string> = {
  'new-call': 'New call',
  urgent: 'Now URGENT',
  critical: 'CRITICAL',
  taken: 'Taken over',
  ended: 'Call ended',
  escalated: 'ESCALATED: on-call staff texted',
};

const SEVERITY: Record<AlertKind, number> = { escalated: 5, critical: 4, urgent: 3, taken: 2, ended: 1, 'new-call': 0 };

/** Alerts newest first; of alerts raised together, the most severe first. */
export const alertsNewestFirst = (alerts: Record<string, Alert> | null) =>
  Object.entries(alerts ?? {})
    .map(([id, alert]) => ({ id, ...alert }))
    .sort((a, b) => Date.parse(b.at) - Date.parse(a.at) || (SEVERITY[b.kind] ?? 0) - (SEVERITY[a.kind] ?? 0));

/** Alerts that must interrupt a supervisor: critical and escalated ones for calls still unacknowledged. */
export const isAlarming = (alert: Alert, row: LiveCall | undefined) =>
  (alert.kind === 'critical' || alert.kind === 'escalated') && !!row && row.status === 'ACTIVE' && !row.acknowledged_by;
