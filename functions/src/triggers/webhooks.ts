import { handleStatus } from '../calls/endCall';
import { startCall, voiceFallback } from '../calls/startCall';
import { takeTurn } from '../calls/takeTurn';
import { turnFallback } from '../calls/turnFallback';
import { TWILIO_AUTH_TOKEN } from '../config';
import { CALL_ID_PATTERN } from '@aurora/model';
import {
  LINES_IN,
  SUPERVISOR_LINES_IN,
  WEBHOOK_PATHS,
  emptyResponse,
  speakAndListen,
} from '../core/twiml';
import { recordPartial } from '../calls/partialSpeech';
import { listenAnew, siteLanguage } from '../steps/listening';
import {
  DialBody,
  MessageStatusBody,
  MessageStatusQuery,
  PartialBody,
  ScreenBody,
  StatusBody,
  TurnBody,
  VoiceBody,
} from './twilioBodies';
import { twilioWebhook, type Webhook } from './twilioWebhook';
import { productionDeps } from './wiring';
import { recordMessageStatus } from '../calls/messageStatus';
import { MESSAGE_STATUS_PATH } from '../core/delivery';
import {
  dialFallback,
  dialResult,
  screenAnswer,
  screenAnswerFallback,
  screenPrompt,
} from '../calls/dialResult';
import type { Deps } from '../ports';
import { recordTranscription } from '../calls/transcription';
import { TranscriptionBody, TranscriptionQuery } from './twilioBodies';

const authToken = () => TWILIO_AUTH_TOKEN.value();

/**
 * Twilio gives a webhook 15 s; Aurora answers within 12 s of the request's arrival, whatever
 * the database and the model are doing, leaving the rest to the network and a cold start.
 */
export const ANSWER_WITHIN_MS = 12_000;

/** The Gather named in an action or partial URL, if it is shaped like one of ours. */
const gatherFrom = (query: URLSearchParams) => {
  const gather = query.get('g');
  return gather && /^[0-9a-z]{9,20}$/.test(gather) ? gather : undefined;
};

/** The last-resort line when a call's request failed, in the site's language; the caller is listened to again. */
const unavailable = (deps: Deps) =>
  speakAndListen(LINES_IN[siteLanguage(deps)].unavailable, listenAnew(deps));

/** The Gather was given while a supervisor held the call (core/twiml.ts NextTurn.held). */
const heldFrom = (query: URLSearchParams) => query.get('held') === '1';

/** The call named in a turn's action URL, if it is shaped like a call id. */
const callIdFrom = (query: URLSearchParams) => {
  const callId = query.get('call');
  return callId && CALL_ID_PATTERN.test(callId) ? callId : undefined;
};

/** POST /twilio/voice: a new incoming call. */
export const handleVoice = twilioWebhook(
  {
    path: WEBHOOK_PATHS.voice,
    schema: VoiceBody,
    run: (body, deps) => startCall({ callSid: body.CallSid, from: body.From }, deps),
    // Nothing is known of the caller: the last-resort line is in the site's language.
    onFailure: unavailable,
    answerWithin: { ms: ANSWER_WITHIN_MS, fallback: (_body, deps) => voiceFallback(deps) },
  },
  authToken,
  productionDeps,
);

/** POST /twilio/turn: the Gather action, one caller turn. */
export const turnWebhook: Webhook<typeof TurnBody> = {
  path: WEBHOOK_PATHS.turn,
  schema: TurnBody,
  run: (body, deps, query, timings, request) =>
    takeTurn(
      {
        callSid: body.CallSid,
        speech: body.SpeechResult,
        silentTurns: Number(query.get('silent')) || 0,
        callHint: callIdFrom(query),
        gather: gatherFrom(query),
        idempotencyToken: request.idempotencyToken,
        from: body.From,
        deadline: request.deadline,
        answer: request.answer,
        heldHint: heldFrom(query),
      },
      deps,
      timings,
    ),
  // Never a hang-up: the failed turn may have been an emergency. The caller hears the safety line
  // and is listened to again (the next turn finds its call by CallSid).
  onFailure: unavailable,
  // Twilio waits 15 s for TwiML; the rest is network and a cold start's queueing.
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (body, deps, query, request) =>
      turnFallback(
        {
          speech: body.SpeechResult,
          callHint: callIdFrom(query),
          answer: request.answer,
          heldHint: heldFrom(query),
        },
        deps,
      ),
  },
};

export const handleTurn = twilioWebhook(turnWebhook, authToken, productionDeps);

/** POST /twilio/status: the status callback. */
export const handleStatusCallback = twilioWebhook(
  {
    path: WEBHOOK_PATHS.status,
    schema: StatusBody,
    run: async (body, deps, _query, timings) => {
      await handleStatus(
        {
          callSid: body.CallSid,
          callStatus: body.CallStatus,
          durationSeconds: body.CallDuration,
          from: body.From,
        },
        deps,
        timings,
      );
      return emptyResponse();
    },
  },
  authToken,
  productionDeps,
);

