/**
 * The steps every conference use case shares: changing the call's record of its conference in
 * one transaction, moving the caller in, bringing them back to Aurora, and the leaving rule (a
 * caller left alone in the conference is returned to someone at once).
 */
import { type LiveCall, paths, siteIso } from '@aurora/model';
import {
  CONFERENCE_NOTES,
  auroraAnswersInConference,
  callerBackNote,
  callerIntoConference,
  callerLeftAlone,
  conferenceChange,
  conferenceName,
  conferenceUrls,
  holderWhoLeft,
  humanHeardIn,
  type MemberEvent,
  stopCallerTranscription,
} from '../core/conference';
import { SUPERVISOR_LINES_IN, VOICES, listenOnly, speakAndListen, voiceFor } from '../core/twiml';
import { retrying } from '../core/retry';
import type { Deps } from '../ports';
import { languageOrSite, listening, noteOnCall, siteLanguage } from './listening';
import { changeCall } from './liveCalls';
import { releaseFields } from '../core/callControl';

export type ConferenceChanged = { before: LiveCall; after: LiveCall };

/**
 * Applies `event` to the call's conference in one transaction on the call node, if `allow`
 * (checked on the call as stored) lets it, with the fields `also` adds (a phone leg's join taking
 * the call, say) when the conference changes. Resolves the call before and after, or null when
 * the call is gone, not allowed, or already says what the event says (a replay).
 */
export async function changeConference(
  deps: Deps,
  callId: string,
  event: MemberEvent,
  allow: (call: LiveCall) => boolean = () => true,
  also: (call: LiveCall, at: string) => Record<string, unknown> | undefined = () => undefined,
): Promise<ConferenceChanged | null> {
  const at = siteIso(deps.clock(), deps.settings.timeZone);
  let before: LiveCall | null = null;
  const after = await changeCall(deps.live, callId, (current) => {
    before = current;
    const change = allow(current) ? conferenceChange(current, callId, event, at) : undefined;
    // `also` sees the call as the event leaves it: a take's own change to the conference (Aurora's
    // words withdrawn, core/callControl.ts takeFields) is made on top of the event's, not lost to it.
    return change && { ...change, ...also({ ...current, ...change }, at) };
  });
  return after ? { before: before!, after } : null;
}

/** The same, for a callback whose record is best effort: a database that refuses is logged, never thrown. */
export async function changeConferenceOrLog(
  deps: Deps,
  callId: string,
  event: MemberEvent,
): Promise<ConferenceChanged | null> {
  try {
    return await changeConference(deps, callId, event);
  } catch (err) {
    deps.log.error('the conference could not be recorded', {
      callId,
      event: event.kind,
      error: String(err),
    });
    return null;
  }
}

/** The caller's recogniser locale: the site's own, or the caller's language's (as the Gather hears them). */
function languageCode(deps: Deps, callLanguage: string | undefined): string {
  const language = languageOrSite(deps, callLanguage);
  return language === siteLanguage(deps) ? deps.settings.speech.language : VOICES[language].gather;
}

/**
 * The call update that moves the caller into the call's conference, in their language: "connecting
 * you" when someone will talk with them, or, moved in for listeners on a call nobody holds (Aurora
 * answers them there), that Aurora is still with them, since the move cut off what she was saying.
 */
export function callerConferenceTwiml(
  deps: Deps,
  callId: string,
  call: Pick<LiveCall, 'language' | 'conference' | 'mode' | 'admin_id'>,
): string {
  const language = languageOrSite(deps, call.language);
  const lines = SUPERVISOR_LINES_IN[language];
  return callerIntoConference({
    callId,
    baseUrl: deps.settings.publicBaseUrl,
    name: call.conference?.name ?? conferenceName(callId),
    line: auroraAnswersInConference(call) ? lines.stillWithYou : lines.connecting,
    voice: voiceFor({ language, speech: deps.settings.speech }),
    languageCode: languageCode(deps, call.language),
  });
}

/**
 * Moves the caller into the conference (a call update: https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource).
 * When Twilio refuses or no longer has the call, the record is put back (the caller is not in,
 * and `leg` is not joined) and why is resolved; the caller stays where they were.
 */
export async function bringCallerIn(
  deps: Deps,
  callId: string,
  call: LiveCall,
  leg: string,
): Promise<{ ok: true } | { ok: false; gone: boolean; reason: string }> {
  let refused: { ok: false; gone: boolean; reason: string };
  try {
    const outcome = await deps.voice.redirect(
      call.call_sid,
      callerConferenceTwiml(deps, callId, call),
    );
    if (outcome === 'done') return { ok: true };
    refused = { ok: false, gone: true, reason: 'the caller has hung up' };
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    deps.log.error('could not move the caller into the conference', { callId, error: reason });
    refused = { ok: false, gone: false, reason };
  }
  await changeConferenceOrLog(deps, callId, { kind: 'move-failed', leg });
  return refused;
}

