/**
 * What follows a bridge: the called person's screening (accept with 1, or the leg is hung up
 * before it is connected), and the <Dial action> Twilio requests when the dialled leg ends.
 * Whatever became of the bridge, a caller still on the line hears so in their language and is
 * listened to again, the call stays with whoever holds it, and the holder reads what happened.
 */
import { BRIDGE_NOTES, dialOutcome, type DialStatus } from '../core/bridge';
import {
  ACCEPT_DIGIT,
  SUPERVISOR_LINES_IN,
  emptyResponse,
  screenUrl,
  screeningAnswer,
  screeningPrompt,
} from '../core/twiml';
import type { Deps } from '../ports';
import { changeCall, findCallBySid } from '../steps/liveCalls';
import { languageOrSite, noteOnCall, speakThenListen } from '../steps/listening';

export type DialResult = {
  /** The caller's call. */
  callSid: string;
  /** The call id the bridge's action URL names. */
  callHint?: string;
  /** The number dialled, as the action URL names it. */
  to?: string;
  dialStatus: DialStatus;
  /** The caller's own call status when Twilio made the request. */
  callStatus?: string;
  dialCallSid?: string;
  durationSeconds?: number;
};

/**
 * Answers the <Dial action>. A call that is not live gets empty TwiML and nothing changes; a
 * caller who hung up meanwhile gets a note only. Otherwise the caller hears that nobody answered
 * (or that the bridged call ended) and is listened to again; holder and mode are left as they
 * are, so a supervisor's call stays theirs and Aurora does not answer the caller's next words.
 * A database that cannot be read does not stop the caller from being listened to.
 */
export async function dialResult(input: DialResult, deps: Deps): Promise<string> {
  let found: Awaited<ReturnType<typeof findCallBySid>>;
  try {
    found = await findCallBySid(deps.live, input.callSid, deps.log, input.callHint);
  } catch (err) {
    deps.log.error('bridge result: the call could not be read; the caller is listened to again', {
      callSid: input.callSid,
      error: String(err),
    });
    // A bridge is placed only on a call a supervisor holds (core/callControl.ts): the Gather says so.
    return backOnTheLine(deps, input.callHint, undefined, 'notAnswered', true);
  }
  if (!found || found.call.status !== 'ACTIVE' || found.call.purging) {
    deps.log.warn('bridge result for a call that is not live', {
      callSid: input.callSid,
      dialStatus: input.dialStatus,
    });
    // Twilio says the caller is still on the line: whatever our records say, they are listened to, never hung up on.
    return input.callStatus === 'in-progress'
      ? backOnTheLine(deps, input.callHint, undefined, 'notAnswered', found?.call.mode === 'human')
      : emptyResponse();
  }
  const { callId, call } = found;
  const outcome = dialOutcome({
    dialStatus: input.dialStatus,
    callStatus: input.callStatus,
    dialCallSid: input.dialCallSid,
    acceptedLeg: call.bridge_accepted,
  });
  const to = input.to ?? 'the number';
  deps.log.info('bridge ended', { callId, dialStatus: input.dialStatus, outcome: outcome.kind });
  if (call.bridge_accepted !== undefined) await forgetAcceptance(deps, callId);
  if (outcome.kind === 'caller-gone') {
    await noteOnCall(deps, call, [['system', BRIDGE_NOTES.callerGone(to)]]);
    return emptyResponse();
  }
  const ended = outcome.kind === 'ended';
  await noteOnCall(deps, call, [
    [
      'system',
      ended
        ? BRIDGE_NOTES.ended(to, input.durationSeconds)
        : BRIDGE_NOTES.notAnswered(to, outcome.reason),
    ],
  ]);
  return backOnTheLine(
    deps,
    callId,
    call.language,
    ended ? 'bridgeEnded' : 'notAnswered',
    call.mode === 'human',
  );
}

/** The screening's prompt for the called person; their key press is posted back naming the call. */
export const screenPrompt = (deps: Deps, callHint: string | undefined): string =>
  screeningPrompt(screenUrl(deps.settings.publicBaseUrl, callHint, 'answer'));

export type ScreenAnswer = {
  /** The dialled leg (the called person's call). */
  legSid: string;
  /** The caller's call, as Twilio names the leg's parent. */
  parentSid?: string;
  callHint?: string;
  to?: string;
  digits?: string;
};

/**
 * Answers the called person's key press: 1 connects them (and is recorded on the call, so the
 * bridge's result knows this leg really talked to the caller), anything else hangs their leg up.
 * The record is best effort: a database that cannot be written never keeps help from the caller.
 */
export async function screenAnswer(input: ScreenAnswer, deps: Deps): Promise<string> {
  const twiml = screeningAnswer(input.digits);
  if (input.digits !== ACCEPT_DIGIT || !input.callHint) return twiml;
  try {
    const call = await changeCall(deps.live, input.callHint, (current) =>
      current.status === 'ACTIVE' &&
      !current.purging &&
      (!input.parentSid || current.call_sid === input.parentSid)
        ? { bridge_accepted: input.legSid }
        : undefined,
    );
    if (call)
      await noteOnCall(deps, call, [['system', BRIDGE_NOTES.accepted(input.to ?? 'The number')]]);
  } catch (err) {
    deps.log.error('bridge accepted but not recorded', {
      callId: input.callHint,
      error: String(err),
    });
  }
  return twiml;
}

/**
 * The line after a bridge, then a Gather in the caller's language (as after a take or hand-back);
 * with no language known (the webhook's deadline answer), the site's. `held`: the supervisor who
 * bridged the call still holds it, which the Gather says (core/twiml.ts NextTurn.held).
 */
export function backOnTheLine(
  deps: Deps,
  callId: string | undefined,
  callLanguage: string | undefined,
  line: 'notAnswered' | 'bridgeEnded',
  held: boolean,
): string {
  return speakThenListen(
    deps,
    callId,
    callLanguage,
    SUPERVISOR_LINES_IN[languageOrSite(deps, callLanguage)][line],
    held,
  );
}

/**
 * The answer to the <Dial action> when dialResult is not done by the webhook's deadline
 * (triggers/webhooks.ts): nothing could be read in time, so the caller is listened to again all
 * the same, in the site's language.
 */
export const dialFallback = (
  input: Pick<DialResult, 'callHint' | 'dialStatus'>,
  deps: Deps,
): string =>
  backOnTheLine(
    deps,
    input.callHint,
    undefined,
    input.dialStatus === 'completed' ? 'bridgeEnded' : 'notAnswered',
    // Nothing read in time: a bridge is placed only on a call a supervisor holds.
    true,
  );

/** The answer to the called person's key press when screenAnswer is not done in time: unrecorded, it still connects them or hangs up. */
export const screenAnswerFallback = (input: Pick<ScreenAnswer, 'digits'>): string =>
  screeningAnswer(input.digits);

async function forgetAcceptance(deps: Deps, callId: string): Promise<void> {
  await changeCall(deps.live, callId, (current) =>
    current.bridge_accepted === undefined ? undefined : { bridge_accepted: null },
  ).catch((err: unknown) =>
    deps.log.error('could not clear a bridge acceptance', { callId, error: String(err) }),
  );
}
