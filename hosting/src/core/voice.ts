/**
 * The supervisors' own voices on a call (issue 24) in a supervisor's words: where the caller is,
 * who else is on the call and how each leg went, who spoke a transcribed line, and what went
 * wrong with a browser's audio. Pure, so the words are tested without a browser.
 */
import type { ConferenceMember, LiveCall, LiveMessage } from '@aurora/model';
import type { VoiceMode, VoiceState } from '../voice/voiceClient';
import { ROLE_LABEL, holderOf } from './calls';

export type Member = ConferenceMember & { sid: string };

type VoiceCall = Pick<
  LiveCall,
  'mode' | 'admin_id' | 'conference' | 'status' | 'escalation' | 'purging'
>;

/** Whether the call is over for a supervisor's voice: ended, or its purge has begun (the functions refuse every leg then). */
const isOver = (call: Pick<LiveCall, 'status' | 'purging'>) =>
  call.status !== 'ACTIVE' || call.purging === true;

/**
 * Whether Aurora is the voice the caller hears in the conference: the caller is in it and nobody
 * holds the call, so the functions answer the caller's transcribed words and announce the reply
 * into the conference (the functions' auroraAnswersInConference). Anyone there only listens.
 */
export const auroraAnswersInConference = (
  call: Pick<LiveCall, 'mode' | 'admin_id' | 'conference'> | null,
) => !!call?.conference?.caller_in && holderOf(call) === null;

/** States of a leg still on (or joining) the call. */
const LIVE_STATES: ReadonlySet<ConferenceMember['state']> = new Set(['ringing', 'joined']);
export const isLive = (member: ConferenceMember) => LIVE_STATES.has(member.state);

const ORDER: Record<ConferenceMember['state'], number> = {
  joined: 0,
  ringing: 1,
  left: 2,
  declined: 2,
  busy: 2,
  'no-answer': 2,
  failed: 2,
};

/** The call's human legs: those on the call first, then those ringing, then the ended ones; oldest first within each. */
export function membersOf(call: Pick<LiveCall, 'conference'> | null): Member[] {
  return Object.entries(call?.conference?.members ?? {})
    .map(([sid, member]) => ({ ...member, sid }))
    .sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.at.localeCompare(b.at));
}

export const isMine = (member: ConferenceMember, me: string) =>
  member.role === 'supervisor' && member.who === me;

/** This supervisor's legs still on (or joining) the call: what Leave drops and Mute mutes. */
export const myLiveLegs = (call: Pick<LiveCall, 'conference'> | null, me: string) =>
  membersOf(call).filter((m) => isMine(m, me) && isLive(m));

/** Whether this supervisor is heard on the call: unmuted on a joined leg. Null when no leg of theirs has joined. */
export function myMuted(call: Pick<LiveCall, 'conference'> | null, me: string): boolean | null {
  const joined = myLiveLegs(call, me).filter((m) => m.state === 'joined');
  return joined.length === 0 ? null : joined.every((m) => m.muted);
}

/** "you", "ben@site.example", "on-call +15550190001": a member as the others read their name. */
function nameOf(member: ConferenceMember, me: string): string {
  if (isMine(member, me)) return 'you';
  return member.role === 'oncall' ? `on-call ${member.who}` : member.who;
}

const joinWords = (names: string[]) =>
  names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;

/** The names of these legs' people, each once, "you" first: the supervisor reading wants to know first whether they are on it. */
function namesOf(legs: Member[], me: string): string[] {
  const names = [...new Set(legs.map((m) => nameOf(m, me)))];
  return names.sort((a, b) => Number(b === 'you') - Number(a === 'you'));
}

/**
 * The humans in the conference with the caller, leaving out the leg `except`: those the caller
 * hears (`talking`) and those only listening, muted. Empty when the caller is not in one.
 */
function conferenceCompany(call: VoiceCall, me: string, except?: string) {
  if (!call.conference?.caller_in) return { talking: [], listening: [] };
  const joined = membersOf(call).filter((m) => m.state === 'joined' && m.sid !== except);
  return {
    talking: namesOf(
      joined.filter((m) => !m.muted),
      me,
    ),
    listening: namesOf(
      joined.filter((m) => m.muted),
      me,
    ).filter((name) => !joined.some((m) => !m.muted && nameOf(m, me) === name)),
  };
}

/** "You are", "ben@site.example is", "You and ben@site.example are". */
const areWords = (names: string[]) =>
  `${joinWords(names).replace(/^you\b/, 'You')} ${names.length === 1 && names[0] !== 'you' ? 'is' : 'are'}`;

/**
 * Who the caller is with, leaving out the leg `except`: the humans they hear in the conference;
 * else, when nobody holds the call, Aurora (she answers in the conference while others listen);
 * else those only listening (muted: the caller hears nobody, and the page says so); else whoever
 * holds the call (the caller's <Dial action> takes them back to the holder's typing).
 */
