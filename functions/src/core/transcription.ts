/**
 * Twilio's real-time transcription of a call's conference legs (issue 24): what one status
 * callback says, and what it does to the live conversation and the call. The words of each leg
 * become one message each, labelled with who spoke; the caller's keep raising urgency as a
 * turn's do (the Settle a turn uses, core/turnPlan.ts). Pure: calls/transcription.ts reads,
 * claims the utterance in a transaction over the call and writes what this decides.
 *
 * The callback's fields: https://www.twilio.com/docs/voice/twiml/transcription#statuscallbackurl
 * (every event: AccountSid, CallSid, TranscriptionSid, Timestamp, SequenceId, TranscriptionEvent;
 * transcription-content adds TranscriptionData, a JSON string {"transcript", "confidence"}, with
 * Final, Track and LanguageCode; transcription-error adds TranscriptionError and TranscriptionErrorCode).
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import {
  CALL_ID_PATTERN,
  type CallConference,
  type LiveCall,
  type LiveMessage,
  type Role,
  siteIso,
} from '@aurora/model';
import { turnInFlight } from './callState';
import type { Settle } from './turnPlan';

/** Who a transcription's leg is: the caller, a supervisor (browser or phone), or the on-call person a call was transferred to. */
export const Speaker = z.enum(['caller', 'supervisor', 'oncall']);
export type Speaker = z.infer<typeof Speaker>;

/**
 * The query of a transcription's statusCallbackUrl, as core/conference.ts builds it:
 * `?call={callId}&speaker=caller|supervisor|oncall&who={admin id or number}`. A human leg names
 * who spoke; the caller needs no name.
 */
export const TranscriptionQuery = z
  .object({
    call: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
    speaker: Speaker,
    who: z
      .string()
      .min(1)
      .max(200)
      .regex(/^[^\p{Cc}]+$/u, 'not a name or number')
      .optional(),
  })
  .refine((query) => query.speaker === 'caller' || query.who !== undefined, {
    message: 'a supervisor or on-call leg names who spoke',
    path: ['who'],
  });
export type TranscriptionQuery = z.infer<typeof TranscriptionQuery>;

/**
 * The longest transcript one utterance keeps: the same as a Gather's SpeechResult
 * (triggers/twilioBodies.ts MAX_SPEECH_CHARS; a test holds them equal). Past it the words are
 * cut, not refused: a 4xx is never retried by Twilio (https://www.twilio.com/docs/api/errors/17580),
 * so refusing would lose the whole utterance, and a real one is a sentence or two.
 */
export const MAX_TRANSCRIPT_CHARS = 2000;

/** The longest TranscriptionData accepted at all; past it the body is malformed, not an utterance. */
export const MAX_TRANSCRIPTION_DATA_CHARS = 4 * MAX_TRANSCRIPT_CHARS;

/** Twilio's CallSid: CA and 32 hex digits. */
const CallSid = z.string().regex(/^CA[0-9a-f]{32}$/, 'not a Twilio CallSid');

/** A RealtimeTranscription's SID: https://www.twilio.com/docs/voice/api/realtime-transcription-resource */
const TranscriptionSid = z.string().regex(/^GT[0-9a-fA-F]{32}$/, 'not a TranscriptionSid');

/** What TranscriptionData holds: the words and the engine's confidence in them. */
const TranscriptionData = z.object({
  transcript: z.string(),
  confidence: z.number().optional(),
});

/** One callback, as the webhook reads it. */
export type TranscriptionEvent =
  | {
      kind: 'content';
      callSid: string;
      transcriptionSid: string;
      sequence: number;
      /** Twilio's Timestamp (ISO 8601), when it sent one. */
      at?: string;
      /** false for an interim result (partialResults): the final one follows. */
      final: boolean;
      transcript: string;
      confidence?: number;
      /** inbound_track: what the leg said; outbound_track: what it heard. */
      track?: string;
      languageCode?: string;
    }
  | {
      kind: 'error';
      callSid: string;
      transcriptionSid: string;
      sequence?: number;
      at?: string;
      error: string;
      code?: string;
    }
  /** transcription-started, transcription-stopped, or an event Twilio adds later: nothing to record. */
  | { kind: 'other'; event: string; callSid: string; transcriptionSid: string };

/**
 * The callback's form body. Unknown events are read (as 'other'), not refused: a 4xx would only
 * fill Twilio's error log. TranscriptionData that is not the JSON Twilio documents is refused
 * (400): it cannot be recorded as anything.
 */
