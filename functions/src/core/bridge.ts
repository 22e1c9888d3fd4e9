/**
 * How a bridge ended, decided from what Twilio's <Dial action> request says and what the
 * screening recorded: pure, so every DialCallStatus is tested without a call.
 */

/**
 * The statuses Twilio reports for the dialled leg (DialCallStatus,
 * https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values). `answered` is reported
 * for a dialled conference only; it is read like `completed`.
 */
export const DIAL_STATUSES = [
  'completed',
  'answered',
  'busy',
  'no-answer',
  'failed',
  'canceled',
] as const;
export type DialStatus = (typeof DIAL_STATUSES)[number];

/** The parent call's own statuses that mean the caller is gone (they hung up while the leg rang or talked). */
const CALLER_GONE = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export type DialOutcome =
  /** The called person accepted at the screening, talked, and the leg has ended. */
  | { kind: 'ended' }
  /** Nobody was connected: busy, no answer, failed, canceled, or refused (or ignored) at the screening. */
  | { kind: 'not-answered'; reason: string }
  /** The caller hung up during the bridge: nothing to say to anyone. */
  | { kind: 'caller-gone' };

/**
 * What became of a bridge. A leg whose called person hung up at the screening, or never pressed
 * the key (a voicemail box), was answered by the network without being connected to the caller:
 * Twilio may report it as `completed` like a real conversation (or as `no-answer`), so a
 * `completed` leg counts as connected only if the screening recorded that this very leg
 * (`dialCallSid`) accepted.
 */
export function dialOutcome(input: {
  dialStatus: DialStatus;
  callStatus?: string;
  dialCallSid?: string;
  acceptedLeg?: string;
}): DialOutcome {
  if (input.callStatus && CALLER_GONE.has(input.callStatus)) return { kind: 'caller-gone' };
  if (input.dialStatus === 'completed' || input.dialStatus === 'answered') {
    const accepted =
      input.acceptedLeg !== undefined &&
      (input.dialCallSid === undefined || input.acceptedLeg === input.dialCallSid);
    return accepted
      ? { kind: 'ended' }
      : { kind: 'not-answered', reason: 'not accepted at the prompt' };
  }
  return { kind: 'not-answered', reason: input.dialStatus };
}

/** The system lines the holder reads in the transcript about a bridge. */
export const BRIDGE_NOTES = {
  accepted: (to: string) => `${to} accepted the bridge; the caller is connected.`,
  notAnswered: (to: string, reason: string) =>
    `The bridge to ${to} was not answered (${reason}). The caller is back on the line.`,
  ended: (to: string, seconds?: number) =>
    `The bridged call to ${to} ended${seconds === undefined ? '' : ` after ${seconds} s`}. The caller is back on the line.`,
  callerGone: (to: string) => `The caller hung up during the bridge to ${to}.`,
};
