/**
 * A call's voice conference (issue 24), decided without I/O: its name and URLs, the TwiML each
 * leg runs, and how each event (a leg rung, a key pressed, a status callback) changes the call's
 * record of it. Replays and late callbacks change nothing twice: every transition returns
 * undefined when the record already says what the event says.
 */
import { createHash } from 'node:crypto';
import type { CallConference, ConferenceMember, LiveCall } from '@aurora/model';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { holderOf } from './callControl';
import {
  MAX_UPDATE_TWIML_CHARS,
  type Preamble,
  WEBHOOK_PATHS,
  speakable,
  type voiceFor,
} from './twiml';

export type MemberRole = ConferenceMember['role'];
export type MemberState = ConferenceMember['state'];
/** Whose words a transcription callback carries. */
export type Speaker = 'caller' | MemberRole;
/** How a leg ended without being (or staying) in the conference. */
export type LegOutcome = Exclude<MemberState, 'ringing' | 'joined'>;

/**
 * The conference's name. Twilio asks that a conference's name hold no personal data ("do not use
 * … phone numbers … when naming the conferences", https://www.twilio.com/docs/voice/twiml/conference),
 * and a call id holds the caller's number, so the name is a digest of the call id: the same
 * for every leg of the call, and stored on the call (`conference.name`) for whoever needs it.
 */
export const conferenceName = (callId: string) => `aurora-${callDigest(callId)}`;

/** A digest of the call id, for the names Twilio keeps (and shows in its console and logs): never the caller's number. */
const callDigest = (callId: string) =>
  createHash('sha256').update(callId).digest('hex').slice(0, 32);

/**
 * The caller's real-time transcription, named so that returning them to Aurora can stop it: by
 * the conference's digest, as a transcription's name is kept by Twilio like a conference's
 * (https://www.twilio.com/docs/voice/twiml/transcription, "name"), and a call id holds the number.
 */
export const callerTranscription = (callId: string) => `caller-${callDigest(callId)}`;
/** A human leg's real-time transcription. */
export const legTranscription = (legSid: string) => `leg-${legSid}`;

