import { taskIds } from '@aurora/model/tasks';
import {
  CONTROL_NOTES,
  HOLDER_FIELDS,
  ackFields,
  bridgeRefusal,
  holderOf,
  matchesEveryNumber,
  refusal,
  releaseFields,
  takeFields,
  type Admin,
  type Refusal,
} from '../core/callControl';
import { AuroraError } from '../core/errors';
import { bySupervisor } from '../core/callUrgency';
import {
  type CallAction,
  type ConferenceMember,
  type Language,
  type LiveCall,
  type Role,
  orderedMessages,
  paths,
  siteIso,
} from '@aurora/model';
import {
  BRIDGE_RING_SECONDS,
  SUPERVISOR_LINES_IN,
  bridgeUrls,
  speakAndDial,
  speakAndListen,
  speakable,
  voiceFor,
} from '../core/twiml';
import type { Deps } from '../ports';
import { enqueueArchive } from '../steps/archiving';
import { endCallNow } from '../steps/ending';
import { languageOrSite, listening, noteOnCall, speakThenListen } from '../steps/listening';
import { changeCall, readCall, readConversation } from '../steps/liveCalls';
import { retrying } from '../core/retry';
import {
  CONFERENCE_NOTES,
  type MemberRole,
  type MemberState,
  callerIsWith,
  auroraAnswersInConference,
  callerLeftAlone,
  conferenceUrls,
  legEndedNote,
  legScreening,
  ownLegs,
  stopCallerTranscription,
} from '../core/conference';
import { briefOf, readyLine } from '../core/brief';
import {
  announceIntoConference,
  changeConference,
  changeConferenceOrLog,
  conferenceSidOf,
  endConferenceOf,
  endIfCallerAlone,
} from '../steps/conference';

export type ControlResult = { ok: true; reached: boolean } | ({ ok: false } & Refusal);

const GONE_FROM_LIVE: Refusal = { code: 'not-found', message: 'This call is no longer live.' };

const GONE: Refusal = {
  code: 'failed-precondition',
  message: 'The caller is no longer connected.',
};

/** Twilio refused or could not be reached: the admin reads why, and that the call is as it was. */
const notDone = (err: unknown): Refusal => {
  if (!(err instanceof AuroraError)) throw err;
  return {
    code: err.retryable ? 'unavailable' : 'failed-precondition',
    message: `${err.message}. Nothing changed on the call.`,
  };
};

/**
 * An admin's action on a live call. Taking and handing back change the call in a transaction,
 * so two admins cannot hold one call; what the caller hears goes through Twilio first, and
 * only what was spoken is recorded. When Twilio refuses, the call is left as it was and the
 * admin is told why. `reached` is false when Twilio no longer had the call.
 */