/** POST /twilio/partial: Twilio's partialResultCallback while the caller speaks. */
export const handlePartial = twilioWebhook(
  {
    path: WEBHOOK_PATHS.partial,
    schema: PartialBody,
    run: async (body, deps, query) => {
      const text = [body.StableSpeechResult, body.UnstableSpeechResult]
        .filter(Boolean)
        .join(' ')
        .trim();
      const stable = body.StableSpeechResult.trim() || undefined;
      await recordPartial(
        {
          callSid: body.CallSid,
          callHint: callIdFrom(query),
          gather: gatherFrom(query),
          sequence: body.SequenceNumber,
          text,
          stable,
        },
        deps,
      );
      return emptyResponse();
    },
  },
  authToken,
  productionDeps,
);

/** The number a bridge's action URL names, if it is shaped like one (E.164). */
const dialledFrom = (query: URLSearchParams) => {
  const to = query.get('to');
  return to && /^\+[1-9]\d{6,14}$/.test(to) ? to : undefined;
};

/** POST /twilio/dial?call={call_id}&to={number}: a bridge's <Dial action>, when the dialled leg has ended. */
export const dialWebhook: Webhook<typeof DialBody> = {
  path: WEBHOOK_PATHS.dial,
  schema: DialBody,
  run: (body, deps, query) =>
    dialResult(
      {
        callSid: body.CallSid,
        callHint: callIdFrom(query),
        to: dialledFrom(query),
        dialStatus: body.DialCallStatus,
        callStatus: body.CallStatus,
        dialCallSid: body.DialCallSid,
        durationSeconds: body.DialCallDuration,
      },
      deps,
    ),
  // A caller back from a bridge is never hung up on, not even by a failure of ours.
  onFailure: (deps) =>
    speakAndListen(SUPERVISOR_LINES_IN[siteLanguage(deps)].notAnswered, listenAnew(deps)),
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (body, deps, query) =>
      dialFallback({ callHint: callIdFrom(query), dialStatus: body.DialCallStatus }, deps),
  },
};

export const handleDial = twilioWebhook(dialWebhook, authToken, productionDeps);

/** The called person waits on the screening's answer: it comes within this, recorded or not. */
export const SCREEN_ANSWER_WITHIN_MS = 5_000;

/** POST /twilio/screen?call={call_id}[&step=answer]: a bridge's <Number url>, the called person's prompt and key press. */
export const screenWebhook: Webhook<typeof ScreenBody> = {
  path: WEBHOOK_PATHS.screen,
  schema: ScreenBody,
  run: async (body, deps, query) =>
    query.get('step') === 'answer'
      ? screenAnswer(
          {
            legSid: body.CallSid,
            parentSid: body.ParentCallSid,
            callHint: callIdFrom(query),
            to: body.To,
            digits: body.Digits,
          },
          deps,
        )
      : screenPrompt(deps, callIdFrom(query)),
  answerWithin: {
    ms: SCREEN_ANSWER_WITHIN_MS,
    fallback: (body, deps, query) =>
      query.get('step') === 'answer'
        ? screenAnswerFallback({ digits: body.Digits })
        : screenPrompt(deps, callIdFrom(query)),
  },
};

export const handleScreen = twilioWebhook(screenWebhook, authToken, productionDeps);

/** POST /twilio/message-status?call={call_id}&to={recipient key}: an escalation text's delivery status (calls/messageStatus.ts). */
export const messageStatusWebhook: Webhook<typeof MessageStatusBody> = {
  path: MESSAGE_STATUS_PATH,
  schema: MessageStatusBody,
  query: MessageStatusQuery,
  run: async (body, deps, query) => {
    const { call, to } = MessageStatusQuery.parse(Object.fromEntries(query));
    await recordMessageStatus(
      {
        callId: call,
        recipientKey: to,
        messageSid: body.MessageSid,
        messageStatus: body.MessageStatus,
        errorCode: body.ErrorCode,
      },
      deps,
    );
    return emptyResponse();
  },
};

export const handleMessageStatus = twilioWebhook(messageStatusWebhook, authToken, productionDeps);

/**
 * POST /twilio/transcription?call={call_id}&speaker=caller|supervisor|oncall&who=…: a real-time
 * transcription callback of one of a call's conference legs (calls/transcription.ts). Answered
 * with an empty 200 once the words are written (and, when Aurora answers the caller in the
 * conference, once her reply is announced); a failure is a 500, and a malformed body or query a
 * 400. Twilio retries a webhook by default only when the connection fails (Retry Policy `rp`,
 * default `ct`: https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides), so a
 * 500 is not counted on to bring the words back: a line the database refused is queued to be
 * written later first (calls/transcription.ts writeClaimed).
 */
export const transcriptionWebhook: Webhook<typeof TranscriptionBody> = {
  path: WEBHOOK_PATHS.transcription,
  schema: TranscriptionBody,
  query: TranscriptionQuery,
  run: async (event, deps, query, _timings, request) => {
    const { call, speaker, who } = TranscriptionQuery.parse(Object.fromEntries(query));
    // The deadline bounds Aurora's reply when she answers the caller in the conference.
    await recordTranscription(
      { callId: call, speaker, who, event, deadline: request.deadline },
      deps,
    );
    return emptyResponse();
  },
  // Twilio is not kept waiting on a slow database: the words are still written after it is answered.
  answerWithin: { ms: ANSWER_WITHIN_MS, fallback: () => emptyResponse() },
};

export const handleTranscription = twilioWebhook(transcriptionWebhook, authToken, productionDeps);