export function callerCompany(call: VoiceCall, me: string, except?: string): string {
  const { talking, listening } = conferenceCompany(call, me, except);
  if (talking.length > 0) return joinWords(talking);
  if (listening.length > 0 && !auroraAnswersInConference(call))
    return `${joinWords(listening)}, listening muted: nobody is talking`;
  const holder = holderOf(call);
  if (!holder) return 'Aurora';
  return holder === me ? 'you' : holder;
}

/**
 * Whether the caller is in the conference with only muted listeners and a holder who has no voice
 * there: they hear nobody. With nobody holding the call Aurora answers them there, so they are heard.
 */
export function callerUnheard(call: VoiceCall): boolean {
  const { talking, listening } = conferenceCompany(call, '');
  return talking.length === 0 && listening.length > 0 && !auroraAnswersInConference(call);
}

/** The call-level line above the roster: whether the caller is in the conference or with Aurora, and who hears whom. */
export function callerLine(call: VoiceCall, me: string): string {
  if (call.status !== 'ACTIVE') return 'The call has ended.';
  if (call.conference?.caller_in) {
    const { talking, listening } = conferenceCompany(call, me);
    const listeners = listening.length > 0 ? ` ${areWords(listening)} listening, muted.` : '';
    if (talking.length > 0)
      return `The caller is in the conference with ${joinWords(talking)}.${listeners}`;
    if (listening.length > 0 && auroraAnswersInConference(call))
      return `The caller is in the conference with Aurora, who answers them.${listeners}`;
    if (listening.length > 0)
      return `The caller is in the conference, but nobody there is talking to them:${listeners} Speak up, or leave so they go back to ${callerCompany({ ...call, conference: undefined }, me)}.`;
    return `The caller is in the conference; if nobody joins, they go back to ${callerCompany(call, me)}.`;
  }
  const holder = holderOf(call);
  if (!holder) return 'The caller is with Aurora.';
  return holder === me
    ? 'The caller is with you: Aurora reads out what you type.'
    : `The caller is with ${holder}, who types what Aurora reads out.`;
}

/** "Your phone (+1555…)", "ben@site.example's browser", "On-call +1555…": who a leg is, as a sentence's subject. */
function subjectOf(member: ConferenceMember, me: string): string {
  if (member.role === 'oncall') return `On-call ${member.who}`;
  const device = member.via === 'phone' ? `phone${member.to ? ` (${member.to})` : ''}` : 'browser';
  return isMine(member, me) ? `Your ${device}` : `${member.who}'s ${device}`;
}

/**
 * One leg in words: who, by what, how it went, muted or not. A leg that never joined says who
 * the caller is still with, so nobody wonders whether the caller was left alone.
 */
export function memberLine(member: Member, call: VoiceCall, me: string): string {
  const subject = subjectOf(member, me);
  const stillWith = () => ` — the caller is still with ${callerCompany(call, me, member.sid)}`;
  switch (member.state) {
    case 'ringing':
      if (member.role === 'oncall')
        return `${subject} is being called: they hear Aurora's brief of the call, then press 1 to join`;
      return member.via === 'phone'
        ? `${subject} is ringing: answer and press 1 to join`
        : `${subject} is connecting`;
    case 'joined':
      return member.muted
        ? `${subject} joined, muted: listening without being heard`
        : `${subject} joined: heard by the caller`;
    case 'left':
      return `${subject} left the call`;
    case 'declined':
      return `${subject} declined${stillWith()}`;
    case 'busy':
      return `${subject} was busy${stillWith()}`;
    case 'no-answer':
      return `${subject} did not answer${stillWith()}`;
    case 'failed':
      return `${subject} could not be called${stillWith()}`;
  }
}

/** Who said a transcript line: on-call staff and supervisors' spoken words are named, as the call may have several. */
export function speakerLabel(message: Pick<LiveMessage, 'role' | 'by' | 'spoken'>): string {
  if (message.role === 'oncall') return message.by ? `On-call (${message.by})` : 'On-call';
  if (message.role === 'admin' && message.by)
    return `Supervisor ${message.by}${message.spoken ? ' (voice)' : ''}`;
  if (message.role === 'admin' && message.spoken) return 'Supervisor (voice)';
  return (ROLE_LABEL as Record<string, string | undefined>)[message.role] ?? message.role;
}

/**
 * Why Listen is not offered, or null when it is (the functions' browserRefusal): on any live call
 * nobody holds, a listener's join moves the caller into the call's conference if they are not in
 * yet, and Aurora goes on answering there. The one live call it is not offered on is one a
 * supervisor holds and types on, the caller not in a conference: there is no voice to hear, and
 * the functions refuse the leg (moved in beside a holder with no voice, the caller would be alone).
 */