export async function controlCall(
  action: CallAction,
  admin: Admin,
  deps: Deps,
): Promise<ControlResult> {
  switch (action.action) {
    case 'ack': {
      const changed = await changeHolder(deps, action.callId, 'ack', admin);
      if (!changed.ok) return changed;
      // An ended call was kept live until someone acknowledged it: it can now be archived and purged.
      if (changed.call.status === 'ENDED') {
        await enqueueArchive(
          deps,
          action.callId,
          taskIds.acknowledged(
            action.callId,
            changed.call.acknowledged_at ?? siteIso(deps.clock(), deps.settings.timeZone),
          ),
        );
      }
      return { ok: true, reached: changed.call.status === 'ACTIVE' };
    }
    case 'urgency': {
      // The supervisor has judged the call: it is acknowledged at the urgency they set.
      const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
      let refused: Refusal | null = null;
      let from: LiveCall['urgency'] | null = null;
      const changed = await changeCall(deps.live, action.callId, (current) => {
        refused = refusal(current, 'urgency', admin);
        if (refused) return undefined;
        from = current.urgency;
        const fields = bySupervisor(current, action.urgency, action.reason, admin.id, nowIso);
        // Acknowledged at exactly this level: a later rise above it is a new alarm.
        return {
          ...fields,
          acknowledged_by: admin.id,
          acknowledged_at: nowIso,
          acknowledged_urgency: action.urgency,
        };
      });
      if (!changed) return { ok: false, ...((refused as Refusal | null) ?? GONE_FROM_LIVE) };
      if (from !== action.urgency)
        await noteOnCall(deps, changed, [
          ['system', CONTROL_NOTES.urgency(admin, from!, action.urgency, action.reason)],
        ]);
      if (changed.status === 'ENDED')
        await enqueueArchive(
          deps,
          action.callId,
          taskIds.acknowledged(action.callId, changed.acknowledged_at ?? nowIso),
        );
      return { ok: true, reached: changed.status === 'ACTIVE' };
    }
    case 'take':
    case 'release': {
      const changed = await takeOrRelease(deps, action.callId, action.action, admin);
      return changed.ok ? { ok: true, reached: changed.reached } : changed;
    }
    case 'callme':
      return callMe(deps, action.callId, admin);
    case 'transfer':
      return transfer(deps, action.callId, action.to, admin);
    case 'mute':
      return muteOwnLegs(deps, action.callId, action.muted, admin);
    case 'leave':
      return leaveConference(deps, action.callId, admin);
    case 'say': {
      const call = await callFor(deps, action.callId, 'say', admin);
      if ('code' in call) return { ok: false, ...call };
      const text = speakable(action.text);
      // Only control characters: spoken as nothing, recorded as an empty line. Refused before anything is sent.
      if (text === '') return { ok: false, ...NOTHING_TO_SAY };
      if (call.conference?.caller_in) return sayIntoConference(deps, action.callId, call, text);
      return speak(deps, call, backToGather(deps, action.callId, call, text, true), [
        ['admin', text],
      ]);
    }
    case 'bridge': {
      const call = await callFor(deps, action.callId, 'bridge', admin);
      if ('code' in call) return { ok: false, ...call };
      const { bridge, escalation, publicBaseUrl } = deps.settings;
      const refused = bridgeRefusal(action.to, bridge.allowed, escalation.onCallNumbers);
      if (refused) {
        deps.log.warn('bridge refused: not an allowed number', {
          callId: action.callId,
          to: action.to,
          catchAllIgnored: [...bridge.allowed, ...escalation.onCallNumbers].some(
            matchesEveryNumber,
          ),
        });
        return { ok: false, ...refused };
      }
      const language = callerLanguage(deps, call);
      const voice = voiceFor({ language, speech: deps.settings.speech });
      // The called person must press 1 before being connected, and however the leg ends the
      // <Dial action> brings the caller back (calls/dialResult.ts): never a dead line, never voicemail.
      const dial = {
        number: action.to,
        timeLimitSeconds: bridge.timeLimitSeconds,
        ringSeconds: BRIDGE_RING_SECONDS,
        ...bridgeUrls(publicBaseUrl, action.callId, action.to),
      };
      return speak(
        deps,
        call,
        speakAndDial(SUPERVISOR_LINES_IN[language].connecting, dial, voice),
        [['system', CONTROL_NOTES.bridge(admin, action.to)]],
      );
    }
    case 'end': {
      const call = await callFor(deps, action.callId, 'end', admin);
      if ('code' in call) return { ok: false, ...call };
      // Noted first: Twilio's status callback may archive the call before this function goes on.
      await noteOnCall(deps, call, [['system', CONTROL_NOTES.end(admin)]]);
      // A supervisor who ends the call has it in hand: an unacknowledged CRITICAL call would otherwise stay live, alarming.
      const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
      await changeCall(deps.live, action.callId, (current) =>
        ackFields(current, admin, nowIso),
      ).catch((err: unknown) =>
        deps.log.error('could not record the acknowledgement of an ended call', {
          callId: action.callId,
          error: String(err),
        }),
      );
      let outcome: 'done' | 'gone';
      try {
        outcome = await deps.voice.hangUp(call.call_sid);
      } catch (err) {
        const refused = notDone(err);
        await noteOnCall(deps, call, [['system', `Ending the call failed: ${refused.message}`]]);
        return { ok: false, ...refused };
      }
      // A caller in the conference is out of it now, every leg dropping with them: recorded at
      // once, so the callbacks that follow (their participant-leave, their status) do not read
      // the end as the caller hanging up: "ended the call" is the note.
      if (outcome === 'done' && call.conference?.caller_in)
        await changeConferenceOrLog(deps, action.callId, { kind: 'conference-ended' });
      // Twilio's status callback ends and archives a call it hangs up; one it no longer has
      // sends none, so the call is ended and archived here.
      if (outcome === 'gone') {
        await endCallNow(deps, action.callId, call, 'ended-by-admin');
        await enqueueArchive(deps, action.callId, taskIds.archive(action.callId));
      }
      return { ok: true, reached: outcome === 'done' };
    }
  }
}

