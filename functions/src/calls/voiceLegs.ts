/**
 * The human legs of a call's conference (issue 24): a supervisor's browser connecting (the
 * TwiML App's Voice URL), a phone leg's key press at its screening, and how a phone leg ended.
 * The first human in brings the caller in; a leg that cannot bring them leaves them where they
 * were; and however a leg ends, the dashboard reads where the caller is.
 */
import { type LiveCall, type Role, paths } from '@aurora/model';
import { CONTROL_NOTES, HOLDER_FIELDS, ackFields, holderOf, takeFields } from '../core/callControl';
import {
  CONFERENCE_NOTES,
  JOIN_DIGIT,
  LEG_LINES,
  type LegOutcome,
  type MemberRole,
  browserRefusal,
  callerIsWith,
  conferenceName,
  humanLeg,
} from '../core/conference';
import { speakAndHangUp } from '../core/twiml';
import type { Deps } from '../ports';
import {
  bringCallerIn,
  changeConference,
  changeConferenceOrLog,
  endIfCallerAlone,
  type ConferenceChanged,
} from '../steps/conference';
import { noteEnded } from '../steps/legs';
import { noteOnCall } from '../steps/listening';
import { changeCall, readCall } from '../steps/liveCalls';

/**
 * Moving the caller in is a call update, which the REST client gives up on after 5 s
 * (adapters/twilioVoice.ts): it is only begun with this much of the webhook's time left, so the
 * leg's answer never comes after the caller has been moved (the leg would then hang up, and the
 * caller would be in the conference without it).
 */
export const MOVE_BUDGET_MS = 6_000;

const tooLate = (deadline: number | undefined) =>
  deadline !== undefined && performance.now() > deadline - MOVE_BUDGET_MS;

/** A supervisor's identity in the browser's leg: From is client:{uid} (the Access Token's identity, their Firebase uid). */
export const CLIENT_IDENTITY = /^client:([A-Za-z0-9_-]{1,128})$/;

export type BrowserLeg = {
  /** The browser's leg. */
  legSid: string;
  /** Twilio's From: client:{uid}. */
  from: string;
  callId: string;
  mode: 'talk' | 'listen';
  /** When the answer must be ready (performance.now() time). */
  deadline?: number;
  /** Told the leg's conference TwiML once it stands (the caller moved): the deadline's fallback answers with it. */
  onJoined?: (twiml: string) => void;
};

/**
 * A supervisor's browser connecting to a call (Twilio requests the TwiML App's Voice URL with
 * the connect params: https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#deviceconnectconnectoptions).
 * The uid must be in the admin directory; talking needs the call held by them; listening needs
 * no holding (core/conference.ts browserRefusal): a listener on a call nobody holds brings the
 * caller into the conference if they are not in yet, and Aurora answers them there. Refusals are
 * spoken to the supervisor, then the leg hangs up; the caller is never touched by a refused leg.
 */
export async function browserLeg(input: BrowserLeg, deps: Deps): Promise<string> {
  const uid = CLIENT_IDENTITY.exec(input.from)?.[1];
  const entry = uid ? await deps.live.get(paths.admin(uid)) : null;
  if (!uid || entry === null || typeof entry !== 'object') {
    deps.log.warn('refused a browser leg from outside the admin directory', {
      callId: input.callId,
    });
    return speakAndHangUp(LEG_LINES.notAdmin);
  }
  const email = (entry as { email?: unknown }).email;
  // Named as admin_id names admins (triggers/adminActions.ts adminOf): by email, else by uid.
  const adminId = typeof email === 'string' && email ? email : uid;
  const verdict: { line: string | null } = { line: null };
  const muted = input.mode === 'listen';
  const changed = await changeConference(
    deps,
    input.callId,
    {
      kind: 'joined',
      leg: input.legSid,
      role: 'supervisor',
      who: adminId,
      via: 'browser',
      muted,
    },
    (call) => {
      verdict.line = browserRefusal(call, adminId, input.mode);
      return verdict.line === null;
    },
  );
  if (!changed) {
    if (verdict.line) return speakAndHangUp(verdict.line);
    return replayOrGone(deps, input.callId, input.legSid);
  }
  return joinWithCaller(deps, input.callId, changed, input.legSid, input);
}

export type LegPress = {
  /** The phone leg. */
  legSid: string;
  callId: string;
  role: MemberRole;
  who: string;
  /** The number the leg rang (Twilio's To). */
  to?: string;
  digits?: string;
  deadline?: number;
  /** As for a browser leg: told the leg's conference TwiML once it stands. */
  onJoined?: (twiml: string) => void;
};

/**
 * A phone leg's key press at its screening: 1 joins (bringing the caller in if nobody has yet),
 * anything else, or nothing, is goodbye and the leg is recorded declined. A leg no longer wanted
 * (handed back, left) or on a call that has ended hears so and hangs up.
 *
 * A supervisor's own phone ("Call me") takes the call on joining, if nobody holds it by then: in
 * the same transaction as the join, as a take from the dashboard would (the holder's fields and
 * the acknowledgement). Until then Aurora went on answering the caller, so a phone never answered
 * leaves nobody waiting. If another admin holds the call by then, the phone joins as a supervisor
 * beside them.
 */