export function listenBlocked(call: VoiceCall, me: string): string | null {
  if (isOver(call)) return 'The call has ended.';
  const holder = holderOf(call);
  if (!holder || call.conference?.caller_in) return null;
  return holder === me
    ? 'You hold this call and type to the caller: there is no voice to listen to. Talk to speak with them.'
    : `${holder} holds this call and types to the caller: there is no voice to listen to until someone talks.`;
}

/** Why Talk is not offered, or null when it is. */
export function talkBlocked(call: VoiceCall, me: string): string | null {
  if (isOver(call)) return 'The call has ended.';
  const holder = holderOf(call);
  if (holder && holder !== me)
    return `${holder} holds this call. Listen in, then Speak up to be heard.`;
  return null;
}

/** The on-call numbers this call's escalation texted: offered first for a transfer (the dashboard knows no others). */
export function knownOnCallNumbers(call: Pick<LiveCall, 'escalation'>): string[] {
  return [...new Set(Object.values(call.escalation?.recipients ?? {}).map((r) => r.to))];
}

/** A typed number as E.164 (spaces, dashes, dots and brackets dropped), or null if it is not one. */
export function e164(typed: string): string | null {
  const number = typed.replace(/[\s\-().]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(number) ? number : null;
}

/**
 * This supervisor's browser voice by the call's record (`conference.members`), never by the SDK:
 * the SDK's connection is open as soon as Twilio answers the TwiML App, even for a leg the
 * functions then refuse. `heard`: joined unmuted with the caller in the conference; `muted`:
 * joined muted (nobody hears them); `waiting`: joined but the caller not in yet; `absent`: not
 * recorded joined.
 */
export type BrowserLeg = 'absent' | 'waiting' | 'heard' | 'muted';

export function browserLeg(call: Pick<LiveCall, 'conference'> | null, me: string): BrowserLeg {
  const joined = myLiveLegs(call, me).filter((m) => m.via === 'browser' && m.state === 'joined');
  if (joined.length === 0) return 'absent';
  if (joined.every((m) => m.muted)) return 'muted';
  return call?.conference?.caller_in ? 'heard' : 'waiting';
}

/** Whether this supervisor's browser leg is with the caller by the record: joined (muted or not) while the caller is in the conference. */
export const browserLegWithCaller = (call: Pick<LiveCall, 'conference'> | null, me: string) =>
  !!call?.conference?.caller_in && browserLeg(call, me) !== 'absent';

/**
 * The Mute button by the record: "Mute" or "Speak up" once a leg of this supervisor's has joined,
 * else none (the functions refuse a mute with no joined leg). Never what was asked: a mute the
 * functions refused, or that reached no leg, leaves the record, and so the button, as it was.
 * With nobody holding the call, speaking up takes it (the functions take it with the unmute, so
 * Aurora does not answer over the supervisor): the button says so.
 */
export function muteLabel(
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'> | null,
  me: string,
) {
  const muted = myMuted(call, me);
  if (muted === null) return null;
  if (!muted) return 'Mute';
  return call && holderOf(call) === null ? 'Speak up (take the call)' : 'Speak up';
}

/**
 * What the button that takes this supervisor off the call says. A listener who spoke up is
 * heard by the caller: leaving then hangs up on a conversation, not on listening.
 */
export function leaveLabel(
  state: Pick<VoiceState, 'mode'> | null,
  call: Pick<LiveCall, 'conference'> | null,
  me: string,
): string {
  if (!state) return 'Leave the call';
  return state.mode === 'talk' || myMuted(call, me) === false ? 'Hang up' : 'Stop listening';
}

/**
 * The supervisor's own browser voice, in words. "Talking: the caller hears you" only once the
 * record says so (browserLeg); `refusal`: why Aurora refused the leg, when it closed without
 * ever reaching the caller (refusalText).
 */
export function voiceStateText(
  state: VoiceState,
  call: Pick<LiveCall, 'conference' | 'mode' | 'admin_id'> | null,
  me: string,
  refusal: string | null = null,
): string {
  switch (state.phase) {
    case 'idle':
      return '';
    case 'connecting':
      return state.mode === 'listen' ? 'Joining to listen…' : 'Connecting your microphone…';
    case 'open':
      switch (browserLeg(call, me)) {
        case 'heard':
          return 'Talking: the caller hears you';
        case 'muted':
          // Nobody holds the call: Aurora answers the caller in the conference, heard by whoever listens.
          if (auroraAnswersInConference(call))
            return 'Listening: Aurora is answering; the caller cannot hear you';
          // A listener who spoke up and muted again is listening again.
          return state.mode === 'listen'
            ? 'Listening: the caller cannot hear you'
            : 'Muted: the caller cannot hear you';
        default:
          return 'Connecting you to the caller…';
      }
    case 'closed':
      return refusal ?? state.reason ?? 'You left the call.';
    case 'failed':
      return state.reason ?? 'Your voice could not join the call.';
  }
}

/**
 * Why this supervisor could not be connected, as the transcript's system line names it
 * (functions' CONFERENCE_NOTES.notConnected: "{who} could not be connected to the caller
 * ({reason}); the caller is still with …."), or null if the line is not that.
 */
export function notConnectedReason(
  message: Pick<LiveMessage, 'role' | 'content'>,
  me: string,
): string | null {
  const prefix = `${me} could not be connected to the caller (`;
  if (message.role !== 'system' || !message.content.startsWith(prefix)) return null;
  const rest = message.content.slice(prefix.length);
  // The first ")" that closes the line: a reason may hold brackets of its own.
  const end = rest.search(/\)(?:; the caller is still with .*)?\.$/);
  return end > 0 ? rest.slice(0, end) : null;
}

