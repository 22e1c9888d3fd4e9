import { handleStatus } from '../calls/endCall';
import { startCall } from '../calls/startCall';
import { takeTurn } from '../calls/takeTurn';
import { TWILIO_AUTH_TOKEN } from '../config';
import { CALL_ID_PATTERN } from '../core/ids';
import { LINES, WEBHOOK_PATHS, emptyResponse, speakAndHangUp, speakAndListen, turnUrl } from '../core/twiml';
import { StatusBody, TurnBody, VoiceBody } from './twilioBodies';
import { twilioWebhook } from './twilioWebhook';
import { productionDeps } from './wiring';

const authToken = () => TWILIO_AUTH_TOKEN.value();

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
    onFailure: (deps) => speakAndListen(LINES.unavailable, turnUrl(deps.settings.publicBaseUrl)),
  },
  authToken,
  productionDeps,
);

/** POST /twilio/turn: the Gather action, one caller turn. */
export const handleTurn = twilioWebhook(
  {
    path: WEBHOOK_PATHS.turn,
    schema: TurnBody,
    run: (body, deps, query, timings) =>
      takeTurn(
        {
          callSid: body.CallSid,
          speech: body.SpeechResult,
          silentTurns: Number(query.get('silent')) || 0,
          callHint: callIdFrom(query),
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
