/**
 * What the fan-out makes of one write to a live call: the alerts it raises for admins, the
 * compact summary row the dashboard list reads, and whether an escalation timer starts. Pure:
 * the trigger hands in the call before and after the write.
 */
import { isDeepStrictEqual } from 'node:util';
import { holderOf } from './callControl';
import {
  type Alert,
  type AlertKind,
  isAcknowledged,
  type LiveCall,
  type LiveSummary,
  SUMMARY_ROW_FIELDS,
  type SummaryRow,
  type Tombstone,
} from '@aurora/model';
import { rank } from './urgency';
import { notDelivered } from './delivery';

/** Realtime Database keys cannot hold . # $ [ ] /; an email becomes a key this way. */
export const keySafe = (text: string) =>
  text.replace(/[.#$[\]/%]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * An alert's id says which call and which change raised it, so a trigger delivered twice
 * writes the same alert twice, not two alerts. Ids sort by call, then by kind.
 */
export function alertId(callId: string, kind: AlertKind, call: LiveCall): string {
  return kind === 'taken'
    ? `${callId}~taken~${keySafe(call.admin_id ?? 'unknown')}`
    : `${callId}~${kind}`;
}

/** The changes between two states of a call that admins are alerted to. */
export function alertsFor(before: LiveCall | null, after: LiveCall | null): AlertKind[] {
  if (!after) return [];
  const kinds: AlertKind[] = [];
  if (!before) kinds.push('new-call');
  const rose = !before || rank[after.urgency] > rank[before.urgency];
  if (rose && after.urgency === 'CRITICAL') kinds.push('critical');
  if (rose && after.urgency === 'URGENT' && before) kinds.push('urgent');
  const holder = holderOf(after);
  if (holder && holder !== (before && holderOf(before))) kinds.push('taken');
  if (after.status === 'ENDED' && before?.status !== 'ENDED') kinds.push('ended');
  if (after.escalated_at && !before?.escalated_at) kinds.push('escalated');
  if (after.escalation?.failed && !before?.escalation?.failed) kinds.push('escalation-failed');
  if (undeliveredTexts(after) > undeliveredTexts(before)) kinds.push('escalation-undelivered');
  return kinds;
}

/** Escalation texts the carrier reported undelivered or failed (Twilio accepted them; they did not arrive). */
const undeliveredTexts = (call: LiveCall | null) =>
  Object.values(call?.escalation?.recipients ?? {}).filter((r) => notDelivered(r.delivery)).length;

export function alertFor(callId: string, call: LiveCall, kind: AlertKind, at: string): Alert {
  return {
    call_id: callId,
    kind,
    urgency: call.urgency,
    worker_id: call.worker_id,
    mobile_no: call.mobile_no,
    at,
    ...(kind === 'taken' && call.admin_id ? { admin_id: call.admin_id } : {}),
  };
}

/**
 * A call that turns CRITICAL starts its escalation timer once, unless someone already has it in
 * hand at CRITICAL (an acknowledgement given at a lower urgency does not count). Live or ended:
 * the caller's last words may arrive after the line dropped.
 */
export function startsEscalation(before: LiveCall | null, after: LiveCall | null): boolean {
  return (
    !!after &&
    after.urgency === 'CRITICAL' &&
    before?.urgency !== 'CRITICAL' &&
    !isAcknowledged(after)
  );
}

const TOMBSTONE_MS = 10 * 60_000;

export function summaryRow(call: LiveCall): SummaryRow {
  const row: Record<string, unknown> = {};
  for (const field of SUMMARY_ROW_FIELDS) if (call[field] !== undefined) row[field] = call[field];
  return row as SummaryRow;
}

/** Whether the change from `before` to `after` shows in the call's summary row. */
export const summaryRowChanged = (before: LiveCall, after: LiveCall): boolean =>
  !isDeepStrictEqual(summaryRow(before), summaryRow(after));

export const isTombstone = (row: SummaryRow | Tombstone | undefined): row is Tombstone =>
  !!row && 'gone_at' in row;

/**
 * The summary after the call's current state (null: gone) is applied: its row set or turned
 * into a tombstone, tombstones past their time dropped, counts of ACTIVE calls recomputed.
 * Null when nothing changes (a tombstoned call cannot come back).
 */
export function nextSummary(
  current: LiveSummary | null,
  callId: string,
  call: LiveCall | null,
  nowMs: number,
): LiveSummary | null {
  const calls = { ...(current?.calls ?? {}) };
  if (call && isTombstone(calls[callId])) return null;
  calls[callId] = call ? summaryRow(call) : { gone_at: nowMs };
  const counts = { CRITICAL: 0, URGENT: 0, NORMAL: 0, total: 0 };
  for (const [id, row] of Object.entries(calls)) {
    if (isTombstone(row)) {
      if (nowMs - row.gone_at > TOMBSTONE_MS) delete calls[id];
      continue;
    }
    if (row.status !== 'ACTIVE') continue;
    counts[row.urgency]++;
    counts.total++;
  }
  return { counts, calls };
}
