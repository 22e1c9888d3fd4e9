/**
 * Which calls silence can never end, shared by the functions (what a silent Gather does,
 * functions/src/core/silence.ts) and the dashboard (why a quiet call is still open).
 */
import type { Urgency } from './schema';

/** Whether silence can never end this call: it is, or may be, an emergency. */
export const keepsLineOpen = (urgency: Urgency | undefined) =>
  urgency === 'CRITICAL' || urgency === 'URGENT';