export async function legPress(input: LegPress, deps: Deps): Promise<string> {
  const member = { role: input.role, who: input.who, via: 'phone' as const, to: input.to };
  if (input.digits !== JOIN_DIGIT) {
    const changed = await changeConferenceOrLog(deps, input.callId, {
      kind: 'ended',
      leg: input.legSid,
      outcome: 'declined',
      member,
    });
    if (changed) await noteEnded(deps, changed, input.legSid);
    return speakAndHangUp(LEG_LINES.goodbye);
  }
  const verdict: { line: string | null; notNeeded?: true } = { line: null };
  const admin = { id: input.who };
  const changed = await changeConference(
    deps,
    input.callId,
    { kind: 'joined', leg: input.legSid, ...member, muted: false },
    (call) => {
      if (call.status !== 'ACTIVE' || call.purging) {
        verdict.line = LEG_LINES.ended;
        return false;
      }
      const rung = call.conference?.members?.[input.legSid];
      // A replay of a leg already joined is answered by replayOrGone.
      if (rung?.state === 'joined') return true;
      if (rung?.state === 'ringing' && !handedBackSinceRung(call, rung)) return true;
      verdict.line = LEG_LINES.notNeeded;
      if (rung?.state === 'ringing') verdict.notNeeded = true;
      return false;
    },
    (call, at) =>
      input.role === 'supervisor' && !holderOf(call)
        ? { ...takeFields(admin, call), ...ackFields(call, admin, at) }
        : undefined,
  );
  if (!changed) {
    if (verdict.notNeeded) {
      const left = await changeConferenceOrLog(deps, input.callId, {
        kind: 'ended',
        leg: input.legSid,
        outcome: 'left',
      });
      if (left) await noteEnded(deps, left, input.legSid);
    }
    if (verdict.line) return speakAndHangUp(verdict.line);
    return replayOrGone(deps, input.callId, input.legSid);
  }
  const took = !holderOf(changed.before) && holderOf(changed.after) === admin.id;
  return joinWithCaller(deps, input.callId, changed, input.legSid, input, took);
}

/**
 * Whether the call was handed back (or changed hands) since the leg was rung under a holder: it
 * must not pull the caller from Aurora back into a conference. A leg rung while nobody held the
 * call ("Call me") takes it on joining, as before.
 */
const handedBackSinceRung = (call: LiveCall, rung: { rang_holder?: string }) =>
  rung.rang_holder !== undefined && holderOf(call) !== rung.rang_holder;

/**
 * The leg is recorded joined: the caller is brought in if they were not in yet, the transcript
 * says who joined (and that they took the call, when `took`), and the leg gets its conference
 * TwiML. If the caller cannot be brought in, the leg hears why and hangs up, the caller stays
 * where they were, and a take made by this join is undone (Aurora answers them again).
 */
async function joinWithCaller(
  deps: Deps,
  callId: string,
  { before, after }: ConferenceChanged,
  legSid: string,
  { deadline, onJoined }: Pick<BrowserLeg, 'deadline' | 'onJoined'>,
  took = false,
): Promise<string> {
  const member = after.conference!.members![legSid];
  if (before.conference?.caller_in && (await endedAtTwilio(deps, before.conference))) {
    // The conference the record has the caller in has just ended at Twilio (a take ended it by
    // the leaving rule, the instant before this Talk's browser connected), and its callbacks and
    // the caller's <Dial action> are on their way: the leg would join an empty conference by its
    // name and talk to nobody, and moving the caller now would race their <Dial action>. The
    // join is undone and the leg told to try again, once the record has caught up.
    await changeConferenceOrLog(deps, callId, { kind: 'ended', leg: legSid, outcome: 'failed' });
    if (took) await untake(deps, callId, before, member.who);
    deps.log.warn('a leg asked to join a conference Twilio had just ended; told to try again', {
      callId,
    });
    return speakAndHangUp(LEG_LINES.tooSlow);
  }
  if (!before.conference?.caller_in) {
    const moved = tooLate(deadline)
      ? await notMoved(deps, callId, legSid)
      : await bringCallerIn(deps, callId, after, legSid);
    if (!moved.ok) {
      if (took) await untake(deps, callId, before, member.who);
      // A caller who hung up meanwhile is with nobody: the note says only why.
      const callerWith = moved.gone ? null : callerIsWith(before);
      await noteOnCall(deps, after, [
        ['system', CONFERENCE_NOTES.notConnected(member.who, moved.reason, callerWith)],
      ]);
      return speakAndHangUp(
        moved.gone
          ? LEG_LINES.ended
          : `The caller could not be connected: ${moved.reason}. Goodbye.`,
      );
    }
  }
  // The caller is in: from now on only the conference TwiML may answer the leg (a leg told it
  // could not connect would hang up and leave the caller alone), even past the deadline.
  const twiml = legTwiml(deps, callId, after.conference!.name, legSid, member);
  onJoined?.(twiml);
  const lines: Array<[Role, string]> = [['system', CONFERENCE_NOTES.joined(member)]];
  if (took) lines.unshift(['system', CONTROL_NOTES.take({ id: member.who })]);
  // Not waited on: the leg's answer never waits on the transcript (noteOnCall never throws).
  void noteOnCall(deps, after, lines);
  return twiml;
}