/**
 * Takes or hands back the call. The caller hears it (a supervisor joined; Aurora is back) and
 * is listened to in their language; when Twilio refuses, the change is undone. A caller talking
 * in the call's conference is not pulled out of it by a take (the supervisor joins by voice, or
 * reads along); a hand-back ends the conference and every leg still ringing, and the caller's
 * <Dial action> (/twilio/rejoin) returns them to Aurora. A take while the caller listens to Aurora
 * in the conference (others only listening) leaves them with a holder who has no voice there: the
 * leaving rule ends the conference, and the <Dial action> brings them to the holder's typing.
 */
async function takeOrRelease(
  deps: Deps,
  callId: string,
  action: 'take' | 'release',
  admin: Admin,
): Promise<{ ok: true; reached: boolean; call: LiveCall } | ({ ok: false } & Refusal)> {
  const changed = await changeHolder(deps, callId, action, admin);
  if (!changed.ok) return changed;
  const { call } = changed;
  const inConference = call.conference?.caller_in === true;
  if (inConference && action === 'take') {
    await noteOnCall(deps, call, [['system', CONTROL_NOTES.take(admin)]]);
    // Applied again by the sweeper should Twilio not answer now: the take itself stands.
    await endIfCallerAlone(deps, callId, call).catch((err: unknown) =>
      deps.log.error('the leaving rule failed after a take in the conference', {
        callId,
        error: String(err),
      }),
    );
    return { ok: true, reached: true, call };
  }
  if (inConference && (await endConferenceOf(deps, callId, call)) === 'ended') {
    await dropRingingLegs(deps, callId, call);
    await noteOnCall(deps, call, [['system', CONTROL_NOTES.release(admin)]]);
    return { ok: true, reached: true, call };
  }
  const lines = SUPERVISOR_LINES_IN[callerLanguage(deps, call)];
  const line = action === 'take' ? lines.supervisorJoined : lines.aiBack;
  let outcome: 'done' | 'gone';
  try {
    // A caller in a conference Twilio could not end is moved out of it by this update; their
    // conference transcription stops, as Aurora's Gather hears them again.
    outcome = await deps.voice.redirect(
      call.call_sid,
      inConference
        ? speakAndListen(
            line,
            listening(deps, [], {
              call: callId,
              language: callerLanguage(deps, call),
              held: action === 'take',
            }),
            stopCallerTranscription(callId),
          )
        : backToGather(deps, callId, call, line, action === 'take'),
    );
  } catch (err) {
    const refused = notDone(err);
    await undo(deps, callId, changed.before, admin);
    deps.log.error('call control refused by Twilio; change undone', {
      action,
      callId,
      error: refused.message,
    });
    return { ok: false, ...refused };
  }
  if (inConference) await changeConferenceOrLog(deps, callId, { kind: 'conference-ended' });
  // Handed back: nobody still ringing joins a call Aurora has again (done once the hand-back stands).
  if (action === 'release') await dropRingingLegs(deps, callId, call);
  await noteOnCall(deps, call, [['system', CONTROL_NOTES[action](admin)]]);
  return { ok: true, reached: outcome === 'done', call };
}

/**
 * "Call me": rings the admin's registered phone into the call's conference. Nothing is taken
 * yet: Aurora goes on answering the caller while the phone rings, and the phone's press of 1
 * takes the call if nobody holds it by then (calls/voiceLegs.ts legPress), so a phone nobody
 * answers never leaves the caller waiting with nobody.
 */
