import { type LiveCall, secondsBetween } from '@aurora/model';
import { confirmed, type UrgencyFields } from './callUrgency';

/** Twilio's final call statuses; anything else is a call still setting up or in progress. */
export const TERMINAL_STATUSES = ['completed', 'busy', 'failed', 'no-answer', 'canceled'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

export function isTerminal(status: string): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export type EndFields = Pick<LiveCall, 'status' | 'ended_at' | 'duration_seconds' | 'end_reason'> &
  UrgencyFields;

export type StatusDecision =
  | { kind: 'unknown-call' }
  | { kind: 'not-terminal' }
  | { kind: 'already-ended' }
  | { kind: 'end'; fields: EndFields };

/**
 * What a status callback does to a call. Callbacks repeat and arrive out of order, so only the
 * first terminal one ends the call; later or earlier non-terminal ones change nothing.
 */
export function decideStatus(
  call: LiveCall | null,
  status: string,
  nowIso: string,
  twilioDurationSeconds?: number,
): StatusDecision {
  if (!call) return { kind: 'unknown-call' };
  if (!isTerminal(status)) return { kind: 'not-terminal' };
  if (call.status === 'ENDED') return { kind: 'already-ended' };
  return { kind: 'end', fields: endFields(call, status, nowIso, twilioDurationSeconds) };
}

/**
 * The fields that mark a call ENDED; Twilio's own duration wins when it sent one. A dropped line
 * confirms a provisional urgency: nobody is left to answer Aurora's question.
 */
export function endFields(
  call: LiveCall,
  reason: string,
  nowIso: string,
  twilioDurationSeconds?: number,
): EndFields {
  return {
    status: 'ENDED',
    ended_at: nowIso,
    duration_seconds: twilioDurationSeconds ?? secondsBetween(call.timestamp, nowIso),
    end_reason: reason,
    ...confirmed(call),
  };
}

/** Longest a caller turn can run: Twilio abandons a webhook after 15 s. */
export const TURN_GRACE_MS = 20_000;

/** Whether a caller turn is being answered: its marker is set and younger than any turn can live. */
export function turnInFlight(call: { turn_started_at?: unknown } | null, nowMs: number): boolean {
  const started =
    typeof call?.turn_started_at === 'string' ? Date.parse(call.turn_started_at) : NaN;
  return Number.isFinite(started) && nowMs - started < TURN_GRACE_MS;
}