export const TranscriptionBody = z
  .object({
    CallSid,
    TranscriptionSid,
    TranscriptionEvent: z.string().regex(/^[a-z-]{1,64}$/, 'not a transcription event'),
    SequenceId: z
      .string()
      .regex(/^\d{1,9}$/, 'not a sequence number')
      .transform(Number)
      .optional(),
    Timestamp: z.string().max(64).optional(),
    TranscriptionData: z.string().max(MAX_TRANSCRIPTION_DATA_CHARS).optional(),
    Final: z.string().max(8).optional(),
    Track: z.string().max(32).optional(),
    LanguageCode: z.string().max(35).optional(),
    TranscriptionError: z.string().max(1000).optional(),
    TranscriptionErrorCode: z.string().max(16).optional(),
  })
  .transform((body, ctx): TranscriptionEvent => {
    const ids = { callSid: body.CallSid, transcriptionSid: body.TranscriptionSid };
    if (body.TranscriptionEvent === 'transcription-content') {
      const data = transcriptionData(body.TranscriptionData);
      if (!data.ok) {
        ctx.addIssue({ code: 'custom', message: data.why, path: ['TranscriptionData'] });
        return z.NEVER;
      }
      if (body.SequenceId === undefined) {
        // Without it, a replay cannot be told from a second utterance.
        ctx.addIssue({ code: 'custom', message: 'missing', path: ['SequenceId'] });
        return z.NEVER;
      }
      return {
        kind: 'content',
        ...ids,
        sequence: body.SequenceId,
        at: body.Timestamp,
        // Interim results come only with partialResults="true", each marked Final=false; without it every result is final.
        final: body.Final?.trim().toLowerCase() !== 'false',
        transcript: data.value.transcript,
        confidence: data.value.confidence,
        track: body.Track,
        languageCode: body.LanguageCode,
      };
    }
    if (body.TranscriptionEvent === 'transcription-error')
      return {
        kind: 'error',
        ...ids,
        sequence: body.SequenceId,
        at: body.Timestamp,
        error: body.TranscriptionError?.trim() || 'Twilio gave no reason',
        code: body.TranscriptionErrorCode,
      };
    return { kind: 'other', event: body.TranscriptionEvent, ...ids };
  });

function transcriptionData(
  raw: string | undefined,
): { ok: true; value: z.infer<typeof TranscriptionData> } | { ok: false; why: string } {
  if (raw === undefined) return { ok: false, why: 'missing' };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return { ok: false, why: 'not JSON' };
  }
  const parsed = TranscriptionData.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, why: 'not {"transcript": string, "confidence"?: number}' };
}

/** What a callback records: the words, a note that transcription failed, or nothing (and why). */
export type ToRecord =
  | { kind: 'words'; content: string; capped: boolean }
  | { kind: 'failure'; note: string }
  | { kind: 'nothing'; why: 'interim' | 'empty' | 'heard-not-said' | 'not-content' };

export function whatToRecord(event: TranscriptionEvent, speaker: Speaker, who?: string): ToRecord {
  if (event.kind === 'other') return { kind: 'nothing', why: 'not-content' };
  if (event.kind === 'error') return { kind: 'failure', note: failureNote(speaker, who, event) };
  if (!event.final) return { kind: 'nothing', why: 'interim' };
  // Each leg's transcription is of its inbound track (what that leg said). An outbound track is what
  // the leg heard: recorded under the leg's name, a supervisor's words would read as the caller's and raise urgency.
  if (event.track === 'outbound_track') return { kind: 'nothing', why: 'heard-not-said' };
  const words = event.transcript.replace(/\s+/g, ' ').trim();
  if (words === '') return { kind: 'nothing', why: 'empty' };
  return words.length > MAX_TRANSCRIPT_CHARS
    ? { kind: 'words', content: capped(words), capped: true }
    : { kind: 'words', content: words, capped: false };
}

/** The words cut at the last whole word within the cap, marked as cut. */
function capped(words: string): string {
  const room = words.slice(0, MAX_TRANSCRIPT_CHARS - 1);
  const lastSpace = room.lastIndexOf(' ');
  return `${lastSpace > MAX_TRANSCRIPT_CHARS / 2 ? room.slice(0, lastSpace) : room}…`;
}

/** The transcript's line when a leg's transcription failed: the supervisors read that words may be missing. */
export function failureNote(
  speaker: Speaker,
  who: string | undefined,
  event: { error: string; code?: string },
): string {
  const leg =
    speaker === 'caller'
      ? "the caller's line"
      : `${speaker === 'oncall' ? 'on-call' : 'supervisor'} ${who ?? 'unknown'}'s line`;
  const code = event.code ? `, Twilio error ${event.code}` : '';
  return `Live transcription failed: ${event.error} (${leg}${code}); words spoken now may be missing.`;
}

