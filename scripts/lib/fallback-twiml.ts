/**
 * The fallback line: the TwiML Twilio plays when Aurora's voice webhook fails or times out (the
 * number's VoiceFallbackUrl). It has to work when the functions do not, so it is a static file
 * on Hosting, generated when the dashboard is built (hosting/vite.config.ts) from the
 * deployment's ON_CALL_NUMBERS param: the on-call numbers stay in the project's env file, never
 * in the repository, and a change of on-call staff reaches the fallback with the next deploy.
 */
import twilio from 'twilio';
import { E164 } from './deploy-env.ts';

/** Where Hosting serves it; the number's fallback URL is the deployment's origin plus this path. */
export const FALLBACK_PATH = '/twilio/fallback.xml';

/**
 * Static files on Hosting are fetched with GET (a POST to a static file is not something Hosting
 * promises to serve), so the number's VoiceFallbackMethod must be GET.
 */
export const FALLBACK_METHOD = 'GET';

/** The core of the safety line the functions prepend to a CRITICAL reply (assistant/safety.ts). */
export const FALLBACK_SAFETY_LINE = 'Get yourself to a safe place now and call emergency services.';

/** The longest the fallback's bridged leg may last, as BRIDGE_TIME_LIMIT_SECONDS's default. */
const DIAL_TIME_LIMIT_SECONDS = 3600;

/**
 * The fallback document: the safety line, then every on-call number dialled at once (the first
 * to answer takes the call; Twilio's <Dial> takes up to ten <Number> nouns), then the safety
 * line again for a caller nobody answered.
 */
export function fallbackTwiml(onCallNumbers: string[]): string {
  if (onCallNumbers.length === 0) throw new Error('the fallback line needs at least one on-call number (ON_CALL_NUMBERS)');
  const bad = onCallNumbers.filter((n) => !E164.test(n));
  if (bad.length > 0) throw new Error(`ON_CALL_NUMBERS must be E.164 numbers (+ and digits): ${bad.join(', ')}`);
  if (onCallNumbers.length > 10) throw new Error('Twilio dials at most 10 numbers at once: keep ON_CALL_NUMBERS to 10');
  const response = new twilio.twiml.VoiceResponse();
  response.say(`Aurora cannot answer right now. ${FALLBACK_SAFETY_LINE} Connecting you to the on-call supervisor.`);
  const dial = response.dial({ timeLimit: DIAL_TIME_LIMIT_SECONDS });
  for (const number of onCallNumbers) dial.number(number);
  response.say(`Nobody answered. ${FALLBACK_SAFETY_LINE}`);
  return response.toString();
}