/**
 * The caller back from the conference: their transcription stopped (Aurora's Gather hears them
 * again, so no words are transcribed twice), a line in their language, and a Gather. With
 * Aurora ("Aurora here again"), or with the supervisor who holds the call and types (that the
 * other call ended; Aurora does not answer while a human holds the call). When no human voice
 * reached them in the conference (supervisors only listened to Aurora): no line at all with
 * Aurora, who never left them, and that a supervisor is with them when one took the call by typing.
 */
export function backWithAurora(
  deps: Deps,
  callId: string | undefined,
  call: Pick<LiveCall, 'language' | 'mode' | 'conference'> | undefined,
): string {
  const language = languageOrSite(deps, call?.language);
  const lines = SUPERVISOR_LINES_IN[language];
  const listen = listening(deps, [], { call: callId, language, held: call?.mode === 'human' });
  const stop = callId ? stopCallerTranscription(callId) : undefined;
  const heard = !call || humanHeardIn(call.conference);
  if (call?.mode === 'human')
    return speakAndListen(heard ? lines.bridgeEnded : lines.supervisorJoined, listen, stop);
  return heard ? speakAndListen(lines.aiBack, listen, stop) : listenOnly(listen, stop);
}

/**
 * Ends the call's conference, dropping every leg in it: by the ConferenceSid Twilio reported,
 * else the one running under the call's conference name. 'none' when no such conference runs
 * (the caller is not in one); 'unreachable' when Twilio could not be asked.
 */
export async function endConferenceOf(
  deps: Deps,
  callId: string,
  call: LiveCall,
): Promise<'ended' | 'none' | 'unreachable'> {
  const conference = call.conference;
  if (!conference) return 'none';
  try {
    if (conference.sid && (await deps.voice.endConference(conference.sid)) === 'done')
      return 'ended';
    const running = await deps.voice.conferenceSid(conference.name);
    if (running && running !== conference.sid)
      return (await deps.voice.endConference(running)) === 'done' ? 'ended' : 'none';
    return 'none';
  } catch (err) {
    deps.log.error('could not end the conference', { callId, error: String(err) });
    return 'unreachable';
  }
}

/**
 * Whether the caller's own line has ended (they hung up): the call is recorded ended, or Twilio
 * says so. A Twilio that cannot be asked counts as the caller still there, as before.
 */
export async function callerLineEnded(deps: Deps, call: LiveCall): Promise<boolean> {
  if (call.status !== 'ACTIVE') return true;
  try {
    return (await deps.voice.status(call.call_sid)) === 'ended';
  } catch (err) {
    deps.log.error("could not ask Twilio about the caller's line", { error: String(err) });
    return false;
  }
}

/**
 * The caller hung up while in the conference: out of it in the record, every leg there dropping
 * with it (the caller ends the conference on leaving), and the transcript says they hung up,
 * once, whichever of the callbacks that can tell (their participant-leave, the conference's end,
 * their status callback, the leaving rule) comes first. Resolves whether this one recorded it.
 */
export async function recordCallerHungUp(
  deps: Deps,
  callId: string,
  conferenceSid?: string,
): Promise<boolean> {
  const changed = await changeConferenceOrLog(deps, callId, {
    kind: 'conference-ended',
    ...(conferenceSid ? { sid: conferenceSid } : {}),
  });
  if (!changed?.before.conference?.caller_in) return false;
  await noteOnCall(deps, changed.after, [['system', CONFERENCE_NOTES.callerHungUp]]);
  return true;
}

/** The leaving rule could not return a caller left alone: neither ending the conference nor moving them worked. */
export class LeavingRuleFailed extends Error {
  constructor(callId: string, cause: unknown) {
    super(`the caller of ${callId} is alone in the conference and could not be moved back`, {
      cause,
    });
    this.name = 'LeavingRuleFailed';
  }
}

/**
 * What the leaving rule found: the caller stays where they are (someone they hear is in the
 * conference with them, or they are not in it), is being returned to Aurora or the holder
 * (`returning`), or has hung up (`hung-up`, noted).
 */
export type LeavingOutcome = 'stays' | 'returning' | 'hung-up';

