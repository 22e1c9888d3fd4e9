import { z } from 'zod';
import { RECIPIENT_KEY_PATTERN } from '../core/delivery';
import { CALL_ID_PATTERN } from '@aurora/model';
import { DIAL_STATUSES, type DialStatus } from '../core/bridge';

/** Twilio's CallSid: CA and 32 hex digits. */
const CallSid = z.string().regex(/^CA[0-9a-f]{32}$/, 'not a Twilio CallSid');

/** The longest SpeechResult accepted; a real turn is a few sentences. */
export const MAX_SPEECH_CHARS = 2000;

export const VoiceBody = z.object({
  CallSid,
  From: z.string().min(1).max(64),
  To: z.string().max(64).optional(),
});

/** The caller's number, as Twilio sends it on every request of a call. */
const From = z.string().min(1).max(64);

export const TurnBody = z.object({
  CallSid,
  From: From.optional(),
  SpeechResult: z.string().max(MAX_SPEECH_CHARS).default(''),
  Confidence: z.string().optional(),
});

export const StatusBody = z.object({
  CallSid,
  From: From.optional(),
  CallStatus: z.enum([
    'queued',
    'initiated',
    'ringing',
    'in-progress',
    'completed',
    'busy',
    'failed',
    'no-answer',
    'canceled',
  ]),
  CallDuration: z.string().regex(/^\d+$/).transform(Number).optional(),
});

export const PartialBody = z.object({
  CallSid,
  SequenceNumber: z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number),
  StableSpeechResult: z.string().max(MAX_SPEECH_CHARS).default(''),
  UnstableSpeechResult: z.string().max(MAX_SPEECH_CHARS).default(''),
});

/**
 * A bridge's <Dial action>: how the dialled leg ended (DialCallStatus; DialCallSid names that
 * leg, DialCallDuration its length; https://www.twilio.com/docs/voice/twiml/dial#action), and
 * the caller's own CallStatus (completed when they hung up meanwhile).
 */
export const DialBody = z.object({
  CallSid,
  From: From.optional(),
  CallStatus: z.string().max(32).optional(),
  // A status Twilio may add later reads as a failed dial rather than a 400: refusing Twilio's own
  // request would end the call on the caller, whom the bridge's result must bring back.
  DialCallStatus: z
    .string()
    .regex(/^[a-z-]{1,32}$/, 'not a dial status')
    .transform((status): DialStatus =>
      DIAL_STATUSES.includes(status as DialStatus) ? (status as DialStatus) : 'failed',
    ),
  DialCallSid: z.string().max(64).optional(),
  DialCallDuration: z
    .string()
    .regex(/^\d{1,9}$/)
    .transform(Number)
    .optional(),
});

/**
 * A bridge's screening, run on the called person's leg (<Number url>,
 * https://www.twilio.com/docs/voice/twiml/number#url): CallSid is that leg, ParentCallSid the
 * caller's call, To the number dialled; Digits the key pressed, once they answered the prompt.
 */
export const ScreenBody = z.object({
  CallSid,
  ParentCallSid: CallSid.optional(),
  To: z.string().max(64).optional(),
  Digits: z.string().max(32).optional(),
});

/**
 * An escalation text's status callback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status):
 * MessageSid is SM (or MM) and 32 hex digits; MessageStatus is one of Twilio's status words
 * (any, so a status Twilio adds later is recorded as nothing rather than refused); ErrorCode
 * comes with undelivered and failed.
 */
export const MessageStatusBody = z.object({
  MessageSid: z.string().regex(/^(SM|MM)[0-9a-f]{32}$/, 'not a Twilio MessageSid'),
  MessageStatus: z.string().regex(/^[a-z_]{1,32}$/, 'not a message status'),
  ErrorCode: z
    .string()
    .regex(/^\d{1,6}$/)
    .optional(),
});

/** The query of an escalation text's StatusCallback URL (core/delivery.ts messageStatusUrl): which call, which recipient. */
export const MessageStatusQuery = z.object({
  call: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
  to: z.string().regex(RECIPIENT_KEY_PATTERN, 'not a recipient key'),
});

/**
 * Real-time transcription callbacks (/twilio/transcription) and their statusCallbackUrl's query:
 * parsed where the rest of a transcription's pure logic is (core/transcription.ts).
 */
