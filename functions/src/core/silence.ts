/**
 * What Aurora does when a Gather hears nothing. A quiet caller on an ordinary call has probably
 * gone, and is told goodbye after a few tries. A quiet caller on a CRITICAL or URGENT call may be
 * doing CPR, trapped, or overcome: a dispatcher never hangs up on a silent emergency, so the line
 * stays open, Aurora listens without talking over them, and says it is still there at long
 * intervals. Only a supervisor ends such a call. Pure.
 */
import { keepsLineOpen, type Urgency } from '@aurora/model';

/** Consecutive silent turns before Aurora says goodbye on an ordinary call (each Gather waits about 5 s). */
export const MAX_SILENT_TURNS = 3;

/** On a line kept open, every this many silent turns Aurora says it is still there (about every 30 s). */
export const REASSURE_EVERY = 5;

export type SilenceStep =
  /** Ask again, then listen. */
  | 'reprompt'
  /** Say Aurora is still there and help is being arranged, then listen. */
  | 'reassure'
  /** Listen without speaking. */
  | 'listen'
  /** Say goodbye and hang up. */
  | 'close';

/** The step for the `silent`th consecutive silent turn (1-based) on a call of this urgency (undefined: unknown call). */
export function onSilence(silent: number, urgency: Urgency | undefined): SilenceStep {
  if (silent < MAX_SILENT_TURNS) return 'reprompt';
  if (!keepsLineOpen(urgency)) return 'close';
  return (silent - MAX_SILENT_TURNS) % REASSURE_EVERY === 0 ? 'reassure' : 'listen';
}