/**
 * The leaving rule: when nobody the caller hears is left in the conference with them (no human,
 * or only listeners joined muted, who drop with it), the conference ends, and Twilio requests the
 * caller's <Dial action> (/twilio/rejoin), which returns them to Aurora or to the supervisor who
 * holds the call. When Twilio cannot end it, the caller is moved out directly by a call update;
 * when that fails too, it throws LeavingRuleFailed (the sweeper tries again). A caller who has hung up is noted so, and never
 * said to be back with anyone.
 */
export async function endIfCallerAlone(
  deps: Deps,
  callId: string,
  call: LiveCall,
): Promise<LeavingOutcome> {
  if (!callerLeftAlone(call)) return 'stays';
  if (call.status !== 'ACTIVE') {
    await recordCallerHungUp(deps, callId);
    return 'hung-up';
  }
  const ended = await endConferenceOf(deps, callId, call);
  if (ended === 'ended') return 'returning';
  if (ended === 'unreachable') {
    try {
      const moved = await deps.voice.redirect(call.call_sid, backWithAurora(deps, callId, call));
      if (moved === 'gone') {
        await recordCallerHungUp(deps, callId);
        return 'hung-up';
      }
    } catch (err) {
      // Never reported as done: the caller has not moved. The webhook answers 500 and the
      // sweeper's re-check (calls/sweepCalls.ts) applies the rule again.
      deps.log.error('a caller left alone in the conference could not be moved back', {
        callId,
        error: String(err),
      });
      throw new LeavingRuleFailed(callId, err);
    }
  } else if (await callerLineEnded(deps, call)) {
    // No conference runs any more, and the caller's line has ended: they hung up (their own
    // participant-leave, which says so, has not been handled yet).
    await recordCallerHungUp(deps, callId);
    return 'hung-up';
  }
  const changed = await changeConferenceOrLog(deps, callId, { kind: 'conference-ended' });
  const note = changed?.before.conference?.caller_in ? callerBackNote(changed.after) : null;
  if (note) await noteOnCall(deps, changed!.after, [['system', note]]);
  return 'returning';
}

/**
 * The caller is out of the conference and the holder's voice had left them with someone else
 * who has gone too (a warm transfer: core/conference.ts holderWhoLeft): the call goes back to
 * Aurora, in a transaction on the call as stored, and the transcript says why. Resolves the call
 * as it is now, and whether this handed it back (a second callback finds it handed back already).
 * A database that refuses leaves the call with the holder, as before, and is logged.
 */
export async function handBackIfHolderLeft(
  deps: Deps,
  callId: string,
  call: LiveCall,
): Promise<{ call: LiveCall; handedBack: boolean }> {
  if (!holderWhoLeft(call)) return { call, handedBack: false };
  let seen = call;
  let holder: string | null = null;
  const changed = await changeCall(deps.live, callId, (current) => {
    seen = current;
    holder = holderWhoLeft(current);
    return holder ? releaseFields() : undefined;
  }).catch((err: unknown) => {
    deps.log.error('could not hand back a call whose holder had left the conference', {
      callId,
      error: String(err),
    });
    return null;
  });
  if (!changed || !holder) return { call: seen, handedBack: false };
  await noteOnCall(deps, changed, [['system', CONFERENCE_NOTES.holderHadLeft(holder)]]);
  return { call: changed, handedBack: true };
}

/** The conference's sid as Twilio reported it, else as Twilio finds it by name (and then kept); null when none runs. */
export async function conferenceSidOf(
  deps: Deps,
  callId: string,
  call: LiveCall,
): Promise<string | null> {
  if (!call.conference) return null;
  if (call.conference.sid) return call.conference.sid;
  const sid = await deps.voice.conferenceSid(call.conference.name);
  if (sid)
    await changeConferenceOrLog(deps, callId, { kind: 'conference-started', sid, running: sid });
  return sid;
}

/**
 * What became of words to be spoken into the conference: announced (Twilio accepted them), or
 * not said at all: no conference runs (`not-running`), the call no longer allows them
 * (`not-kept`: the caller is out, or, for Aurora's reply, someone took the call), Twilio says the
 * conference has ended (`ended`), or Twilio refused or could not be reached (`failed`).
 */
export type Announced =
  | { kind: 'announced' }
  | { kind: 'not-running' }
  | { kind: 'not-kept' }
  | { kind: 'ended' }
  | { kind: 'failed'; error: unknown };

/**
 * Speaks `text` into the call's conference: a supervisor's typed words (calls/controlCall.ts) or
 * Aurora's reply (steps/conferenceReply.ts). A call update would take the caller out of the
 * conference, so Twilio plays the words from the conference's AnnounceUrl
 * (https://www.twilio.com/docs/voice/api/conference-resource#update-a-conference-resource,
 * AnnounceUrl), which /twilio/announce answers in the caller's voice. The words wait on the call
 * under a random key (a push id's random part), kept only if `keepIf` holds of the call as stored
 * (in one transaction); only the key rides in the URL, which request logs keep. Words Twilio will
 * not ask for are removed again.
 */