async function callMe(deps: Deps, callId: string, admin: Admin): Promise<ControlResult> {
  const phone = admin.uid ? await registeredPhone(deps, admin.uid) : null;
  if (!phone) return { ok: false, ...NO_PHONE };
  const call = await callFor(deps, callId, 'callme', admin);
  if ('code' in call) return { ok: false, ...call };
  if (ownLegs(call.conference, admin.id, ['ringing', 'joined']).some(([, m]) => m.via === 'phone'))
    return { ok: false, ...ALREADY_ON_PHONE };
  const caller = await deps.workers.findByPhone(call.mobile_no).catch(() => null);
  return ringLeg(deps, callId, call, {
    role: 'supervisor',
    who: admin.id,
    to: phone,
    prompt: readyLine(call, caller),
    note: CONFERENCE_NOTES.ringingOwnPhone(admin.id, phone),
  });
}

/**
 * A warm transfer: rings an allowed number (the bridge's allow-list: no toll fraud), which hears
 * Aurora's brief of the call and presses 1 to join the caller; the bridge's time limit holds.
 */
async function transfer(
  deps: Deps,
  callId: string,
  to: string,
  admin: Admin,
): Promise<ControlResult> {
  const call = await callFor(deps, callId, 'transfer', admin);
  if ('code' in call) return { ok: false, ...call };
  const { bridge, escalation } = deps.settings;
  const refused = bridgeRefusal(to, bridge.allowed, escalation.onCallNumbers);
  if (refused) {
    deps.log.warn('transfer refused: not an allowed number', { callId, to });
    return { ok: false, ...refused };
  }
  const busy = Object.values(call.conference?.members ?? {}).some(
    (m) => m.to === to && (m.state === 'ringing' || m.state === 'joined'),
  );
  if (busy)
    return {
      ok: false,
      code: 'failed-precondition',
      message: `${to} is already ringing or on this call.`,
    };
  const [conversation, caller] = await Promise.all([
    readConversation(deps.live, call.conversation_id, deps.log).catch(() => null),
    deps.workers.findByPhone(call.mobile_no).catch(() => null),
  ]);
  return ringLeg(deps, callId, call, {
    role: 'oncall',
    who: to,
    to,
    prompt: briefOf({ call, caller, messages: orderedMessages(conversation) }),
    timeLimitSeconds: bridge.timeLimitSeconds,
    note: CONFERENCE_NOTES.transferring(admin.id, to),
  });
}

/**
 * Places a phone leg (the Calls API, inline TwiML: the screening, press 1 to join), records it
 * ringing once Twilio accepted it, and says in the transcript who is being rung. When Twilio
 * refuses, nothing is recorded and the admin reads why.
 */
async function ringLeg(
  deps: Deps,
  callId: string,
  call: LiveCall,
  leg: {
    role: MemberRole;
    who: string;
    to: string;
    prompt: string;
    timeLimitSeconds?: number;
    note: string;
  },
): Promise<ControlResult> {
  const baseUrl = deps.settings.publicBaseUrl;
  const twiml = legScreening({ callId, baseUrl, role: leg.role, who: leg.who, prompt: leg.prompt });
  let sid: string;
  try {
    ({ sid } = await deps.voice.dial(leg.to, twiml, {
      statusCallback: conferenceUrls(baseUrl, callId).legStatus(leg.role, leg.who),
      ringSeconds: BRIDGE_RING_SECONDS,
      ...(leg.timeLimitSeconds ? { timeLimitSeconds: leg.timeLimitSeconds } : {}),
    }));
  } catch (err) {
    const refused = notDone(err);
    deps.log.error('a conference leg was refused by Twilio', { callId, error: refused.message });
    return { ok: false, ...refused };
  }
  await changeConferenceOrLog(deps, callId, {
    kind: 'ringing',
    leg: sid,
    role: leg.role,
    who: leg.who,
    to: leg.to,
    // Under whose holding it rang: a hand-back before it presses 1 means it no longer joins.
    ...(holderOf(call) ? { holder: holderOf(call)! } : {}),
  });
  await noteOnCall(deps, call, [['system', leg.note]]);
  return { ok: true, reached: true };
}

/**
 * Mutes (listen only) or unmutes (barge in) the admin's own legs in the call's conference. Muting
 * is refused when it would leave the caller in the conference hearing nobody (the leaving rule,
 * core/conference.ts callerLeftAlone). Only what Twilio did is reported done: a leg Twilio says is
 * gone was not muted, and when one of two legs fails after the other was done, the answer says
 * which is which.
 *
 * Speaking up on a call nobody holds (listening to Aurora answer the caller) takes the call first,
 * in one transaction as a take does, so Aurora stops answering before the caller can hear the
 * supervisor: she would otherwise talk over them. Taken and not one leg unmuted, the take is undone.
 */