/** A transcribed utterance as the live conversation stores it: who spoke, in their role, marked spoken. */
export function spokenMessage(
  speaker: Speaker,
  who: string | undefined,
  content: string,
  timestamp: string,
): LiveMessage {
  const role: Role = speaker === 'caller' ? 'user' : speaker === 'supervisor' ? 'admin' : 'oncall';
  return {
    role,
    content,
    timestamp,
    sources: '',
    ...(speaker !== 'caller' && who ? { by: who } : {}),
    spoken: true,
  };
}

/** A system line of the transcript (the failure note). */
export const systemLine = (content: string, timestamp: string): LiveMessage => ({
  role: 'system',
  content,
  timestamp,
  sources: '',
});

/** What one callback writes, decided before anything is read. */
export type Recording = {
  kind: 'record';
  message: LiveMessage;
  /** Its claim on the call (utteranceClaim or failureClaim), also the archive's turn key. */
  claim: string;
  /** Where the message goes in the live conversation (transcriptKey). */
  messageKey: string;
  /** The caller's words, which settle urgency as a turn's do; null for anyone else's, or a note. */
  callerWords: string | null;
  /** The words were cut at MAX_TRANSCRIPT_CHARS. */
  capped: boolean;
};

/** The callback's message, keys and effect, at `nowMs` in the site's `timeZone`; or nothing to record, and why. */
export function planRecording(
  event: TranscriptionEvent,
  speaker: Speaker,
  who: string | undefined,
  nowMs: number,
  timeZone: string,
): Recording | Extract<ToRecord, { kind: 'nothing' }> {
  const toRecord = whatToRecord(event, speaker, who);
  if (toRecord.kind === 'nothing' || event.kind === 'other')
    return toRecord.kind === 'nothing' ? toRecord : { kind: 'nothing', why: 'not-content' };
  const atMs = spokenAt(event.at, nowMs);
  const timestamp = siteIso(new Date(atMs), timeZone);
  const sequence = event.sequence ?? 0;
  if (toRecord.kind === 'failure')
    return {
      kind: 'record',
      message: systemLine(toRecord.note, timestamp),
      claim: failureClaim(event.transcriptionSid),
      messageKey: transcriptKey(atMs, event.transcriptionSid, sequence, 'failure'),
      callerWords: null,
      capped: false,
    };
  return {
    kind: 'record',
    message: spokenMessage(speaker, who, toRecord.content, timestamp),
    claim: utteranceClaim(event.transcriptionSid, sequence),
    messageKey: transcriptKey(atMs, event.transcriptionSid, sequence),
    callerWords: speaker === 'caller' ? toRecord.content : null,
    capped: toRecord.capped,
  };
}

// ---- Only what the caller heard ----

/** A human leg's words: the leg (its CallSid, a key of the conference's members) and when they were spoken. */
export type HeardFrom = { leg: string; spokenAtMs: number };

/** Whose words must be checked against the conference (unheardBecause): a human leg's, not the caller's, and not a failure note. */
export const heardFromOf = (
  event: TranscriptionEvent,
  speaker: Speaker,
  nowMs: number,
): HeardFrom | undefined =>
  speaker !== 'caller' && event.kind === 'content'
    ? { leg: event.callSid, spokenAtMs: twilioSpokenAt(event.at, nowMs) ?? nowMs }
    : undefined;

/**
 * Why words are not the call's transcript: a human leg's the caller could not hear (muted, not
 * joined, no member, the call gone, or the caller not yet in the conference to hear anyone), or
 * the caller's own said outside the conference (`caller-out`: Aurora's Gather records those).
 */
export type Unheard =
  'muted' | 'not-joined' | 'not-a-member' | 'call-gone' | 'caller-not-joined' | 'caller-out';

/**
 * A member who left, or the caller who left, was heard up to the second recorded (`at`, site ISO
 * to the second) and within it: a final result comes a second or two after its words, so the
 * last sentence before a hand-back arrives after it and is still theirs to keep.
 */
const heardUpTo = (spokenAtMs: number, at: string | undefined) =>
  at !== undefined && spokenAtMs < Date.parse(at) + 1000;

/**
 * Why the caller's own transcribed words are not the call's transcript, or null if they are:
 * their conference transcription is recorded only while they are in the conference (up to the
 * second they left it). Outside it Aurora's Gather hears them and records them itself, so words
 * of a transcription still running then would be recorded twice.
 */
