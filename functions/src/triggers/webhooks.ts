import { handleStatus } from '../calls/endCall';
import { startCall } from '../calls/startCall';
import { takeTurn } from '../calls/takeTurn';
import { TWILIO_AUTH_TOKEN } from '../config';
import { CALL_ID_PATTERN } from '../model/schema';
import { LINES_IN, WEBHOOK_PATHS, emptyResponse, listenFor, speakAndHangUp, speakAndListen } from '../core/twiml';
import { recordPartial } from '../calls/partialSpeech';
import { newGatherId, siteLanguage } from '../calls/listening';
import { replyLanguage } from '../assistant/language';
import { offlineReply } from '../assistant/offlineResponder';
import { DEMO_PROCEDURES } from '../adapters/procedures';
import { PartialBody, StatusBody, TurnBody, VoiceBody } from './twilioBodies';
import { twilioWebhook, type Webhook } from './twilioWebhook';
import { productionDeps } from './wiring';

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
    onFailure: (deps) => speakAndListen(LINES_IN[siteLanguage(deps)].unavailable, listenFor(deps.settings.publicBaseUrl, {}, deps.settings.speech, '')),
    answerWithin: { ms: ANSWER_WITHIN_MS, fallback: (_body, deps) => speakAndListen(LINES_IN[siteLanguage(deps)].greeting(), listenFor(deps.settings.publicBaseUrl, {}, deps.settings.speech, '')) },
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
      },
      deps,
      timings,
    ),
  onFailure: (deps) => speakAndHangUp(LINES_IN[siteLanguage(deps)].unavailable),
  // Twilio waits 15 s for TwiML; the rest is network and a cold start's queueing.
  answerWithin: {
    ms: ANSWER_WITHIN_MS,
    fallback: (body, deps, query) => {
      // Nothing read in time, not even the registry: the answer is in the language of the words.
      const language = replyLanguage(undefined, body.SpeechResult, siteLanguage(deps));
      const listen = listenFor(deps.settings.publicBaseUrl, { call: callIdFrom(query), gather: newGatherId() }, deps.settings.speech, '', language);
      return speakAndListen(offlineReply(body.SpeechResult, DEMO_PROCEDURES, language).text, listen);
    },
  },
};

export const handleTurn = twilioWebhook(turnWebhook, authToken, productionDeps);

/** POST /twilio/status: the status callback. */
export const handleStatusCallback = twilioWebhook(
  {
    path: WEBHOOK_PATHS.status,
    schema: StatusBody,
    run: async (body, deps, _query, timings) => {
      await handleStatus({ callSid: body.CallSid, callStatus: body.CallStatus, durationSeconds: body.CallDuration, from: body.From }, deps, timings);
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
      const text = [body.StableSpeechResult, body.UnstableSpeechResult].filter(Boolean).join(' ').trim();
      const stable = body.StableSpeechResult.trim() || undefined;
      await recordPartial({ callSid: body.CallSid, callHint: callIdFrom(query), gather: gatherFrom(query), sequence: body.SequenceNumber, text, stable }, deps);
      return emptyResponse();
    },
  },
  authToken,
  productionDeps,
);
