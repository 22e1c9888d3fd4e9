import type { Urgency } from '@aurora/model';

export const rank: Record<Urgency, number> = { NORMAL: 0, URGENT: 1, CRITICAL: 2 };

/** Urgency only rises during a call: the higher of the two. */
export function raiseUrgency(current: Urgency, next: Urgency): Urgency {
  return rank[next] > rank[current] ? next : current;
}