/**
 * Puts back who held the call (and Aurora's open question) as before a phone's join took it,
 * when the caller could not be moved in: the phone has hung up, so nobody would answer them.
 * Unless the call changed hands since (another admin's take wins).
 */
async function untake(deps: Deps, callId: string, before: LiveCall, who: string): Promise<void> {
  const restore = Object.fromEntries(
    [...HOLDER_FIELDS, 'question' as const].map((field) => [field, before[field] ?? null]),
  );
  await changeCall(deps.live, callId, (current) =>
    holderOf(current) === who ? restore : undefined,
  ).catch((err: unknown) =>
    deps.log.error('could not undo the take of a phone that was not connected', {
      callId,
      error: String(err),
    }),
  );
}

/**
 * Whether the conference the record has the caller in is no longer running at Twilio (the
 * ConferenceSid its name finds is none, or another's: https://www.twilio.com/docs/voice/api/conference-resource#read-multiple-conference-resources,
 * Status in-progress). Its sid unknown yet (just moved in), or Twilio not answering, the record
 * is trusted, as before.
 */
async function endedAtTwilio(
  deps: Deps,
  conference: NonNullable<LiveCall['conference']>,
): Promise<boolean> {
  if (!conference.sid) return false;
  try {
    return (await deps.voice.conferenceSid(conference.name)) !== conference.sid;
  } catch (err) {
    deps.log.warn('could not ask Twilio whether the conference runs; the record is trusted', {
      error: String(err),
    });
    return false;
  }
}

/** Out of time before the caller could be moved: the join is undone, and the leg is told to try again. */
async function notMoved(deps: Deps, callId: string, leg: string) {
  deps.log.error('a leg joined too late to move the caller in; not moved', { callId });
  await changeConferenceOrLog(deps, callId, { kind: 'move-failed', leg });
  return { ok: false as const, gone: false, reason: LEG_LINES.tooSlow.replace(/\.$/, '') };
}

/** A request for a leg already joined (Twilio sent it again) is answered the same; anything else is over. */
async function replayOrGone(deps: Deps, callId: string, legSid: string): Promise<string> {
  const call = await readCall(deps.live, callId, deps.log);
  const member = call?.conference?.members?.[legSid];
  if (!call || call.status !== 'ACTIVE' || call.purging) return speakAndHangUp(LEG_LINES.ended);
  if (member?.state === 'joined')
    return legTwiml(deps, callId, call.conference!.name, legSid, member);
  return speakAndHangUp(LEG_LINES.notNeeded);
}

const legTwiml = (
  deps: Deps,
  callId: string,
  name: string | undefined,
  legSid: string,
  member: { role: MemberRole; who: string; muted: boolean },
) =>
  humanLeg({
    callId,
    baseUrl: deps.settings.publicBaseUrl,
    name: name ?? conferenceName(callId),
    legSid,
    role: member.role,
    who: member.who,
    muted: member.muted,
  });

/**
 * How a phone leg's call ended, by its CallStatus (https://www.twilio.com/docs/voice/api/call-resource#call-status-values):
 * one that completed without ever joining was answered but not accepted (declined; a voicemail
 * box too); one we canceled while it rang was hung up by a supervisor leaving or handing back.
 */
const OUTCOMES: Record<string, LegOutcome> = {
  completed: 'declined',
  busy: 'busy',
  'no-answer': 'no-answer',
  failed: 'failed',
  canceled: 'left',
};

export type LegStatus = {
  legSid: string;
  callId: string;
  role: MemberRole;
  who: string;
  to?: string;
  callStatus: string;
};

/**
 * A phone leg's status callback. A leg that never joined is recorded as it ended (busy, no
 * answer, declined, failed), one that had joined as left; the transcript says where the caller
 * is now, and a caller left alone in the conference is returned to someone (the leaving rule).
 * Answered and other passing states change nothing; a replay changes nothing twice.
 */
export async function legStatus(input: LegStatus, deps: Deps): Promise<void> {
  const outcome = OUTCOMES[input.callStatus];
  if (!outcome) return;
  const changed = await changeConference(deps, input.callId, {
    kind: 'ended',
    leg: input.legSid,
    outcome,
    member: { role: input.role, who: input.who, via: 'phone', to: input.to },
  });
  if (!changed) return;
  if ((await endIfCallerAlone(deps, input.callId, changed.after)) === 'hung-up') return;
  await noteEnded(deps, changed, input.legSid);
}