export function callerOutBecause(
  conference: CallConference | undefined,
  spokenAtMs: number,
): Unheard | null {
  if (conference?.caller_in) return null;
  return heardUpTo(spokenAtMs, conference?.caller_left_at) ? null : 'caller-out';
}

/**
 * Why the caller could not have heard what `leg` said, or null if they could. Twilio transcribes
 * each leg's own microphone (its inbound track, https://www.twilio.com/docs/voice/twiml/transcription),
 * not what the conference lets through, so a listener joined muted is transcribed all the same: only
 * a member joined and not muted is heard. A member who has left was heard until they left (`at`,
 * to the second) if they left unmuted: a final result comes a second or two after its words, so
 * the last sentence before a hand-back arrives after it and is still theirs to keep.
 *
 * Judged on the members as stored when the callback is claimed: a leg is recorded unmuted only
 * once Twilio has unmuted it (the mute action records it after Twilio's answer; the
 * participant-unmute event is Twilio's own), so words arriving just after an unmute are written;
 * their utterance ended, at least, where the caller could hear it. Words said just before a mute
 * whose callback arrives after it are dropped: a lost line rather than one the caller never heard.
 */
export function unheardBecause(
  conference: CallConference | undefined,
  { leg, spokenAtMs }: HeardFrom,
): Unheard | null {
  const member = conference?.members?.[leg];
  if (!member) return 'not-a-member';
  if (member.muted) return 'muted';
  // Unmuted since the words were spoken: their callback came late, but the caller did not hear
  // them. The unmute is recorded to the second, after Twilio's answer: words within its second
  // are dropped too (a lost line rather than one the caller never heard).
  if (member.unmuted_at !== undefined && spokenAtMs < Date.parse(member.unmuted_at) + 1000)
    return 'muted';
  // The first human in brings the caller in, but until the caller's own participant-join the
  // conference holds nobody else to hear them: words into an empty conference were never spoken
  // to the caller. The join is recorded to the second, when its callback arrives (after the join
  // itself): a second's grace before it.
  const joinedAt = conference?.caller_joined_at;
  if (joinedAt === undefined || spokenAtMs < Date.parse(joinedAt) - 1000)
    return 'caller-not-joined';
  if (member.state === 'joined') return null;
  if (member.state === 'left' && heardUpTo(spokenAtMs, member.at)) return null;
  return 'not-joined';
}

// ---- Once, and in order ----

/**
 * The utterance's claim on the call (`answered`, where a turn's Gather is marked): one per
 * TranscriptionSid and SequenceId, so a replayed or duplicated callback records nothing. The
 * archive keeps the same key (answered_turns), so a replay after the call was archived is not
 * appended twice either. Never a Gather's key: those are at most 20 characters.
 */
export const utteranceClaim = (transcriptionSid: string, sequence: number) =>
  `rt${digest(`${transcriptionSid}:${sequence}`, 20)}`;

/** A failed transcription is noted once, however often Twilio reports it. */
export const failureClaim = (transcriptionSid: string) =>
  `rf${digest(`${transcriptionSid}:failed`, 20)}`;

const digest = (text: string, chars: number) =>
  createHash('sha256').update(text).digest('hex').slice(0, chars);

/** The Firebase push-id alphabet, in sort order: core/ids.ts messageKeyFactory makes the other messages' keys with it. */
const KEY_CHARS = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';

/** `n` as `width` key characters that sort as the numbers do. */
function sortable(n: number, width: number): string {
  let out = '';
  let rest = Math.max(0, Math.floor(n));
  for (let i = 0; i < width; i++) {
    out = KEY_CHARS.charAt(rest % 64) + out;
    rest = Math.floor(rest / 64);
  }
  return out;
}

/**
 * The message's key, laid out as every message key is (8 characters of milliseconds, then 12
 * more): the time it was spoken, then its SequenceId, then its transcription. So utterances sort
 * among the other messages by when they were spoken, and one transcription's utterances, however
 * their callbacks arrive, in SequenceId order. The same callback makes the same key: written twice,
 * it is one message.
 */
export function transcriptKey(
  spokenAtMs: number,
  transcriptionSid: string,
  sequence: number,
  kind: 'words' | 'failure' = 'words',
): string {
  const tag = createHash('sha256').update(`${transcriptionSid}:${kind}`).digest();
  const tail = Array.from(tag.subarray(0, 6), (byte) => KEY_CHARS.charAt(byte % 64)).join('');
  return sortable(spokenAtMs, 8) + sortable(sequence, 6) + tail;
}