async function muteOwnLegs(
  deps: Deps,
  callId: string,
  muted: boolean,
  admin: Admin,
): Promise<ControlResult> {
  const call = await callFor(deps, callId, 'mute', admin);
  if ('code' in call) return { ok: false, ...call };
  const legs = ownLegs(call.conference, admin.id, ['joined']);
  if (legs.length === 0) return { ok: false, ...NOT_IN_CONFERENCE };
  const legIds = legs.map(([leg]) => leg);
  if (muted && callerLeftAlone({ ...call, conference: withLegsMuted(call.conference!, legIds) }))
    return { ok: false, ...ONLY_ONE_HEARD };
  const done: string[] = [];
  const notAll = (leg: string, why: string, code: Refusal['code']): ControlResult => {
    const device = legDevice(call, leg);
    const verb = muted ? 'muted' : 'unmuted';
    return {
      ok: false,
      code,
      message:
        done.length === 0
          ? `Your ${device} was not ${verb}: ${why}.`
          : `Your ${done.map((d) => legDevice(call, d)).join(' and ')} ${done.length > 1 ? 'are' : 'is'} ${verb}, but your ${device} is not: ${why}.`,
    };
  };
  let sid: string | null;
  try {
    sid = await conferenceSidOf(deps, callId, call);
  } catch (err) {
    return { ok: false, ...notDone(err) };
  }
  if (!sid) return { ok: false, ...NOT_RUNNING };
  const took = muted ? null : await takeToSpeakUp(deps, callId, admin, legIds);
  const each = async (): Promise<ControlResult> => {
    for (const [leg] of legs) {
      let outcome: 'done' | 'gone';
      try {
        // Participants API, Muted (https://www.twilio.com/docs/voice/api/conference-participant-resource#update-a-participant-resource).
        outcome = await deps.voice.muteMember(sid, leg, muted);
      } catch (err) {
        if (done.length === 0) return { ok: false, ...notDone(err) };
        if (!(err instanceof AuroraError)) throw err;
        return notAll(leg, err.message, err.retryable ? 'unavailable' : 'failed-precondition');
      }
      // Twilio no longer has the participant (its leg has left the call, or the conference ended).
      if (outcome === 'gone')
        return notAll(leg, 'Twilio says it has left the call', 'failed-precondition');
      done.push(leg);
      await changeConferenceOrLog(deps, callId, { kind: 'muted', leg, muted });
    }
    return { ok: true, reached: true };
  };
  try {
    return await each();
  } finally {
    if (took) {
      if (done.length === 0) await undo(deps, callId, took.before, admin);
      else await noteOnCall(deps, took.after, [['system', CONTROL_NOTES.take(admin)]]);
      // After the undo: a holder whose legs are all recorded muted would leave the caller alone.
      const notUnmuted = legIds.filter((leg) => !done.includes(leg));
      await recordedMutedAgain(deps, callId, notUnmuted, took.before);
    }
  }
}

/**
 * The legs a speak-up's take recorded unmuted that Twilio did not unmute, recorded as they were
 * before the take (muted, with their earlier unmute time if any). Best effort: logged.
 */
async function recordedMutedAgain(
  deps: Deps,
  callId: string,
  legs: string[],
  before: LiveCall,
): Promise<void> {
  if (legs.length === 0) return;
  await changeCall(deps.live, callId, (current) => {
    if (!current.conference) return undefined;
    const members = { ...(current.conference.members ?? {}) };
    let changed = false;
    for (const leg of legs) {
      const was = before.conference?.members?.[leg];
      const now = members[leg];
      if (!was || now?.state !== 'joined' || now.muted) continue;
      const rest = { ...now, muted: true };
      // The take's unmute time goes: its leg was never heard (core/conference.ts humanHeardIn).
      delete rest.unmuted_at;
      members[leg] = { ...rest, ...(was.unmuted_at ? { unmuted_at: was.unmuted_at } : {}) };
      changed = true;
    }
    return changed ? { conference: { ...current.conference, members } } : undefined;
  }).catch((err: unknown) =>
    deps.log.error('could not record legs Twilio did not unmute as muted again', {
      callId,
      error: String(err),
    }),
  );
}

