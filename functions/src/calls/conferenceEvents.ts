/**
 * What Twilio says about a call's conference: its status callback (started, ended, each leg
 * joining, leaving, muted), and the caller's <Dial action> when the conference is over for them
 * (/twilio/rejoin), which returns them to Aurora, or to the supervisor who holds the call.
 */
import {
  CONFERENCE_NOTES,
  announcement,
  callerBackNote,
  callerCompanyAt,
  callerLeftAlone,
  type RunningConference,
} from '../core/conference';
import { holderOf } from '../core/callControl';
import { conversationIdOf } from '../core/ids';
import { retrying } from '../core/retry';
import { emptyResponse, voiceFor } from '../core/twiml';
import type { Deps } from '../ports';
import { type LiveCall, paths } from '@aurora/model';
import {
  backWithAurora,
  callerLineEnded,
  changeConference,
  changeConferenceOrLog,
  endIfCallerAlone,
  handBackIfHolderLeft,
  recordCallerHungUp,
} from '../steps/conference';
import { languageOrSite, noteOnCall } from '../steps/listening';
import { findCallBySid, readCall } from '../steps/liveCalls';
import { noteEnded, recheckCallerCompany, settleEndedLegs } from '../steps/legs';

export type ConferenceEvent = {
  callId: string;
  /**
   * StatusCallbackEvent: conference-start, conference-end, participant-join, participant-leave,
   * participant-mute, participant-unmute, … (https://www.twilio.com/docs/voice/twiml/conference, "statusCallback" parameters).
   */
  event: string;
  conferenceSid: string;
  /** The participant's call, on participant events. */
  callSid?: string;
  /**
   * On participant-leave, the participant's own call status: `completed` when they hung up,
   * `in-progress` when they were moved out or the conference ended under them
   * (ParticipantCallStatus: no-answer, busy, in-progress, failed, canceled or completed, sent on
   * participant-leave: https://www.twilio.com/docs/voice/twiml/conference, "statusCallback"
   * parameters; https://www.twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added).
   */
  participantCallStatus?: string;
  /** Twilio's Timestamp of the event (RFC 2822). */
  timestamp?: string;
};

/**
 * The conference's status callback. Its sid is kept (muting and ending need it); a human leg
 * leaving is recorded and the leaving rule applied; the conference ending puts the caller out
 * of it in the record (their <Dial action> brings them back); mute events record who is muted.
 * The caller's own join is checked: a caller who arrives with no human left (the one who
 * brought them dropped meanwhile) is returned at once. Out-of-order and repeated events change
 * nothing twice.
 */
