/**
 * What an acknowledgement means, shared by the functions (escalation) and the dashboard (the
 * alarm): it covers the urgency the call had when it was given. A call that rises above it
 * alarms and escalates again until someone acknowledges it anew. An admin holding the call
 * has it in hand at any urgency. Dependency-free: the dashboard bundles it.
 */
import type { LiveCall, Urgency } from './schema';

const RANK: Record<Urgency, number> = { NORMAL: 0, URGENT: 1, CRITICAL: 2 };

type AckState = Pick<LiveCall, 'urgency' | 'mode' | 'admin_id' | 'acknowledged_by' | 'acknowledged_urgency'>;

/**
 * Whether someone has the call in hand at its current urgency. An acknowledgement recorded
 * without its urgency (before this field existed) is taken to cover NORMAL only: the safe side.
 */
export function isAcknowledged(call: AckState): boolean {
  if (call.mode === 'human' && call.admin_id) return true;
  if (!call.acknowledged_by) return false;
  return RANK[call.acknowledged_urgency ?? 'NORMAL'] >= RANK[call.urgency];
}

/**
 * Whether an ended call must stay live until someone acknowledges it: it is CRITICAL and nobody
 * has it in hand. The caller whose line dropped, or who went quiet, may be the one who needs help
 * most, so it stays in the alarm and escalating (the purge waits; the dashboard offers Acknowledge).
 */
export const awaitsAcknowledgement = (call: AckState): boolean => call.urgency === 'CRITICAL' && !isAcknowledged(call);