/** The conference with `change` applied to the members of these legs of it. */
const withLegsChanged = (
  conference: NonNullable<LiveCall['conference']>,
  legs: string[],
  change: (member: ConferenceMember) => ConferenceMember,
): NonNullable<LiveCall['conference']> => ({
  ...conference,
  members: Object.fromEntries(
    Object.entries(conference.members ?? {}).map(([leg, member]) => [
      leg,
      legs.includes(leg) ? change(member) : member,
    ]),
  ),
});

/** The conference with these joined legs of it recorded unmuted at `at`. */
const withLegsUnmuted = (
  conference: NonNullable<LiveCall['conference']>,
  legs: string[],
  at: string,
) =>
  withLegsChanged(conference, legs, (member) =>
    member.state === 'joined' && member.muted
      ? { ...member, muted: false, unmuted_at: at }
      : member,
  );

/** The conference with these legs of it muted: what muting them would leave the caller with. */
const withLegsMuted = (conference: NonNullable<LiveCall['conference']>, legs: string[]) =>
  withLegsChanged(conference, legs, (member) => ({ ...member, muted: true }));

/**
 * Takes the call for an admin speaking up while Aurora answers the caller in the conference
 * (nobody holds it, as stored): the holder's fields and the acknowledgement, as a take from the
 * dashboard or a "Call me" phone's join writes them. Null when it was not taken here: somebody
 * holds it (unmuting beside them is as before), or the call is no longer active. The admin's
 * `legs` are recorded unmuted in the same transaction: recorded muted beside a holder, they would
 * leave the caller alone by the leaving rule (callerLeftAlone) until Twilio's unmute is recorded,
 * and a leaving-rule check meanwhile (another listener's leave, the sweeper) would end the
 * conference under the speaker. Legs Twilio then does not unmute are recorded muted again.
 */
async function takeToSpeakUp(
  deps: Deps,
  callId: string,
  admin: Admin,
  legs: string[],
): Promise<{ before: LiveCall; after: LiveCall } | null> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  let before: LiveCall | null = null;
  const after = await changeCall(deps.live, callId, (current) => {
    before = current;
    if (!auroraAnswersInConference(current) || refusal(current, 'take', admin)) return undefined;
    const taken = { ...takeFields(admin, current), ...ackFields(current, admin, nowIso) };
    const conference = taken.conference ?? current.conference!;
    return { ...taken, conference: withLegsUnmuted(conference, legs, nowIso) };
  });
  return after ? { before: before!, after } : null;
}

/** How the admin's leg reaches the call, as the refusals name it. */
const legDevice = (call: LiveCall, leg: string) =>
  call.conference?.members?.[leg]?.via === 'phone' ? 'phone' : 'voice from the dashboard';

/** The states of a leg that has ended: joined and left, or never joined. */
const ENDED_STATES: MemberState[] = ['left', 'declined', 'busy', 'no-answer', 'failed'];

/**
 * Drops the admin's own legs (browser or phone, joined or still ringing). The caller stays with
 * whoever remains in the conference, else goes back to Aurora or the holder (the leaving rule).
 * Idempotent: the dashboard hangs its browser up before asking, and Twilio's participant-leave
 * may have recorded the leg left (and noted it) first; an admin whose legs have all ended has
 * nothing left to do, and only one who never had a leg on the call is refused.
 */
async function leaveConference(deps: Deps, callId: string, admin: Admin): Promise<ControlResult> {
  const call = await callFor(deps, callId, 'leave', admin);
  if ('code' in call) return { ok: false, ...call };
  const legs = ownLegs(call.conference, admin.id, ['ringing', 'joined']);
  if (legs.length === 0)
    return ownLegs(call.conference, admin.id, ENDED_STATES).length > 0
      ? { ok: true, reached: true }
      : { ok: false, ...NOT_IN_CONFERENCE };
  let after = call;
  let recorded = false;
  for (const [leg] of legs) {
    try {
      await deps.voice.hangUp(leg);
    } catch (err) {
      return { ok: false, ...notDone(err) };
    }
    const left = await changeConference(deps, callId, { kind: 'ended', leg, outcome: 'left' });
    if (!left) continue; // recorded (and noted) by Twilio's callback meanwhile
    after = left.after;
    recorded = true;
  }
  if (!recorded) return { ok: true, reached: true };
  if ((await endIfCallerAlone(deps, callId, after)) === 'hung-up')
    return { ok: true, reached: true };
  const joined = legs.some(([, member]) => member.state === 'joined');
  const [, first] = legs[0];
  await noteOnCall(deps, after, [
    [
      'system',
      joined
        ? legEndedNote(first, 'left', after)
        : CONFERENCE_NOTES.leftBeforeJoining(admin.id, callerIsWith(after)),
    ],
  ]);
  return { ok: true, reached: true };
}