export async function conferenceEvent(input: ConferenceEvent, deps: Deps): Promise<void> {
  const { callId, conferenceSid: sid, callSid } = input;
  // A join says which conference runs (handled below); a leave or mute of another is dropped.
  const leaveOrMute = input.event.startsWith('participant-') && input.event !== 'participant-join';
  if (leaveOrMute && (await ofAnotherConferenceNow(deps, callId, sid))) return;
  switch (input.event) {
    case 'conference-start': {
      // A late start of an earlier conference must not point the call at it (core/conference.ts ofAnotherConference).
      const call = await readCall(deps.live, callId, deps.log).catch(() => null);
      await changeConferenceOrLog(deps, callId, {
        kind: 'conference-started',
        sid,
        ...(await runningConference(deps, callId, call, sid)),
      });
      return;
    }
    case 'conference-end': {
      // Whichever comes first, this or the caller's <Dial action>, says where the caller is now:
      // back with someone, or, when their line has ended, that they hung up.
      const changed = await changeConferenceOrLog(deps, callId, {
        kind: 'conference-ended',
        sid,
        ...(input.timestamp ? { endedAt: input.timestamp } : {}),
      });
      if (!changed?.before.conference?.caller_in) return;
      if (await callerLineEnded(deps, changed.after)) {
        await noteOnCall(deps, changed.after, [['system', CONFERENCE_NOTES.callerHungUp]]);
        return;
      }
      // A holder whose voice had left (a warm transfer) does not get the caller back: Aurora does.
      const back = await handBackIfHolderLeft(deps, callId, changed.after);
      if (back.handedBack) return;
      // None when Aurora was the caller's voice all along: each listener's leaving was noted.
      const note = callerBackNote(back.call);
      if (note) await noteOnCall(deps, back.call, [['system', note]]);
      return;
    }
    case 'participant-join': {
      if (!callSid) return;
      const call = await readCall(deps.live, callId, deps.log);
      if (!call) return;
      const running = await runningConference(deps, callId, call, sid);
      if (callSid === call.call_sid) return callerJoined(deps, callId, sid, running);
      await changeConferenceOrLog(deps, callId, { kind: 'conference-started', sid, ...running });
      return;
    }
    case 'participant-leave': {
      if (!callSid) return;
      // Retried here, then not best effort: Twilio retries a callback only on a failed
      // connection by default (Retry Policy `rp`, default `ct`:
      // https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides), and a browser
      // leg has no status callback, so this is the only word of the last human leaving. A
      // database refusing once must not leave the caller in silence until the sweeper's re-check
      // (recheckCallerCompany, calls/sweepCalls.ts), the retry of last resort once this answers 500.
      const changed = await retrying(() =>
        changeConference(deps, callId, { kind: 'ended', leg: callSid, outcome: 'left' }),
      ).catch(async (err: unknown) => {
        // Still unrecorded: Twilio itself says whether the caller is now alone. The 500 stands.
        await endIfAloneAtTwilio(deps, callId, sid, callSid);
        throw err;
      });
      // Not a human leg still joined: a replay, a leg never heard of, or the caller's own leave.
      if (!changed) return callerLeft(deps, callId, sid, callSid, input.participantCallStatus);
      // The record may still list as joined a leg whose own leave it could not record (the
      // database refused that callback, which Twilio does not retry): the leaving rule must not
      // count it as the caller's company, so any leg still keeping the caller company is
      // checked with Twilio first.
      const after = await settleLegsKeepingCompany(deps, callId, changed.after);
      // A caller who hung up dropped every leg with them: that is the note, not each leg leaving.
      if ((await endIfCallerAlone(deps, callId, after)) === 'hung-up') return;
      await noteEnded(deps, { ...changed, after }, callSid);
      return;
    }
    case 'participant-mute':
    case 'participant-unmute':
      if (!callSid) return;
      await changeConferenceOrLog(deps, callId, {
        kind: 'muted',
        leg: callSid,
        muted: input.event === 'participant-mute',
      });
      return;
    default:
      return;
  }
}

/**
 * What Twilio lists running under the call's conference name, asked only when `sid` is not the
 * conference the record names (core/conference.ts RunningConference); nothing when it need not
 * or cannot be asked.
 */
async function runningConference(
  deps: Deps,
  callId: string,
  call: LiveCall | null,
  sid: string,
): Promise<RunningConference> {
  const conference = call?.conference;
  if (!conference || conference.sid === sid) return {};
  try {
    return { running: await deps.voice.conferenceSid(conference.name) };
  } catch (err) {
    deps.log.warn('could not ask Twilio which conference of the call runs', {
      callId,
      error: String(err),
    });
    return {};
  }
}

/**
 * Whether a participant's leave or mute names a conference other than the one recorded for the
 * call (a late callback of an earlier conference): it changes nothing. When Twilio lists it as the
 * one running, the record named a stale one: it is corrected and the event handled, so that the
 * live conference's leaves are never dropped (the leaving rule must see them). A call that
 * cannot be read, or names no conference yet, is not judged here.
 */
async function ofAnotherConferenceNow(deps: Deps, callId: string, sid: string): Promise<boolean> {
  const call = await readCall(deps.live, callId, deps.log).catch(() => null);
  const stored = call?.conference?.sid;
  if (stored === undefined || stored === sid) return false;
  const running = await runningConference(deps, callId, call, sid);
  if (running.running !== sid) return true;
  await changeConferenceOrLog(deps, callId, { kind: 'conference-started', sid, ...running });
  return false;
}

/**
 * The leaving rule for a participant-leave the database refused to record, judged from Twilio's
 * participant list instead of the record (core/conference.ts callerCompanyAt): a caller left
 * with nobody they hear has the conference ended, so their <Dial action> brings them back to
 * Aurora, which works even while the call cannot be read (rejoin). If Twilio cannot end it, the
 * caller, found in the list, is moved back by a call update. If Twilio cannot be asked either,
 * it is logged: the sweeper's re-check is the last resort.
 */
