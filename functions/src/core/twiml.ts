import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';

/** Public paths Twilio posts to; the console is configured with the first and last. */
export const WEBHOOK_PATHS = {
  voice: '/twilio/voice',
  turn: '/twilio/turn',
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
  unavailable:
    'Aurora is having trouble right now. If you are in danger, leave the area now and call emergency services.',
};

/**
 * The Gather action for the next turn. `call` names the live call so the turn can read it
 * directly (Twilio signs the whole URL, so it cannot be forged); `silent` counts silent turns.
 */
export function turnUrl(baseUrl: string, next: { call?: string; silent?: number } = {}): string {
  const query = new URLSearchParams();
  if (next.call) query.set('call', next.call);
  if (next.silent) query.set('silent', String(next.silent));
  const search = query.toString();
  return `${baseUrl}${WEBHOOK_PATHS.turn}${search ? `?${search}` : ''}`;
}

/** Say `text`, then listen for the caller's speech; barge-in lets a caller interrupt. */
export function speakAndListen(text: string, actionUrl: string): string {
  const response = new VoiceResponse();
  const gather = response.gather({
    input: ['speech'],
    action: actionUrl,
    method: 'POST',
    actionOnEmptyResult: true,
    speechTimeout: 'auto',
    bargeIn: true,
  });
  gather.say(text);
  return response.toString();
}

/** Say `text` and hang up. */
export function speakAndHangUp(text: string): string {
  const response = new VoiceResponse();
  response.say(text);
  response.hangup();
  return response.toString();
}

/** Listen without speaking (a human has taken the call and speaks through the admin tools). */
export function listenOnly(actionUrl: string): string {
  const response = new VoiceResponse();
  response.gather({ input: ['speech'], action: actionUrl, method: 'POST', actionOnEmptyResult: true, speechTimeout: 'auto' });
  return response.toString();
}

/** An empty response: what Twilio expects from a status callback. */
export function emptyResponse(): string {
  return new VoiceResponse().toString();
}
