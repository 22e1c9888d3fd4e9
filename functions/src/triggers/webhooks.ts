import { handleStatus } from '../calls/endCall';
import { startCall } from '../calls/startCall';
import { takeTurn } from '../calls/takeTurn';
import { TWILIO_AUTH_TOKEN } from '../config';
import { CALL_ID_PATTERN } from '../model/schema';
import { LINES, WEBHOOK_PATHS, emptyResponse, listenFor, speakAndHangUp, speakAndListen } from '../core/twiml';
import { recordPartial } from '../calls/partialSpeech';
import { PartialBody, StatusBody, TurnBody, VoiceBody } from './twilioBodies';
import { twilioWebhook } from './twilioWebhook';
import { productionDeps } from './wiring';

const authToken = () => TWILIO_AUTH_TOKEN.value();

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
    onFailure: (deps) => speakAndListen(LINES.unavailable, listenFor(deps.settings.publicBaseUrl, {}, deps.settings.speech, '')),
  },
  authToken,
  productionDeps,
);

/** POST /twilio/turn: the Gather action, one caller turn. */
export const handleTurn = twilioWebhook(
  {
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
        },
        deps,
        timings,
      ),
    onFailure: () => speakAndHangUp(LINES.unavailable),
  },
  authToken,
  productionDeps,
);

/** POST /twilio/status: the status callback. */
export const handleStatusCallback = twilioWebhook(
  {
    path: WEBHOOK_PATHS.status,
    schema: StatusBody,
    run: async (body, deps, _query, timings) => {
      await handleStatus({ callSid: body.CallSid, callStatus: body.CallStatus, durationSeconds: body.CallDuration }, deps, timings);
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
      await recordPartial({ callSid: body.CallSid, callHint: callIdFrom(query), gather: gatherFrom(query), sequence: body.SequenceNumber, text }, deps);
      return emptyResponse();
    },
  },
  authToken,
  productionDeps,
);