async function endIfAloneAtTwilio(
  deps: Deps,
  callId: string,
  sid: string,
  leftLeg: string,
): Promise<void> {
  let participants: Awaited<ReturnType<Deps['voice']['participants']>>;
  try {
    participants = await deps.voice.participants(sid);
  } catch (err) {
    deps.log.error('a leave could not be recorded nor checked with Twilio; the sweeper re-checks', {
      callId,
      error: String(err),
    });
    return;
  }
  // Whether someone holds the call, as the leaving rule asks (a listener keeps an Aurora-answered
  // call's conference going); unknown when the call cannot be read either: the conference ends.
  const call = await readCall(deps.live, callId, deps.log).catch(() => null);
  const held = call ? holderOf(call) !== null : true;
  if (callerCompanyAt(participants, leftLeg, held) !== 'alone') return;
  deps.log.error('a leave could not be recorded and the caller is alone: ending the conference', {
    callId,
  });
  try {
    // Done, or gone (it ended meanwhile): either way the caller's <Dial action> runs.
    await deps.voice.endConference(sid);
    return;
  } catch (err) {
    deps.log.error('could not end the conference; moving the caller back', {
      callId,
      error: String(err),
    });
  }
  const caller = participants.find((p) => p.endConferenceOnExit && p.status === 'connected');
  if (!caller) return;
  await deps.voice
    .redirect(caller.callSid, backWithAurora(deps, callId, call ?? undefined))
    .catch((err: unknown) =>
      deps.log.error('a caller alone in the conference could not be moved back', {
        callId,
        error: String(err),
      }),
    );
}

/**
 * The caller's own participant-leave. It ends the conference (they joined with
 * endConferenceOnExit), and every leg drops with it. When their call has ended
 * (ParticipantCallStatus completed, or another final status) they hung up: they are out of it in
 * the record and the transcript says so. Otherwise they were moved out (a hand-back's call
 * update) or the conference ended under them: the conference's end, or their <Dial action>, says
 * where they are now.
 */
async function callerLeft(
  deps: Deps,
  callId: string,
  sid: string,
  callSid: string,
  participantCallStatus: string | undefined,
): Promise<void> {
  if (!participantCallStatus || !CALLER_GONE.has(participantCallStatus)) return;
  const call = await readCall(deps.live, callId, deps.log).catch((err: unknown) => {
    deps.log.error('could not read the call at a participant-leave', {
      callId,
      error: String(err),
    });
    return null;
  });
  if (call?.call_sid === callSid) await recordCallerHungUp(deps, callId, sid);
}

/**
 * The caller joined the conference. Each human leg recorded as in it is checked with Twilio: one
 * whose call has ended never reached the conference (its request was answered, then it dropped,
 * so no participant-leave will come) and has left. If nobody is left, the leaving rule returns
 * the caller at once rather than leave them in a silent conference (muted listeners are no company).
 */
async function callerJoined(
  deps: Deps,
  callId: string,
  sid: string,
  running: RunningConference,
): Promise<void> {
  // A late join of an ended conference changes nothing (core/conference.ts ofAnotherConference).
  const changed = await changeConferenceOrLog(deps, callId, {
    kind: 'caller-joined',
    sid,
    ...running,
  });
  const call = changed?.after ?? (await readCall(deps.live, callId, deps.log));
  if (!call) return;
  await recheckCallerCompany(deps, callId, call);
}

/**
 * After a human leg left: when the record says the caller still has someone with them in the
 * conference, those legs are checked with Twilio (settleEndedLegs), since a leave the database
 * refused is not sent again and would keep a leg that has gone in the record as the caller's
 * company. When the record already says they are alone (or out), nothing is asked.
 */
async function settleLegsKeepingCompany(
  deps: Deps,
  callId: string,
  call: LiveCall,
): Promise<LiveCall> {
  if (!call.conference?.caller_in || callerLeftAlone(call)) return call;
  return settleEndedLegs(deps, callId, call);
}

/** The parent call's own statuses that mean the caller is gone (as for a bridge: core/bridge.ts). */
const CALLER_GONE = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export type Rejoin = {
  /** The caller's call. */
  callSid: string;
  /** The call id the action URL names. */
  callHint?: string;
  /** The caller's own CallStatus: completed when they hung up. */
  callStatus?: string;
};

/**
 * The caller's <Dial action>: the conference is over for them (it ended, or they left it).
 * Twilio requests it either way (https://www.twilio.com/docs/voice/twiml/dial#action; a dialled
 * conference reports DialCallStatus `answered`). A caller who hung up gets nothing; anyone else
 * hears that Aurora (or the supervisor who holds the call) is back with them, and is listened to
 * again, their transcription stopped so their words are not recorded twice. A call that cannot be
 * read does not keep a caller still on the line from being listened to.
 */
