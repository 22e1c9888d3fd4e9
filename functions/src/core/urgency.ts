import { z } from 'zod';

export const Urgency = z.enum(['NORMAL', 'URGENT', 'CRITICAL']);
export type Urgency = z.infer<typeof Urgency>;

export const rank: Record<Urgency, number> = { NORMAL: 0, URGENT: 1, CRITICAL: 2 };

/** Urgency only rises during a call: the higher of the two. */
export function raiseUrgency(current: Urgency, next: Urgency): Urgency {
  return rank[next] > rank[current] ? next : current;
}
