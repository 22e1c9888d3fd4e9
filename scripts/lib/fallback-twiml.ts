/**
 * The fallback line: the TwiML Twilio plays when Aurora's voice webhook fails or times out (the
 * number's VoiceFallbackUrl). It has to work when the functions do not, so it is a static file
 * on Hosting, generated when the dashboard is built (hosting/vite.config.ts) from the
 * deployment's ON_CALL_NUMBERS param: the on-call numbers stay in the project's env file, never
 * in the repository, and a change of on-call staff reaches the fallback with the next deploy.
 *
 * A static file cannot check Twilio's request signature (X-Twilio-Signature,
 * https://www.twilio.com/docs/usage/webhooks/webhooks-security), and this one lists every on-call
 * number, so it is served only at a path nobody can guess: /twilio/fallback-<token>.xml, the
 * token a secret of at least 128 bits (FALLBACK_PATH_TOKEN in functions/.env.<project-id>).
 * Nothing on Hosting links to it; the number's fallback URL (set by preflight --fix) is the
 * only place it is written down. Its screening files hold no number, so they keep plain paths.
 */
import twilio from 'twilio';
import { E164, isDemoProject } from './deploy-env.ts';

/** The setting holding the secret part of the fallback line's path. */
export const FALLBACK_TOKEN_SETTING = 'FALLBACK_PATH_TOKEN';

/**
 * The local stack's token (demo- projects, or a build for no project): it hides nothing, as the
 * local on-call numbers are made up, and it is in the repository, so a real project may not use it.
 */
export const LOCAL_FALLBACK_PATH_TOKEN = '10ca1000000000000000000000000000';

/** 32 hex digits carry 128 bits (`openssl rand -hex 16` prints them); more is fine. */
const TOKEN = /^[0-9a-fA-F]{32,}$/;

/** Where Hosting serves the fallback line for `token`; the number's fallback URL is the deployment's origin plus this path. */
export function fallbackPath(token: string): string {
  if (!TOKEN.test(token))
    throw new Error("the fallback line's token must be at least 32 hex digits (128 bits)");
  return `/twilio/fallback-${token}.xml`;
}

/**
 * Where earlier builds wrote the fallback line, guessable by anyone: nothing is written there
 * now, and preflight checks that nothing is served there.
 */
export const LEGACY_FALLBACK_PATH = '/twilio/fallback.xml';

/** How an operator makes a token and gets it used. */
const tokenFix = (projectId: string) =>
  `generate one with \`openssl rand -hex 16\`, set ${FALLBACK_TOKEN_SETTING}=<it> in functions/.env.${projectId}, deploy Hosting again, then run \`npm run preflight -- --project ${projectId} --fix\` to point the number at it`;

/**
 * The fallback line's path for a deployment: one function for the Hosting build (which writes
 * the file there) and preflight (which sets and checks the number's fallback URL), so the two
 * cannot disagree. The local stack (no project, or a demo- one) uses the fixed local token; a
 * real project must set its own, or gets the reason it cannot have a fallback line and the fix.
 */
