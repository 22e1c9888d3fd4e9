import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';

/** Twilio <Gather> speech settings. */
export type SpeechSettings = { language: string; model: string; timeout: string };

/** Public paths Twilio posts to; the console is configured with the first and last. */
export const WEBHOOK_PATHS = {
  voice: '/twilio/voice',
  turn: '/twilio/turn',
  partial: '/twilio/partial',
  status: '/twilio/status',
} as const;

/** Consecutive silent turns before Aurora says goodbye. */
export const MAX_SILENT_TURNS = 3;

export const LINES = {
  greeting: (name?: string) =>
    `${name ? `Hello ${name}, this` : 'This'} is Aurora, the safety line. Tell me what is happening and where you are.`,
  reprompt: 'I did not hear anything. Please tell me what is happening.',
  closing:
    'I still cannot hear you, so I am ending this call. If you are in danger, leave the area and call emergency services, then call us again.',
  supervisorJoined: 'A safety supervisor has joined the call and is listening. Keep talking to us.',
  aiBack: 'Aurora here again. I am listening.',
  connecting: 'Connecting you now. Stay on the line.',
  unavailable:
    'Aurora is having trouble right now. If you are in danger, leave the area now and call emergency services.',
};

/** Where and how to listen after speaking: the Gather's URLs and speech settings. */
export type Listen = {
  action: string;
  /** Twilio posts partial speech here while the caller talks. */
  partial?: string;
  hints: string;
  speech: SpeechSettings;
};

export type NextTurn = {
  /** The live call, so the turn reads it directly (Twilio signs the URL: it cannot be forged). */
  call?: string;
  /** Silent turns so far. */
  silent?: number;
  /** This Gather's id: partial results from an earlier Gather are told apart by it. */
  gather?: string;
};

function withQuery(url: string, next: NextTurn): string {
  const query = new URLSearchParams();
  if (next.call) query.set('call', next.call);
  if (next.silent) query.set('silent', String(next.silent));
  if (next.gather) query.set('g', next.gather);
  const search = query.toString();
  return `${url}${search ? `?${search}` : ''}`;
}

/** The Gather action URL for the next turn. */
export function turnUrl(baseUrl: string, next: NextTurn = {}): string {
  return withQuery(`${baseUrl}${WEBHOOK_PATHS.turn}`, next);
}

/** Everything a Gather needs; partial results are only asked for on a known call. */
export function listenFor(baseUrl: string, next: NextTurn, speech: SpeechSettings, hints: string): Listen {
  return {
    action: turnUrl(baseUrl, next),
    partial: next.call && next.gather ? withQuery(`${baseUrl}${WEBHOOK_PATHS.partial}`, { call: next.call, gather: next.gather }) : undefined,
    hints,
    speech,
  };
}

function gather(response: VoiceResponse, listen: Listen) {
  const { language, model, timeout } = listen.speech;
  return response.gather({
    input: ['speech'],
    action: listen.action,
    method: 'POST',
    actionOnEmptyResult: true,
    language: language as NonNullable<Parameters<VoiceResponse['gather']>[0]>['language'],
    ...(model ? { speechModel: model } : {}),
    // Twilio refuses speechTimeout="auto" once a speech model is named.
    speechTimeout: model && timeout === 'auto' ? '2' : timeout,
    ...(listen.hints ? { hints: listen.hints } : {}),
    ...(listen.partial ? { partialResultCallback: listen.partial, partialResultCallbackMethod: 'POST' } : {}),
    bargeIn: true,
  });
}

/**
 * Characters XML 1.0 cannot hold (control characters, lone surrogates, U+FFFE/U+FFFF): the
 * twilio library's XML builder throws on them, and a turn that throws hangs up on the caller.
 */
const NOT_XML = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/** Text as it can be spoken: what XML cannot carry becomes a space, runs of spaces one. */
export const speakable = (text: string) => text.replace(NOT_XML, ' ').replace(/ {2,}/g, ' ').trim();

/** Say `text`, then listen for the caller's speech; barge-in lets a caller interrupt. */
export function speakAndListen(text: string, listen: Listen): string {
  const response = new VoiceResponse();
  gather(response, listen).say(speakable(text));
  return response.toString();
}

/** Say `text` and hang up. */
export function speakAndHangUp(text: string): string {
  const response = new VoiceResponse();
  response.say(speakable(text));
  response.hangup();
  return response.toString();
}

/** Listen without speaking (a human has taken the call and speaks through the admin tools). */
export function listenOnly(listen: Listen): string {
  const response = new VoiceResponse();
  gather(response, listen);
  return response.toString();
}

/**
 * Say `text`, then connect the caller to `number` for at most `timeLimitSeconds` (Twilio's own
 * default is four hours); the call ends when that leg does.
 */
export function speakAndDial(text: string, number: string, timeLimitSeconds: number): string {
  const response = new VoiceResponse();
  response.say(speakable(text));
  response.dial({ timeLimit: timeLimitSeconds }, number);
  return response.toString();
}

/**
 * The most TwiML Twilio takes in one call update (error 32018,
 * https://www.twilio.com/docs/api/errors/32018). Webhook responses may be 64 kB (11750), so
 * speech hints go in those, never in an update.
 */
export const MAX_UPDATE_TWIML_CHARS = 4000;

/** An empty response: what Twilio expects from a status callback. */
export function emptyResponse(): string {
  return new VoiceResponse().toString();
}