/**
 * When the words were spoken, to judge who could hear them (not to sort them): Twilio's own
 * Timestamp, however late its callback (a callback can come minutes after the words, past the
 * clock-skew bound spokenAt applies), or undefined when Twilio sent none, an unreadable one or
 * one in the future: then when they were said is not known.
 * https://www.twilio.com/docs/voice/twiml/transcription#statuscallbackurl (Timestamp)
 */
export function twilioSpokenAt(
  twilioTimestamp: string | undefined,
  nowMs: number,
): number | undefined {
  const at = twilioTimestamp ? Date.parse(twilioTimestamp) : NaN;
  return Number.isFinite(at) && at <= nowMs ? at : undefined;
}

/** Twilio's and our clocks may differ by this much; a Timestamp further off is not believed. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * When the words were spoken, for their key and timestamp: Twilio's Timestamp, so a callback that
 * arrives late still takes its place; never later than now (it would sort after what was said
 * since); the arrival time when Twilio's is missing, unreadable or implausibly far off.
 */
export function spokenAt(twilioTimestamp: string | undefined, nowMs: number): number {
  const at = twilioTimestamp ? Date.parse(twilioTimestamp) : NaN;
  if (!Number.isFinite(at) || Math.abs(nowMs - at) > MAX_CLOCK_SKEW_MS) return nowMs;
  return Math.min(at, nowMs);
}

// ---- The claim on the call ----

export type Claim = {
  /** utteranceClaim or failureClaim. */
  key: string;
  /** The message's key if this callback is the first to claim the utterance. */
  messageKey: string;
  /** The caller's words: urgency and the open question, decided on the call as stored (afterCallerWords). */
  settle?: Settle;
  /** The caller spoke: the call is no longer quiet. */
  callerSpoke: boolean;
  /** A human leg's words: claimed only if the caller could hear them (unheardBecause). */
  heardFrom?: HeardFrom;
  /**
   * The caller's words, when spoken (twilioSpokenAt): claimed only if they were in the conference
   * (callerOutBecause). Absent when Twilio's Timestamp says nothing believable: then they are
   * recorded (a word twice, with a Gather's, is less harm than a lost emergency).
   */
  callerSpokeAtMs?: number;
};

export type ClaimDecision =
  /** The purge has begun: the words go to the archive. */
  | { kind: 'purging' }
  /** A human leg the caller could not hear: nothing is written. */
  | { kind: 'unheard'; why: Unheard }
  | {
      kind: 'claim';
      /** The call fields to set (null removes). */
      fields: Record<string, unknown>;
      /** Where the message goes: this callback's key, or the one the first claim recorded. */
      messageKey: string;
      /** A callback before this one claimed the utterance: its effect on the call is not repeated. */
      claimedBefore: boolean;
      /** This write sets the turn marker, so the purge waits for the message; it clears it with the message. */
      holdsMarker: boolean;
    };

/**
 * What recording an utterance does to the call, in the transaction over the call as stored. The
 * first claim marks the utterance answered and, for the caller's words, settles urgency in the
 * same write; a later one (a retry of a callback whose message may not have landed) writes the
 * message where the first said, and changes nothing else. Either sets the turn marker when no
 * turn holds it, so the purge waits for the message, as it waits for a turn's. A human leg's
 * words the caller could not hear claim nothing.
 */
export function claimOnCall(
  call: LiveCall,
  claim: Claim,
  nowIso: string,
  nowMs: number,
): ClaimDecision {
  const before = call.answered?.[claim.key];
  // Judged once, by the first claim: a retry of an utterance claimed before was heard then.
  if (before === undefined && claim.heardFrom) {
    const why = unheardBecause(call.conference, claim.heardFrom);
    if (why) return { kind: 'unheard', why };
  }
  if (before === undefined && claim.callerSpokeAtMs !== undefined) {
    const why = callerOutBecause(call.conference, claim.callerSpokeAtMs);
    if (why) return { kind: 'unheard', why };
  }
  if (call.purging) return { kind: 'purging' };
  const holdsMarker = !turnInFlight(call, nowMs);
  const fields: Record<string, unknown> = {
    last_message_at: nowIso,
    ...(holdsMarker ? { turn_started_at: nowIso } : {}),
  };
  if (before !== undefined)
    return {
      kind: 'claim',
      fields,
      messageKey: typeof before === 'string' ? before : claim.messageKey,
      claimedBefore: true,
      holdsMarker,
    };
  fields.answered = { ...call.answered, [claim.key]: claim.messageKey };
  if (claim.settle) Object.assign(fields, claim.settle(call, nowIso));
  if (claim.callerSpoke && call.quiet_since) fields.quiet_since = null;
  return { kind: 'claim', fields, messageKey: claim.messageKey, claimedBefore: false, holdsMarker };
}