export { TranscriptionBody, TranscriptionQuery } from '../core/transcription';

/**
 * A supervisor's browser leg (the TwiML App's Voice URL, /twilio/browser): Twilio posts the
 * call's own fields (CallSid; From is `client:{identity}`, the Access Token's identity) and the
 * params the Voice SDK's connect() was given (https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#deviceconnectconnectoptions):
 * `callId` and `mode`.
 */
export const BrowserBody = z.object({
  CallSid,
  From: z.string().min(1).max(200),
  callId: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
  mode: z.enum(['talk', 'listen']),
});

/** Who a phone leg is, as its URLs name it (core/conference.ts conferenceUrls): ?call=…&role=supervisor|oncall&who=…. */
export const LegQuery = z.object({
  call: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
  role: z.enum(['supervisor', 'oncall']),
  /** An admin id (email) or an E.164 number. */
  who: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^\p{Cc}]+$/u, 'not a name or number'),
});

/** A phone leg's key press at its screening (the Gather action): Digits, when a key was pressed. */
export const LegBody = z.object({
  CallSid,
  To: z.string().max(64).optional(),
  Digits: z.string().max(32).optional(),
});

/**
 * A phone leg's status callback (https://www.twilio.com/docs/voice/api/call-resource#statuscallback):
 * its CallStatus. Any lower-case status word is taken (one Twilio adds later changes nothing).
 */
export const LegStatusBody = z.object({
  CallSid,
  To: z.string().max(64).optional(),
  CallStatus: z.string().regex(/^[a-z-]{1,32}$/, 'not a call status'),
});

/**
 * A conference's status callback (https://www.twilio.com/docs/voice/twiml/conference, "statusCallback" parameters):
 * ConferenceSid (CF and 32 hex digits), StatusCallbackEvent, and on participant events the
 * participant's CallSid and Muted; on participant-leave, ParticipantCallStatus, the participant's
 * own call status (`completed` when they hung up; https://www.twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added).
 * Any lower-case status word is taken: one Twilio adds later reads as the caller still there.
 */
export const ConferenceBody = z.object({
  ConferenceSid: z.string().regex(/^CF[0-9a-fA-F]{32}$/, 'not a ConferenceSid'),
  StatusCallbackEvent: z.string().regex(/^[a-z-]{1,40}$/, 'not a conference event'),
  CallSid: CallSid.optional(),
  FriendlyName: z.string().max(200).optional(),
  Muted: z.enum(['true', 'false']).optional(),
  ParticipantCallStatus: z
    .string()
    .regex(/^[a-z-]{1,32}$/, 'not a call status')
    .optional(),
  /** When the event happened, RFC 2822 (https://www.twilio.com/docs/voice/twiml/conference, "statusCallback" parameters). */
  Timestamp: z.string().max(64).optional(),
});

/** The call a conference's status callback is about (?call=…). */
export const ConferenceQuery = z.object({
  call: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
});

/**
 * Twilio's request for a conference's AnnounceUrl. What it posts is not documented beyond the
 * conference it is for, so nothing is required: a refused request would leave the words unsaid.
 */
export const AnnounceBody = z.object({
  ConferenceSid: z.string().max(64).optional(),
});

/**
 * The announcement's own URL (/twilio/announce?call=…&key=…): the call, and the key its typed
 * words are kept under on the call (a push id: calls/controlCall.ts sayIntoConference). The words
 * themselves never ride in a URL, which request logs keep.
 */
export const AnnounceQuery = z.object({
  call: z.string().regex(CALL_ID_PATTERN, 'not a call id'),
  key: z.string().regex(/^[-0-9A-Za-z_]{8,40}$/, 'not an announcement key'),
});

/**
 * The caller's <Dial action> after the conference (/twilio/rejoin): their CallSid and their own
 * CallStatus (completed when they hung up); DialCallStatus is `answered` for a conference
 * (https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values). Lenient, as a refused
 * request would cut the caller off: only the CallSid must be right.
 */
export const RejoinBody = z.object({
  CallSid,
  CallStatus: z.string().max(32).optional(),
  DialCallStatus: z.string().max(32).optional(),
});