/**
 * Typed words for a caller in the conference (a supervisor on a noisy floor): a call update would
 * take the caller out of it, so Twilio speaks them into it instead (steps/conference.ts
 * announceIntoConference), and every human there hears them too. Recorded only once Twilio has
 * accepted the announcement, as a call update's words are.
 */
async function sayIntoConference(
  deps: Deps,
  callId: string,
  call: LiveCall,
  text: string,
): Promise<ControlResult> {
  const announced = await announceIntoConference(deps, callId, call, text);
  switch (announced.kind) {
    case 'announced':
      await noteOnCall(deps, call, [['admin', text]]);
      return { ok: true, reached: true };
    case 'not-running':
    case 'not-kept':
      return { ok: false, ...NOT_RUNNING };
    case 'ended':
      return { ok: false, ...CONFERENCE_ENDED };
    case 'failed':
      return { ok: false, ...notDone(announced.error) };
  }
}

/**
 * On a hand-back, phone legs still ringing are recorded left, then hung up: nobody joins a call
 * Aurora has again. Each is marked left in a transaction on the record as it is now, only if it
 * still rings there (a leg that pressed 1 meanwhile is not cut off by a stale copy); a leg's
 * press of 1 checks the same in its own transaction (calls/voiceLegs.ts legPress).
 */
async function dropRingingLegs(deps: Deps, callId: string, call: LiveCall): Promise<void> {
  const current = (await readCall(deps.live, callId, deps.log).catch(() => null)) ?? call;
  for (const [leg] of Object.entries(current.conference?.members ?? {})) {
    const stillRinging = (now: LiveCall) => now.conference?.members?.[leg]?.state === 'ringing';
    const dropped = await changeConference(
      deps,
      callId,
      { kind: 'ended', leg, outcome: 'left' },
      stillRinging,
    ).catch((err: unknown) => {
      deps.log.error('could not record a ringing leg dropped on a hand-back', {
        callId,
        error: String(err),
      });
      return null;
    });
    if (!dropped) continue;
    try {
      await deps.voice.hangUp(leg);
    } catch (err) {
      // Recorded left: should it still press 1, it hears it is no longer needed.
      deps.log.error('could not hang up a ringing leg on a hand-back', {
        callId,
        error: String(err),
      });
    }
  }
}

/** The phone "Call me" rings: admins/{uid}/phone, set with `npm run admin -- grant <email> --phone`. */
async function registeredPhone(deps: Deps, uid: string): Promise<string | null> {
  const phone = await deps.live.get(paths.adminPhone(uid));
  return typeof phone === 'string' && /^\+[1-9]\d{6,14}$/.test(phone) ? phone : null;
}

const NO_PHONE: Refusal = {
  code: 'failed-precondition',
  message:
    'No phone is registered for you. An administrator adds it with: npm run admin -- grant <your email> --phone +1…',
};
const ALREADY_ON_PHONE: Refusal = {
  code: 'failed-precondition',
  message: 'Your phone is already ringing or on this call.',
};
const NOT_IN_CONFERENCE: Refusal = {
  code: 'failed-precondition',
  message: 'You are not talking or listening on this call.',
};
const NOT_RUNNING: Refusal = {
  code: 'failed-precondition',
  message: "The call's conference is not running.",
};
const CONFERENCE_ENDED: Refusal = {
  code: 'failed-precondition',
  message: 'The voice conference has just ended: nothing was said. Try again.',
};
const ONLY_ONE_HEARD: Refusal = {
  code: 'failed-precondition',
  message: 'You are the only one the caller can hear: hand back to Aurora or leave instead.',
};
const NOTHING_TO_SAY: Refusal = {
  code: 'failed-precondition',
  message: 'There are no words to speak: say something. Nothing was sent.',
};