function url(baseUrl: string, path: string, query: Record<string, string | undefined>): string {
  const search = new URLSearchParams(
    Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();
  return `${baseUrl}${path}?${search}`;
}

/**
 * The URLs Twilio requests for a call's conference, each naming the call (and the leg's role
 * and who it is, which Twilio's own request does not say). Twilio signs them like every webhook.
 */
export const conferenceUrls = (baseUrl: string, callId: string) => ({
  status: url(baseUrl, WEBHOOK_PATHS.conference, { call: callId }),
  rejoin: url(baseUrl, WEBHOOK_PATHS.rejoin, { call: callId }),
  leg: (role: MemberRole, who: string) =>
    url(baseUrl, WEBHOOK_PATHS.leg, { call: callId, role, who }),
  legStatus: (role: MemberRole, who: string) =>
    url(baseUrl, WEBHOOK_PATHS.legStatus, { call: callId, role, who }),
  transcription: (speaker: Speaker, who?: string) =>
    url(baseUrl, WEBHOOK_PATHS.transcription, { call: callId, speaker, who }),
  /**
   * Only the key of the typed words, kept on the call (`conference.announcements`): a URL is
   * written to request logs (Twilio's and the platform's), and typed words may hold anything.
   */
  announce: (key: string) => url(baseUrl, WEBHOOK_PATHS.announce, { call: callId, key }),
});

/**
 * What Twilio plays into the conference from its AnnounceUrl: the typed words in the caller's
 * voice. An announcement's TwiML may hold <Play>, <Say>, <Pause> or <Redirect>
 * (https://www.twilio.com/docs/voice/api/conference-resource#update-a-conference-resource).
 */
export function announcement(text: string, voice: ReturnType<typeof voiceFor>): string {
  const response = new VoiceResponse();
  response.say(voice, speakable(text));
  return response.toString();
}

/**
 * The conference events the functions follow (statusCallbackEvent,
 * https://www.twilio.com/docs/voice/twiml/conference, "statusCallbackEvent"): start and end
 * of the conference, each participant joining and leaving, and muting.
 */
const EVENTS: NonNullable<VoiceResponse.ConferenceAttributes['statusCallbackEvent']> = [
  'start',
  'end',
  'join',
  'leave',
  'mute',
];

type Join = {
  name: string;
  statusCallback: string;
  /** The caller ends the conference on leaving; a human leaves it to the others. */
  endOnExit: boolean;
  muted?: boolean;
  /** The caller's <Dial action>: where they go when the conference is over for them. */
  action?: string;
};

/**
 * <Dial><Conference>: everyone starts the conference on entering (so nobody hears hold music
 * waiting for a moderator), and there is no beep (a panicking caller should hear voices, not
 * tones). https://www.twilio.com/docs/voice/twiml/conference
 */
function joinConference(response: VoiceResponse, join: Join): void {
  response.dial(join.action ? { action: join.action } : {}).conference(
    {
      ...(join.muted === undefined ? {} : { muted: join.muted }),
      startConferenceOnEnter: true,
      endConferenceOnExit: join.endOnExit,
      beep: 'false',
      statusCallback: join.statusCallback,
      statusCallbackEvent: EVENTS,
    },
    join.name,
  );
}

/**
 * The call update that moves the caller into the conference: a line in their language, their
 * words transcribed from now on (https://www.twilio.com/docs/voice/twiml/transcription), and
 * the conference, which ends when they leave it (every human leg drops). When it is over for
 * them Twilio requests the <Dial action> (https://www.twilio.com/docs/voice/twiml/dial#action),
 * which returns them to Aurora. A few hundred characters: far under a call update's 4,000.
 */
export function callerIntoConference(input: {
  callId: string;
  baseUrl: string;
  name: string;
  line: string;
  voice: ReturnType<typeof voiceFor>;
  /** BCP-47, as the caller's Gather hears them. */
  languageCode: string;
}): string {
  const urls = conferenceUrls(input.baseUrl, input.callId);
  const response = new VoiceResponse();
  response.say(input.voice, speakable(input.line));
  response.start().transcription({
    name: callerTranscription(input.callId),
    track: 'inbound_track',
    statusCallbackUrl: urls.transcription('caller'),
    languageCode: input.languageCode,
  });
  joinConference(response, {
    name: input.name,
    statusCallback: urls.status,
    endOnExit: true,
    action: urls.rejoin,
  });
  return response.toString();
}

/**
 * A human leg (a supervisor's browser, or a phone that pressed 1): its words transcribed and
 * labelled by who speaks, joined muted when listening in. It does not end the conference on
 * leaving: the functions decide who stays with the caller (the leaving rule, steps/conference.ts).
 */
export function humanLeg(input: {
  callId: string;
  baseUrl: string;
  name: string;
  legSid: string;
  role: MemberRole;
  who: string;
  muted: boolean;
}): string {
  const urls = conferenceUrls(input.baseUrl, input.callId);
  const response = new VoiceResponse();
  response.start().transcription({
    name: legTranscription(input.legSid),
    track: 'inbound_track',
    statusCallbackUrl: urls.transcription(input.role, input.who),
  });
  joinConference(response, {
    name: input.name,
    statusCallback: urls.status,
    endOnExit: false,
    muted: input.muted,
  });
  return response.toString();
}

/** The key that joins a phone leg to the conference. */
export const JOIN_DIGIT = '1';

/**
 * A phone leg's TwiML, placed inline with the call (at most 4,000 characters, as a call update:
 * https://www.twilio.com/docs/api/errors/32018): the prompt, then one key press posted to
 * /twilio/leg (Gather's default input is dtmf: https://www.twilio.com/docs/voice/twiml/gather).
 * No key (a voicemail box, or nobody) falls through to goodbye, so it never joins. A prompt too
 * long to fit is shortened, never refused: the person still hears who is calling and can join.
 */
export function legScreening(input: {
  callId: string;
  baseUrl: string;
  role: MemberRole;
  who: string;
  prompt: string;
}): string {
  const action = conferenceUrls(input.baseUrl, input.callId).leg(input.role, input.who);
  const build = (prompt: string) => {
    const response = new VoiceResponse();
    response
      .gather({ numDigits: 1, action })
      .say(speakable(`${prompt}${prompt ? ' ' : ''}Press 1 to join.`));
    response.say(LEG_LINES.goodbye);
    response.hangup();
    return response.toString();
  };
  const words = speakable(input.prompt).split(' ');
  const whole = build(words.join(' '));
  if (whole.length <= MAX_UPDATE_TWIML_CHARS) return whole;
  // The most words that fit, found by halving (escaping makes characters count unevenly).
  let fits = 0;
  let over = words.length;
  while (over - fits > 1) {
    const mid = Math.floor((fits + over) / 2);
    if (build(words.slice(0, mid).join(' ')).length <= MAX_UPDATE_TWIML_CHARS) fits = mid;
    else over = mid;
  }
  return build(words.slice(0, fits).join(' '));
}

/** Stops the caller's transcription before Aurora listens again, so no words are transcribed twice. */
export const stopCallerTranscription =
  (callId: string): Preamble =>
  (response) => {
    response.stop().transcription({ name: callerTranscription(callId) });
  };

/** What a phone leg or a supervisor's browser hears from the functions (English, as on-call staff are addressed everywhere). */
export const LEG_LINES = {
  goodbye: 'Goodbye.',
  ended: 'The call has ended. Goodbye.',
  notNeeded: 'You are no longer needed on this call. Goodbye.',
  notConnected:
    'The caller could not be connected just now. The call goes on without you. Goodbye.',
  notAdmin: 'This line is for supervisors only. Goodbye.',
  notHolding: (holder: string | null) =>
    holder
      ? `${holder} has this call. Take it on the dashboard first.`
      : 'Take the call on the dashboard first.',
  /** Listening to a call a supervisor holds and types on: there is no voice to hear (see browserRefusal). */
  holderTyping: (holder: string) =>
    `${holder} has this call and is typing to the caller: there is no voice to listen to. Goodbye.`,
  tooSlow: 'Aurora could not connect you in time. Please try again.',
} as const;

/**
 * Why a supervisor's browser may not join the call's conference now, as said to them, or null
 * if it may: talking needs the call held by them (Talk is a take, then the browser connects).
 * Listening in needs no holding: on a call nobody holds, the listener's join moves the caller
 * into the conference if they are not in yet, and Aurora answers them there
 * (auroraAnswersInConference). The one call it is refused on is one a supervisor holds and types
 * on, the caller not in the conference: moved in for a muted listener, the caller would be with a
 * holder who has no voice there, so the leaving rule (callerLeftAlone) would end the conference as
 * soon as they joined it, cutting the holder's typed words and dropping the listener.
 */
export function browserRefusal(
  call: LiveCall,
  adminId: string,
  mode: 'talk' | 'listen',
): string | null {
  if (call.status !== 'ACTIVE' || call.purging) return LEG_LINES.ended;
  const holder = holderOf(call);
  if (mode === 'listen')
    return holder && !call.conference?.caller_in ? LEG_LINES.holderTyping(holder) : null;
  return holder === adminId ? null : LEG_LINES.notHolding(holder);
}

/**
 * Whether Aurora is the voice the caller hears in the conference: they are in it and nobody holds
 * the call (supervisors there only listen). Their transcribed words are then answered by Aurora,
 * and her reply is announced into the conference (steps/conferenceReply.ts).
 */
export const auroraAnswersInConference = (
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>,
): boolean => !!call.conference?.caller_in && holderOf(call) === null;

export type MemberEvent =
  /** A phone leg Twilio accepted: it rings. */
  | {
      kind: 'ringing';
      leg: string;
      role: MemberRole;
      who: string;
      to: string;
      /** Who held the call when the leg was rung (absent: nobody). */
      holder?: string;
    }
  /** A human leg joins: a browser's request, or a phone's key press. The caller comes in with it. */
  | {
      kind: 'joined';
      leg: string;
      role: MemberRole;
      who: string;
      via: ConferenceMember['via'];
      to?: string;
      muted: boolean;
    }
  /** A leg ended (or was refused, or failed to connect); a leg never listed is listed as it ended. */
  | {
      kind: 'ended';
      leg: string;
      outcome: LegOutcome;
      member?: Pick<ConferenceMember, 'role' | 'who' | 'via' | 'to'>;
    }
  /** A joined leg is muted or unmuted. */
  | { kind: 'muted'; leg: string; muted: boolean }
  /** Twilio named the conference (conference-start, a human's participant-join). */
  | ({ kind: 'conference-started'; sid: string } & RunningConference)
  /** The caller joined the conference (their participant-join): they are in it, whatever was recorded. */
  | ({ kind: 'caller-joined'; sid: string } & RunningConference)
  /**
   * The conference is over for the caller: Twilio's conference-end (with its sid: an end of an
   * earlier conference of the same call changes nothing), or the caller's <Dial action> (none).
   */
  | {
      kind: 'conference-ended';
      sid?: string;
      /** When Twilio says it ended (its Timestamp): one older than the caller's move in is an earlier conference's. */
      endedAt?: string;
    }
  /** Moving the caller in failed: they are not in, and the leg that brought them is not joined. */
  | { kind: 'move-failed'; leg: string };

/**
 * Which conference Twilio lists as running under the call's name (null: none), asked when an
 * event names a conference other than the one recorded; absent when it was not asked or could
 * not be. One name runs one conference at a time
 * (https://www.twilio.com/docs/voice/api/conference-resource#read-multiple-conference-resources,
 * FriendlyName and Status), so it is the call's current one. Twilio's conference callbacks may
 * come late and out of order, and their SequenceNumber orders the events of one conference only
 * (https://www.twilio.com/docs/voice/api/conference-resource#conference-status-callback), so it
 * cannot tell a late event of an earlier conference of the call from one of the current conference.
 */
export type RunningConference = { running?: string | null };

/**
 * Whether an event naming conference `sid` is of another conference than the call's current one:
 * Twilio lists another one running (or none: that one has ended), or, Twilio not asked, the
 * record already names another. Such an event must not change the current one's record: a late
 * conference-start or caller's join of an ended conference would otherwise point the call at it,
 * and every event of the live one would then be taken for an earlier conference's.
 */
export const ofAnotherConference = (
  current: Pick<CallConference, 'sid'>,
  sid: string,
  { running }: RunningConference,
): boolean =>
  running !== undefined ? running !== sid : current.sid !== undefined && current.sid !== sid;

const without = <T extends object, K extends keyof T>(object: T, key: K): Omit<T, K> => {
  const copy = { ...object };
  delete copy[key];
  return copy;
};

/**
 * The call's conference after `event`, as the fields to write on the call, or undefined when the
 * event changes nothing (a replay, a late or out-of-order callback, a leg already settled).
 * A member's state only moves forward: ringing, then joined or how it ended; joined, then left.
 */
export function conferenceChange(
  call: Pick<LiveCall, 'conference'>,
  callId: string,
  event: MemberEvent,
  at: string,
): { conference: CallConference } | undefined {
  const current = call.conference;
  const base: CallConference = current ?? { name: conferenceName(callId), caller_in: false };
  const members = { ...(base.members ?? {}) };
  const withMembers = (conference: CallConference) => ({ conference: { ...conference, members } });
  const member = 'leg' in event ? members[event.leg] : undefined;
  switch (event.kind) {
    case 'ringing': {
      if (member) return undefined;
      members[event.leg] = {
        role: event.role,
        who: event.who,
        via: 'phone',
        to: event.to,
        state: 'ringing',
        muted: false,
        at,
        ...(event.holder ? { rang_holder: event.holder } : {}),
      };
      return withMembers(base);
    }
    case 'joined': {
      if (member && member.state !== 'ringing') return undefined;
      members[event.leg] = {
        ...(member ?? {
          role: event.role,
          who: event.who,
          via: event.via,
          ...(event.to ? { to: event.to } : {}),
        }),
        state: 'joined',
        muted: event.muted,
        at,
      };
      // The first human in brings the caller in, into a conference Twilio has not named yet
      // (and which the caller has not yet joined: their own participant-join says when). When
      // they last left a conference is kept: a move in that fails (move-failed) leaves them out
      // again, and their words from before it, transcribed late, are still theirs to keep
      // (core/transcription.ts callerOutBecause); the next time they leave replaces it.
      return withMembers(
        base.caller_in
          ? base
          : {
              ...without(without(base, 'sid'), 'caller_joined_at'),
              caller_in: true,
              started_at: at,
            },
      );
    }
    case 'ended': {
      if (!member) {
        if (!event.member || !current) return undefined;
        const { role, who, via, to } = event.member;
        // No undefined values: the Realtime Database refuses a write that holds one.
        members[event.leg] = {
          role,
          who,
          via,
          ...(to ? { to } : {}),
          state: event.outcome,
          muted: false,
          at,
        };
        return withMembers(base);
      }
      if (member.state === 'ringing') members[event.leg] = { ...member, state: event.outcome, at };
      else if (member.state === 'joined') members[event.leg] = { ...member, state: 'left', at };
      else return undefined;
      return withMembers(base);
    }
    case 'muted': {
      if (!member || member.state !== 'joined' || member.muted === event.muted) return undefined;
      // When it was unmuted: a late callback for words said while muted is judged against it.
      members[event.leg] = {
        ...member,
        muted: event.muted,
        ...(event.muted ? {} : { unmuted_at: at }),
      };
      return withMembers(base);
    }
    case 'conference-started': {
      if (!current || current.sid === event.sid) return undefined;
      if (ofAnotherConference(current, event.sid, event)) return undefined;
      return withMembers({ ...current, sid: event.sid });
    }
    case 'caller-joined': {
      if (!current) return undefined;
      // A late join of an ended conference: the caller is not in it (they may be at a Gather, or in the next one).
      if (ofAnotherConference(current, event.sid, event)) return undefined;
      // A replay changes nothing; a first join (the sid may be known from the conference's start) is recorded with its time.
      if (current.caller_in && current.sid === event.sid && current.caller_joined_at)
        return undefined;
      return withMembers({ ...current, caller_in: true, sid: event.sid, caller_joined_at: at });
    }
    case 'conference-ended': {
      if (!current) return undefined;
      if (event.sid && current.sid && current.sid !== event.sid) return undefined;
      if (!current.sid && endedBefore(event.endedAt, current.started_at)) return undefined;
      const joined = Object.keys(members).filter((leg) => members[leg].state === 'joined');
      if (!current.caller_in && current.sid === undefined && joined.length === 0) return undefined;
      for (const leg of joined) members[leg] = { ...members[leg], state: 'left', at };
      // Typed words not yet spoken never will be: nobody is left to hear them.
      return withMembers({
        ...without(without(without(current, 'sid'), 'announcements'), 'aurora_announcements'),
        caller_in: false,
        ...(current.caller_in ? { caller_left_at: at } : {}),
      });
    }
    case 'move-failed': {
      if (!current) return undefined;
      if (member?.state === 'joined') members[event.leg] = { ...member, state: 'failed', at };
      return withMembers({ ...without(current, 'sid'), caller_in: false });
    }
  }
}

/**
 * Whether Twilio's end time is before the caller's move in (both readable), so it ended an
 * earlier conference. Twilio's Timestamp counts whole seconds (RFC 2822), so a second's grace.
 */
const endedBefore = (endedAt: string | undefined, startedAt: string | undefined) => {
  const ended = Date.parse(endedAt ?? '');
  const started = Date.parse(startedAt ?? '');
  return Number.isFinite(ended) && Number.isFinite(started) && ended < started - 1000;
};

/** The legs in the conference now, by CallSid. */
export const joinedLegs = (conference: CallConference | undefined) =>
  Object.entries(conference?.members ?? {}).filter(([, member]) => member.state === 'joined');

/** An admin's own legs in these states (a supervisor's browser or phone), by CallSid. */
export const ownLegs = (
  conference: CallConference | undefined,
  adminId: string,
  states: MemberState[],
) =>
  Object.entries(conference?.members ?? {}).filter(
    ([, member]) =>
      member.role === 'supervisor' && member.who === adminId && states.includes(member.state),
  );

/** The legs the caller hears: in the conference and not muted (a listener, joined muted, is not company). */
export const heardLegs = (conference: CallConference | undefined) =>
  joinedLegs(conference).filter(([, member]) => !member.muted);

/**
 * A caller in the conference with nobody left whom they hear: the conference must end, so they go
 * back to someone, and the listeners drop with it. Nobody they hear means no unmuted human is
 * joined, and either someone holds the call (muted listeners are no company beside a holder who
 * has no voice there) or no human is joined at all. With nobody holding, a muted listener keeps
 * the conference going: Aurora answers the caller there (auroraAnswersInConference).
 */
export const callerLeftAlone = (call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>) =>
  !!call.conference?.caller_in &&
  heardLegs(call.conference).length === 0 &&
  (holderOf(call) !== null || joinedLegs(call.conference).length === 0);

/**
 * Whether a human voice reached the caller in the call's latest conference (since the caller was
 * last moved in, `started_at`): a member who joined it unmuted, or unmuted later. False when Aurora
 * was the caller's only voice there and supervisors only listened. Members are kept across the
 * call's conferences, so only those whose state changed since the move in count; a member who
 * joined unmuted and muted again counts as never heard (its record keeps no trace of the join),
 * which costs only the line the caller hears back (none instead of "Aurora here again").
 */
export function humanHeardIn(conference: CallConference | undefined): boolean {
  const since = Date.parse(conference?.started_at ?? '');
  return Object.values(conference?.members ?? {}).some(
    (m) =>
      (m.state === 'joined' || m.state === 'left') &&
      (!m.muted || m.unmuted_at !== undefined) &&
      !(Date.parse(m.at) < since),
  );
}

/**
 * The transcript's line when the conference is over and the caller is back: with whom, or none
 * when nobody held the call and no human voice reached them (Aurora was their voice all along,
 * and each listener's leaving was noted: "… stopped listening").
 */
export function callerBackNote(
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>,
): string | null {
  const heard = humanHeardIn(call.conference);
  if (!heard && holderOf(call) === null) return null;
  return heard
    ? CONFERENCE_NOTES.callerBack(callerIsWith(call))
    : CONFERENCE_NOTES.nobodySpoke(callerIsWith(call));
}

/**
 * A participant of a running conference as Twilio lists it (the Participant resource's
 * call_sid, end_conference_on_exit, muted, hold and status:
 * https://www.twilio.com/docs/voice/api/conference-participant-resource). Twilio lists only
 * participants connecting to or connected to a conference not completed, never ones gone.
 */
export type ConferenceParticipant = {
  callSid: string;
  /** Whether the conference ends when this participant leaves: the caller's join alone says so. */
  endConferenceOnExit: boolean;
  muted: boolean;
  hold: boolean;
  /** queued, connecting, ringing, connected, complete or failed: only `connected` is in the room. */
  status: string;
};

/**
 * Whom the caller has with them, judged from Twilio's participant list alone (for when the
 * call's record cannot be read or written): 'not-in' when the caller is not connected to the
 * conference, 'alone' when nobody they hear is (only muted or held listeners, or nobody),
 * 'with-someone' otherwise. `leftLeg` (a participant-leave's CallSid) is not company even if
 * Twilio still lists it. The caller is told apart without the record by how they joined: they
 * are the only participant whose leaving ends the conference (callerIntoConference joins them
 * with endConferenceOnExit; every human leg joins without it, humanLeg). That needs no label of
 * ours on any leg: a participantLabel already in use makes Twilio keep the call out of the
 * conference (https://www.twilio.com/docs/api/errors/16025), a risk a caller must not run.
 */
export function callerCompanyAt(
  participants: ConferenceParticipant[],
  leftLeg?: string,
  /**
   * Whether someone holds the call, as callerLeftAlone asks: with nobody holding, a muted
   * listener keeps the conference going (Aurora answers there). True when unknown (the call could
   * not be read): ending the conference is then the safe side, the caller goes back to Aurora.
   */
  held = true,
): 'not-in' | 'alone' | 'with-someone' {
  const connected = participants.filter((p) => p.status === 'connected' && p.callSid !== leftLeg);
  if (!connected.some((p) => p.endConferenceOnExit)) return 'not-in';
  const humans = connected.filter((p) => !p.endConferenceOnExit);
  const heard = humans.filter((p) => !p.muted && !p.hold);
  return heard.length > 0 || (!held && humans.length > 0) ? 'with-someone' : 'alone';
}

/**
 * Who the caller is with, for the notes the dashboard reads: the humans they hear in the
 * conference, else the supervisor who holds the call (typing), else Aurora.
 */
export function callerIsWith(call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>): string {
  const joined = talkingWithCaller(call);
  if (joined.length > 0) return joined.join(' and ');
  return holderOf(call) ?? 'Aurora';
}

/**
 * The holder, when their voice had left the caller with somebody else (a warm transfer: they
 * joined by voice, left, and the on-call person stayed) and the conference has since ended: the
 * caller goes back to Aurora, not to the line of a supervisor who is gone. Null when the holder
 * never joined by voice (typing), still has a leg ringing or joined, or was the last the caller
 * heard to leave (the leaving rule: they keep the call and type). Judged on when each leg left
 * (`at`, to the second): someone the caller heard left after the holder did, or in the same
 * second. A tie goes to Aurora: the safe side, since a holder who is gone would leave the caller
 * waiting for nobody, while a holder still at the dashboard can take the call again.
 */
export function holderWhoLeft(
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>,
): string | null {
  const holder = holderOf(call);
  if (!holder || call.conference?.caller_in) return null;
  const legs = Object.values(call.conference?.members ?? {});
  const isHolders = (m: ConferenceMember) => m.role === 'supervisor' && m.who === holder;
  const own = legs.filter(isHolders);
  if (own.length === 0 || own.some((m) => m.state === 'ringing' || m.state === 'joined'))
    return null;
  const left = own.filter((m) => m.state === 'left').map((m) => Date.parse(m.at));
  if (left.length === 0) return null;
  const holderLeftAt = Math.max(...left);
  const heardAfter = legs.some(
    (m) => !isHolders(m) && m.state === 'left' && !m.muted && Date.parse(m.at) >= holderLeftAt,
  );
  return heardAfter ? holder : null;
}

/** The people the caller hears in the conference, each once (one person may be on two legs). */
const talkingWithCaller = (call: Pick<LiveCall, 'conference'>) =>
  call.conference?.caller_in
    ? [...new Set(heardLegs(call.conference).map(([, member]) => member.who))]
    : [];

const device = (via: ConferenceMember['via']) =>
  via === 'browser' ? 'voice from the dashboard' : 'phone';

/**
 * The transcript's line for a leg that ended, on the call as it is after: how it ended, and who
 * the caller is with now, never naming the person whose leg ended as the caller's company. A
 * supervisor who still holds the call when their voice leaves it is with the caller only through
 * typed words on the dashboard (Aurora reads them out), and the line says so; one still on the
 * call by another leg (a browser and a phone) is said to be on it by that one.
 */
export function legEndedNote(
  member: Pick<ConferenceMember, 'who' | 'via'> & { muted?: boolean },
  outcome: LegOutcome,
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'>,
): string {
  const { who } = member;
  const talking = talkingWithCaller(call);
  if (talking.includes(who)) {
    const [, other] = heardLegs(call.conference).find(([, m]) => m.who === who)!;
    const others = talking.filter((name) => name !== who);
    return CONFERENCE_NOTES.otherLegStays(who, member.via, outcome, other.via, others);
  }
  if (talking.length > 0) return CONFERENCE_NOTES.ended(who, outcome, talking.join(' and '));
  const holder = holderOf(call);
  if (holder === who) return CONFERENCE_NOTES.holderTypes(who, outcome);
  // A listener who leaves muted was never heard: the caller's company has not changed.
  if (outcome === 'left' && member.muted)
    return CONFERENCE_NOTES.stoppedListening(who, holder ?? 'Aurora');
  return CONFERENCE_NOTES.ended(who, outcome, holder ?? 'Aurora');
}

const LEG_ENDED: Record<LegOutcome, (who: string) => string> = {
  left: (who) => `${who} left the call`,
  declined: (who) => `${who} did not accept the call`,
  busy: (who) => `${who} was busy`,
  'no-answer': (who) => `${who} did not answer`,
  failed: (who) => `The call to ${who} failed`,
};

/** The system lines the transcript records about the conference: who is rung, who joined, how each leg ended. */
export const CONFERENCE_NOTES = {
  /**
   * Words Twilio asked for (the AnnounceUrl) when the call could not be read: a supervisor's typed
   * words or Aurora's reply (steps/conferenceReply.ts). Nothing was said into the conference,
   * though the transcript has the words as said; which of the two is the line above.
   */
  notAnnounced:
    'Not spoken: the caller may not have heard the words above, typed by a supervisor or replied by Aurora (they could not be read when Twilio asked for them).',
  ringingOwnPhone: (adminId: string, to: string) =>
    `${adminId} is ringing their phone (${to}) to talk with the caller.`,
  transferring: (adminId: string, to: string) =>
    `${adminId} is ringing ${to} to hand the call over; they hear Aurora's brief first.`,
  joined: (member: Pick<ConferenceMember, 'who' | 'via' | 'muted'>) =>
    member.muted
      ? `${member.who} is listening in (muted).`
      : `${member.who} joined the call by ${member.via === 'browser' ? 'voice from the dashboard' : 'phone'}.`,
  ended: (who: string, outcome: LegOutcome, callerWith: string) =>
    `${LEG_ENDED[outcome](who)}; the caller is ${outcome === 'left' ? '' : 'still '}with ${callerWith}.`,
  /** The holder's own voice leg ended: the caller hears Aurora read out what the holder types. */
  holderTypes: (who: string, outcome: LegOutcome) =>
    `${outcome === 'left' ? `${who} left the voice call` : LEG_ENDED[outcome](who)}; ${who} still holds the call on the dashboard (typed words).`,
  /** One of a person's two legs ended; they are still talking with the caller on the other. */
  otherLegStays: (
    who: string,
    via: ConferenceMember['via'],
    outcome: LegOutcome,
    stays: ConferenceMember['via'],
    others: string[],
  ) =>
    `${LEG_ENDED[outcome](who)} (${device(via)}); ${who} is still talking with the caller by ${device(stays)}${others.length > 0 ? `, and so is ${others.join(' and ')}` : ''}.`,
  /** A supervisor who left while their phone still rang (Leave before pressing 1). */
  leftBeforeJoining: (who: string, callerWith: string) =>
    `${who} left before their phone joined the call; the caller is still with ${callerWith}.`,
  notConnected: (who: string, reason: string, callerWith: string | null) =>
    `${who} could not be connected to the caller (${reason})${callerWith ? `; the caller is still with ${callerWith}` : ''}.`,
  callerBack: (callerWith: string) =>
    `The voice conference ended; the caller is back with ${callerWith}.`,
  /** The conference ended with nobody having spoken in it (a holder took the call by typing while others listened). */
  nobodySpoke: (callerWith: string) =>
    `The voice conference ended (nobody spoke in it); the caller is with ${callerWith}.`,
  /** A muted listener left: they were never heard, and the caller is with whom they were. */
  stoppedListening: (who: string, callerWith: string) =>
    `${who} stopped listening; the caller is still with ${callerWith}.`,
  /** Aurora's reply, recorded above, was not said into the conference. */
  replyNotSpoken: (why: string) =>
    `Not spoken: Aurora's reply above was not said to the caller (${why}).`,
  /** The holder's voice had left the caller with someone else, who has gone too: Aurora, not the holder's line. */
  holderHadLeft: (holder: string) => `${holder} had left the call; Aurora has the caller again.`,
  callerHungUp: 'The caller hung up during the voice conference.',
};