export async function rejoin(input: Rejoin, deps: Deps): Promise<string> {
  const gone = input.callStatus !== undefined && CALLER_GONE.has(input.callStatus);
  let found: Awaited<ReturnType<typeof findCallBySid>>;
  try {
    found = await findCallBySid(deps.live, input.callSid, deps.log, input.callHint);
  } catch (err) {
    deps.log.error('rejoin: the call could not be read; the caller is listened to again', {
      callSid: input.callSid,
      error: String(err),
    });
    return gone ? emptyResponse() : backWithAurora(deps, input.callHint, undefined);
  }
  if (!found || found.call.status !== 'ACTIVE' || found.call.purging) {
    if (gone) return emptyResponse();
    deps.log.warn('rejoin for a call that is not live; the caller is listened to again', {
      callSid: input.callSid,
    });
    return backWithAurora(deps, input.callHint, found?.call);
  }
  const { callId } = found;
  const changed = await changeConferenceOrLog(deps, callId, { kind: 'conference-ended' });
  const call = changed?.after ?? found.call;
  const wasIn = changed?.before.conference?.caller_in === true;
  if (gone) {
    if (wasIn) await noteOnCall(deps, call, [['system', CONFERENCE_NOTES.callerHungUp]]);
    return emptyResponse();
  }
  // Checked whichever of this and the conference's end comes first: the caller must not hear
  // the line of a holder whose voice had left them (the hand-back is one transaction, done once).
  const back = await handBackIfHolderLeft(deps, callId, call);
  const note = wasIn && !back.handedBack ? callerBackNote(back.call) : null;
  if (note) await noteOnCall(deps, back.call, [['system', note]]);
  return backWithAurora(deps, callId, back.call);
}

/** The answer to the <Dial action> when rejoin is not done by the webhook's deadline: the caller is listened to again all the same. */
export const rejoinFallback = (input: Pick<Rejoin, 'callHint'>, deps: Deps): string =>
  backWithAurora(deps, input.callHint, undefined);

/**
 * The conference's AnnounceUrl (/twilio/announce?call=…&key=…): a supervisor's typed words, or
 * Aurora's reply, kept on the call under the key (steps/conference.ts announceIntoConference;
 * never in the URL), said into the conference in the caller's voice, then deleted. An unknown key
 * (spoken already, or the conference has ended) says nothing. Aurora's reply is not said once
 * someone holds the call (the take removed its words, or the holder took it meanwhile): the
 * transcript says so. One Twilio is already playing cannot be cut (docs/supervisor-voice.md).
 */
export async function announce(
  input: { callId: string; key: string },
  deps: Deps,
): Promise<string> {
  // Tried again briefly (about 160 ms in all, well within the webhook's deadline): the
  // transcript already has the words as said, so one failed read must not silence them.
  const call = await retrying(() => readCall(deps.live, input.callId, deps.log)).catch(
    async (err: unknown) => {
      deps.log.error('announce: the call could not be read; nothing said', {
        callId: input.callId,
        error: String(err),
      });
      // The words are not known here (they are on the call): the record is corrected all the same.
      await noteOnCall(deps, { conversation_id: conversationIdOf(input.callId) }, [
        ['system', CONFERENCE_NOTES.notAnnounced],
      ]);
      return null;
    },
  );
  const text = call?.conference?.announcements?.[input.key];
  const byAurora = call?.conference?.aurora_announcements?.[input.key] === true;
  const spoken = {
    [`${paths.call(input.callId)}/conference/announcements/${input.key}`]: null,
    ...(byAurora
      ? { [`${paths.call(input.callId)}/conference/aurora_announcements/${input.key}`]: null }
      : {}),
  };
  // Aurora never speaks while a human holds the call (DESIGN): her reply, taken over before
  // Twilio asked for it (the take removed its words, or holds the call now), is not said.
  if (call && byAurora && (text === undefined || holderOf(call) !== null)) {
    deps.log.warn("announce: a supervisor holds the call; Aurora's reply not said", {
      callId: input.callId,
    });
    await deps.live.update(spoken).catch((err: unknown) =>
      deps.log.error("announce: could not delete Aurora's unsaid reply", {
        callId: input.callId,
        error: String(err),
      }),
    );
    await noteOnCall(deps, call, [
      [
        'system',
        CONFERENCE_NOTES.replyNotSpoken('a supervisor took the call before it was played'),
      ],
    ]);
    return emptyResponse();
  }
  if (text === undefined) {
    deps.log.warn('announce: no typed words under this key; nothing said', {
      callId: input.callId,
    });
    return emptyResponse();
  }
  await deps.live.update(spoken).catch((err: unknown) =>
    deps.log.error('announce: could not delete the spoken words; the conference end does', {
      callId: input.callId,
      error: String(err),
    }),
  );
  const language = languageOrSite(deps, call?.language);
  return announcement(text, voiceFor({ language, speech: deps.settings.speech }));
}
