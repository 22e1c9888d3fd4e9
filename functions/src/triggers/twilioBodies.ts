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