/** Sends `twiml` to the call; records `lines` only once Twilio has taken it. */
async function speak(
  deps: Deps,
  call: LiveCall,
  twiml: string,
  lines: Array<[Role, string]>,
): Promise<ControlResult> {
  let outcome: 'done' | 'gone';
  try {
    outcome = await deps.voice.redirect(call.call_sid, twiml);
  } catch (err) {
    return { ok: false, ...notDone(err) };
  }
  if (outcome === 'gone') return { ok: false, ...GONE };
  await noteOnCall(deps, call, lines);
  return { ok: true, reached: true };
}

async function callFor(
  deps: Deps,
  callId: string,
  action: CallAction['action'],
  admin: Admin,
): Promise<LiveCall | Refusal> {
  const call = await readCall(deps.live, callId, deps.log);
  return refusal(call, action, admin) ?? call!;
}

/**
 * Takes, hands back or acknowledges the call in one transaction on its node; refuses as
 * `refusal` says. Resolves the call as changed and as it was before.
 */
async function changeHolder(
  deps: Deps,
  callId: string,
  action: 'take' | 'release' | 'ack',
  admin: Admin,
): Promise<{ ok: true; call: LiveCall; before: LiveCall } | ({ ok: false } & Refusal)> {
  const nowIso = siteIso(deps.clock(), deps.settings.timeZone);
  let refused: Refusal | null = null;
  let before: LiveCall | null = null;
  const call = await changeCall(deps.live, callId, (current) => {
    before = current;
    refused = refusal(current, action, admin);
    if (refused) return undefined;
    // Handing back says the admin has seen the call as it is now: it counts as acknowledging it.
    if (action === 'release') return { ...releaseFields(), ...ackFields(current, admin, nowIso) };
    return action === 'take'
      ? { ...takeFields(admin, current), ...ackFields(current, admin, nowIso) }
      : ackFields(current, admin, nowIso);
  });
  if (call) return { ok: true, call, before: before! };
  return {
    ok: false,
    ...((refused as Refusal | null) ?? {
      code: 'not-found',
      message: 'This call is no longer live.',
    }),
  };
}

/**
 * Puts the holder fields back as they were before a take or hand-back Twilio refused, unless
 * the call has changed hands since (another admin's later action wins).
 */
async function undo(deps: Deps, callId: string, before: LiveCall, admin: Admin): Promise<void> {
  const restore = Object.fromEntries(HOLDER_FIELDS.map((field) => [field, before[field] ?? null]));
  // Tried again for a few seconds when the database refuses: a take left in place after Twilio
  // refused it would keep Aurora silent on a call nobody holds, while the supervisor was told nothing changed.
  const putBack = () =>
    changeCall(deps.live, callId, (current) => {
      const stillOurs =
        current.mode === 'human'
          ? current.admin_id === admin.id
          : before.mode === 'human' && before.admin_id === admin.id;
      return stillOurs ? restore : undefined;
    });
  await retrying(putBack, { attempts: 6 }).catch((err: unknown) =>
    deps.log.error('could not undo a refused call control', { callId, error: String(err) }),
  );
}

/**
 * `line`, then Aurora's Gather. A caller who has been in the call's conference has their
 * transcription stopped first, by name: a call update takes them out of the conference without
 * their <Dial action> (/twilio/rejoin), so nothing else would stop it, and the Gather records
 * their words too (https://www.twilio.com/docs/voice/twiml/transcription, <Stop><Transcription>).
 */
function backToGather(
  deps: Deps,
  callId: string,
  call: LiveCall,
  line: string,
  held: boolean,
): string {
  if (!call.conference) return speakThenListen(deps, callId, call.language, line, held);
  const language = callerLanguage(deps, call);
  return speakAndListen(
    line,
    listening(deps, [], { call: callId, language, held }),
    stopCallerTranscription(callId),
  );
}

/** The caller's language as the call knows it (the registry's, or detected), else the site's. */
const callerLanguage = (deps: Deps, call: Pick<LiveCall, 'language'>): Language =>
  languageOrSite(deps, call.language);
