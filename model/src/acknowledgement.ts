/**
 * What an acknowledgement means, shared by the functions (escalation) and the dashboard (the
 * alarm): it covers the urgency the call had when it was given. A call that rises above it
 * alarms and escalates again until someone acknowledges it anew, whoever holds the call: taking
 * a call acknowledges it at its urgency then (core/callControl.ts ackFields), but a supervisor on
 * the line may have stepped away, so a held call that turns CRITICAL alarms like any other.
 * Dependency-free: the dashboard bundles it.
 */
import type { LiveCall, Urgency } from './schema';

const RANK: Record<Urgency, number> = { NORMAL: 0, URGENT: 1, CRITICAL: 2 };

type AckState = Pick<LiveCall, 'urgency' | 'acknowledged_by' | 'acknowledged_urgency'>;

/**
 * Whether someone has acknowledged the call at its current urgency. An acknowledgement recorded
 * without its urgency (before this field existed) is taken to cover NORMAL only: the safe side.
 */
export function isAcknowledged(call: AckState): boolean {
  if (!call.acknowledged_by) return false;
  return RANK[call.acknowledged_urgency ?? 'NORMAL'] >= RANK[call.urgency];
}

/**
 * Whether an ended call must stay live until someone acknowledges it: it is CRITICAL and nobody
 * acknowledged it at CRITICAL. The caller whose line dropped, or who went quiet, may be the one who needs help
 * most, so it stays in the alarm and escalating (the purge waits; the dashboard offers Acknowledge).
 */
export const awaitsAcknowledgement = (call: AckState): boolean =>
  call.urgency === 'CRITICAL' && !isAcknowledged(call);