export async function announceIntoConference(
  deps: Deps,
  callId: string,
  call: LiveCall,
  text: string,
  keepIf: (current: LiveCall) => boolean = (current) => !!current.conference?.caller_in,
  /** Aurora's reply: marked hers on the call, so it is never spoken while someone holds it. */
  byAurora = false,
): Promise<Announced> {
  const key = deps.messageKey(deps.clock().getTime());
  const url = conferenceUrls(deps.settings.publicBaseUrl, callId).announce(key);
  let kept = false;
  try {
    const sid = await conferenceSidOf(deps, callId, call);
    if (!sid) return { kind: 'not-running' };
    // Kept under one key, in a transaction: tried again when refused for a moment, so a database
    // blip does not turn a reply the caller should hear into one they never do.
    kept = await retrying(() => keepAnnouncement(deps, callId, key, text, keepIf, byAurora));
    if (!kept) return { kind: 'not-kept' };
    if ((await deps.voice.announceToConference(sid, url)) === 'done') return { kind: 'announced' };
    await dropAnnouncement(deps, callId, key);
    return { kind: 'ended' };
  } catch (err) {
    if (kept) await dropAnnouncement(deps, callId, key);
    return { kind: 'failed', error: err };
  }
}

/**
 * Aurora's reply to words at a Gather, composed while a listener's join moved the caller into the
 * conference (recorded as possibly unheard: core/turnPlan.ts cutOffByMove). The move dropped the
 * TwiML that would have said it, and Aurora in the conference answers only words transcribed
 * there, so it is announced now, while Aurora is still the caller's voice there, or the caller's
 * words would go unanswered. Not said because no conference runs, or it ended, or Twilio refused:
 * the transcript says so. Not kept because the caller is out after all (the move failed: Twilio
 * says the TwiML), or a supervisor took the call (they answer): the line above already says
 * it may not have been heard.
 */
export async function announceMovedReply(
  deps: Deps,
  callId: string,
  call: LiveCall,
  text: string,
): Promise<Announced> {
  const announced = await announceIntoConference(
    deps,
    callId,
    call,
    text,
    auroraAnswersInConference,
  );
  if (announced.kind === 'announced' || announced.kind === 'not-kept') return announced;
  deps.log.warn("Aurora's reply cut off by the move into the conference was not spoken", {
    callId,
    outcome: announced.kind,
  });
  await noteOnCall(deps, call, [
    ['system', CONFERENCE_NOTES.replyNotSpoken(notSpokenBecause(announced))],
  ]);
  return announced;
}

/** Why Aurora's reply was not said, as the transcript's line gives it. */
export function notSpokenBecause(
  announced: Exclude<Announced, { kind: 'announced' }> | { kind: 'out-of-time' },
): string {
  switch (announced.kind) {
    case 'not-running':
      return "the call's conference is not running";
    case 'not-kept':
      return 'the caller left the conference, or a supervisor took the call, meanwhile';
    case 'ended':
      return 'the conference had just ended';
    case 'out-of-time':
      return 'no time was left to say it before the webhook answered Twilio';
    case 'failed': {
      const { error } = announced;
      return `Twilio did not take it: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
}

/** Keeps words on the call's conference under `key` until /twilio/announce reads them, if `keepIf` allows it on the call as stored. */
async function keepAnnouncement(
  deps: Deps,
  callId: string,
  key: string,
  text: string,
  keepIf: (current: LiveCall) => boolean,
  byAurora: boolean,
): Promise<boolean> {
  const kept = await changeCall(deps.live, callId, (current) =>
    current.conference?.caller_in && keepIf(current)
      ? {
          conference: {
            ...current.conference,
            announcements: { ...current.conference.announcements, [key]: text },
            ...(byAurora
              ? {
                  aurora_announcements: {
                    ...current.conference.aurora_announcements,
                    [key]: true as const,
                  },
                }
              : {}),
          },
        }
      : undefined,
  );
  return kept !== null;
}

/** Words Twilio will not ask for (it refused the announcement): not kept. Best effort: the conference's end drops them too. */
async function dropAnnouncement(deps: Deps, callId: string, key: string): Promise<void> {
  await deps.live
    .update({
      [`${paths.call(callId)}/conference/announcements/${key}`]: null,
      [`${paths.call(callId)}/conference/aurora_announcements/${key}`]: null,
    })
    .catch((err: unknown) =>
      deps.log.error('could not drop words Twilio refused to announce', {
        callId,
        error: String(err),
      }),
    );
}