/** Why the functions refuse a browser leg, read from the record (their browserRefusal's rules), or null when it does not say. */
function refusalReason(call: VoiceCall | null, me: string, mode: VoiceMode | undefined) {
  if (!call || isOver(call)) return 'the call has ended';
  const holder = holderOf(call);
  if (mode === 'listen' && holder && !call.conference?.caller_in)
    return holder === me
      ? 'you hold the call and type to the caller, so there is no voice to listen to'
      : `${holder} holds the call and types to the caller, so there is no voice to listen to`;
  if (mode === 'talk' && holder !== me)
    return holder ? `${holder} holds the call` : 'you do not hold the call any more';
  return null;
}

/**
 * The browser's leg closed without ever reaching the caller: the functions refused it (they speak
 * the refusal into the leg, then hang up). Said plainly, with why when the transcript's system
 * line (`note`, notConnectedReason) or the record says.
 */
export function refusalText(
  call: VoiceCall | null,
  me: string,
  mode: VoiceMode | undefined,
  note: string | null,
): string {
  const why = note ?? refusalReason(call, me, mode);
  return `Aurora refused to connect your voice${why ? `: ${why}` : ''}.`;
}

/** A voice problem, and what still works: typing for the supervisor who holds the call, else the transcript. */
export function voiceProblemText(reason: string, typing: boolean): string {
  return typing
    ? `${reason} Typing still works: write below and Aurora says it to the caller.`
    : `${reason} The transcript still shows every word.`;
}

/** What the Voice SDK or the browser reported, reduced to what lets us word it. */
export type VoiceFailure = { code?: number; name?: string; message?: string };

/** Error codes of the Voice JavaScript SDK (https://www.twilio.com/docs/api/errors), grouped by what a supervisor can do about them. */
const MICROPHONE_DENIED = new Set([31401]); // https://www.twilio.com/docs/api/errors/31401
const MICROPHONE_MISSING = new Set([31402]); // https://www.twilio.com/docs/api/errors/31402
const TOKEN = new Set([20101, 20104, 20151, 31201, 31202, 31204, 31205, 31207]); // https://www.twilio.com/docs/api/errors/20104
const NETWORK = new Set([31003, 31005, 31009, 53000, 53001, 53405]); // https://www.twilio.com/docs/api/errors/31005
const APP_MISSING = new Set([31001, 31404]); // https://www.twilio.com/docs/api/errors/31001

export const MICROPHONE_DENIED_TEXT =
  'Your browser did not allow the microphone. Allow it for this site (the icon by the address), then try again.';

/** A Voice SDK error (or a getUserMedia DOMException) in plain words, with what to do. */
export function voiceErrorText(failure: VoiceFailure): string {
  const { code, name } = failure;
  if ((code && MICROPHONE_DENIED.has(code)) || name === 'NotAllowedError')
    return MICROPHONE_DENIED_TEXT;
  if (
    (code && MICROPHONE_MISSING.has(code)) ||
    name === 'NotFoundError' ||
    name === 'NotReadableError'
  )
    return 'No microphone could be used: check one is connected and no other app holds it, then try again.';
  if (code && TOKEN.has(code))
    return 'Your voice sign-in expired or was refused. Try again; if it keeps failing, sign out and in.';
  if (code && NETWORK.has(code))
    return "The audio connection to Twilio failed or dropped. Check this device's network, then try again.";
  if (code && APP_MISSING.has(code))
    return "Twilio could not find Aurora's voice app (its TwiML App). Ask your Aurora administrator to run preflight.";
  if (code) return `The call's audio failed (Twilio error ${code}). Try again.`;
  return failure.message
    ? `The call's audio failed: ${failure.message}`
    : "The call's audio failed.";
}
