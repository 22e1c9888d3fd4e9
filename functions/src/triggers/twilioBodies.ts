import { z } from 'zod';

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
  CallStatus: z.enum(['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'failed', 'no-answer', 'canceled']),
  CallDuration: z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .optional(),
});

export const PartialBody = z.object({
  CallSid,
  SequenceNumber: z.string().regex(/^\d{1,9}$/).transform(Number),
  StableSpeechResult: z.string().max(MAX_SPEECH_CHARS).default(''),
  UnstableSpeechResult: z.string().max(MAX_SPEECH_CHARS).default(''),
});