export function deploymentFallbackPath(
  projectId: string | null,
  params: Record<string, string | undefined>,
): { path: string } | { problem: string; fix: string } {
  if (!projectId || isDemoProject(projectId))
    return { path: fallbackPath(LOCAL_FALLBACK_PATH_TOKEN) };
  const token = params[FALLBACK_TOKEN_SETTING] ?? '';
  const why = !token
    ? 'is not set'
    : !TOKEN.test(token)
      ? `is ${token.length < 32 ? 'too short' : 'not hex'}: it must be at least 32 hex digits (128 bits) so that nobody can guess it`
      : token.toLowerCase() === LOCAL_FALLBACK_PATH_TOKEN
        ? "is the local stack's token, which is in the repository"
        : null;
  if (why === null) return { path: fallbackPath(token) };
  return {
    problem: `${FALLBACK_TOKEN_SETTING} in functions/.env.${projectId} ${why}: the fallback line lists every on-call number, so it is served only at /twilio/fallback-<${FALLBACK_TOKEN_SETTING}>.xml`,
    fix: tokenFix(projectId),
  };
}

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
 * The screening each on-call person hears before being connected (<Number url>, run on the
 * called party's end after they answer: https://www.twilio.com/docs/voice/twiml/number#url), and
 * where their key press goes. Static files beside the fallback line, so they work with the
 * functions down. Root-relative: Twilio resolves a relative url against the document that named
 * it (Number url and Gather action take "relative or absolute URL").
 */
export const FALLBACK_SCREEN_PATH = '/twilio/fallback-screen.xml';
export const FALLBACK_ACCEPT_PATH = '/twilio/fallback-accept.xml';

/**
 * What the on-call person hears: the functions' screening opens the same way (core/twiml.ts's
 * SCREENING_LINES), but a static file cannot read which key was pressed, so here any key accepts.
 */
export const FALLBACK_SCREENING_PROMPT =
  "Aurora safety line: a worker's call is waiting. Press any key to accept.";

/**
 * The fallback document: the safety line, then every on-call number dialled at once (Twilio's
 * <Dial> takes up to ten <Number> nouns), each screened first so that a voicemail box never
 * takes the call, then the safety line again for a caller nobody answered. With no <Dial action>
 * Twilio goes on to the next verb when the dial ends (https://www.twilio.com/docs/voice/twiml/dial#action).
 * The screening is fetched with GET (`method`, https://www.twilio.com/docs/voice/twiml/number#method):
 * Hosting serves static files to GET.
 */
export function fallbackTwiml(onCallNumbers: string[]): string {
  if (onCallNumbers.length === 0)
    throw new Error('the fallback line needs at least one on-call number (ON_CALL_NUMBERS)');
  const bad = onCallNumbers.filter((n) => !E164.test(n));
  if (bad.length > 0)
    throw new Error(`ON_CALL_NUMBERS must be E.164 numbers (+ and digits): ${bad.join(', ')}`);
  if (onCallNumbers.length > 10)
    throw new Error('Twilio dials at most 10 numbers at once: keep ON_CALL_NUMBERS to 10');
  const response = new twilio.twiml.VoiceResponse();
  response.say(
    `Aurora cannot answer right now. ${FALLBACK_SAFETY_LINE} Connecting you to the on-call supervisor.`,
  );
  const dial = response.dial({ timeLimit: DIAL_TIME_LIMIT_SECONDS });
  for (const number of onCallNumbers)
    dial.number({ url: FALLBACK_SCREEN_PATH, method: FALLBACK_METHOD }, number);
  response.say(`Nobody answered. ${FALLBACK_SAFETY_LINE}`);
  return response.toString();
}

/**
 * The static screening. A file cannot check the digit, so the choice is "press any key": one key
 * press (numDigits 1) fetches the accept file with GET (Gather's `method`,
 * https://www.twilio.com/docs/voice/twiml/gather#method), whose empty TwiML ends the screening
 * and connects the two. No key at all (a voicemail box records, it never presses one) lets the
 * Gather time out and fall through to <Hangup/>: without it the document would simply end, and
 * an ended screening connects the call.
 */
export function fallbackScreeningTwiml(): string {
  const response = new twilio.twiml.VoiceResponse();
  response
    .gather({ numDigits: 1, action: FALLBACK_ACCEPT_PATH, method: FALLBACK_METHOD })
    .say({ loop: 2 }, FALLBACK_SCREENING_PROMPT);
  response.say('Goodbye.');
  response.hangup();
  return response.toString();
}

/** The accept file: empty TwiML, so the screening ends and Twilio connects the on-call person. */
export const fallbackAcceptTwiml = (): string => new twilio.twiml.VoiceResponse().toString();

/**
 * Every file of the fallback line, by its path on Hosting: what the Hosting build writes. The
 * line itself goes only to `path` (deploymentFallbackPath): nothing at a guessable one.
 */
export function fallbackFiles(onCallNumbers: string[], path: string): Record<string, string> {
  return {
    [path]: fallbackTwiml(onCallNumbers),
    [FALLBACK_SCREEN_PATH]: fallbackScreeningTwiml(),
    [FALLBACK_ACCEPT_PATH]: fallbackAcceptTwiml(),
  };
}
