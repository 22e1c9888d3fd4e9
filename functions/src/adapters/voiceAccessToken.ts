/**
 * The Voice JavaScript SDK's Access Token for a supervisor's browser, minted with the twilio
 * SDK's own AccessToken and VoiceGrant (https://www.twilio.com/docs/iam/access-tokens): a JWT
 * signed HS256 with an API key's secret, `iss` the key, `sub` the account, a Voice grant whose
 * outgoing calls run the TwiML App (https://www.twilio.com/docs/voice/sdks#twiml-apps).
 */
import type { VoiceTokenResult } from '@aurora/model';

/**
 * Short-lived on purpose (Twilio allows up to 24 hours, and advises the shortest feasible): a
 * token copied out of a browser, or kept by an admin since revoked, stops working within 15
 * minutes. The dashboard asks for a new one before it expires (the Device's tokenWillExpire
 * event, https://www.twilio.com/docs/voice/sdks/javascript/twiliodevice#tokenwillexpire-event).
 */
export const VOICE_TOKEN_TTL_SECONDS = 15 * 60;

/** The settings a working token needs, as config.ts reads them. */
export type VoiceSdkParams = {
  accountSid: string;
  apiKeySid: string;
  apiKeySecret: string;
  twimlAppSid: string;
};

/** What each setting must look like, and what it is (for the message that says what to set). */
const REQUIRED: Array<{
  field: keyof VoiceSdkParams;
  name: string;
  pattern: RegExp | null;
  what: string;
}> = [
  {
    field: 'accountSid',
    name: 'TWILIO_ACCOUNT_SID',
    pattern: /^AC[0-9a-fA-F]{32}$/,
    what: 'the Twilio account (AC…)',
  },
  {
    field: 'apiKeySid',
    name: 'TWILIO_API_KEY_SID',
    pattern: /^SK[0-9a-fA-F]{32}$/,
    what: 'an API key of that account (SK…)',
  },
  {
    field: 'apiKeySecret',
    name: 'the TWILIO_API_KEY_SECRET secret',
    pattern: null,
    what: "that key's secret",
  },
  {
    field: 'twimlAppSid',
    name: 'TWILIO_TWIML_APP_SID',
    pattern: /^AP[0-9a-fA-F]{32}$/,
    what: 'the TwiML App (AP…) whose Voice URL is PUBLIC_BASE_URL/twilio/browser',
  },
];

/**
 * The settings when every one is there and well formed; otherwise what is wrong with each, in
 * words an admin can act on. "none" counts as unset, as it does for OPENAI_API_KEY: a deploy
 * needs every declared secret to exist, and "none" is how a site without voice says so.
 */
export function checkVoiceSdk(
  params: VoiceSdkParams,
): { ok: true; settings: VoiceSdkParams } | { ok: false; problems: string[]; message: string } {
  const problems = REQUIRED.flatMap(({ field, name, pattern, what }) => {
    const value = params[field].trim();
    if (!value || value === 'none') return [`${name} is not set (${what})`];
    if (pattern && !pattern.test(value)) return [`${name} is not ${what}`];
    return [];
  });
  if (problems.length === 0)
    return {
      ok: true,
      settings: {
        accountSid: params.accountSid.trim(),
        apiKeySid: params.apiKeySid.trim(),
        apiKeySecret: params.apiKeySecret.trim(),
        twimlAppSid: params.twimlAppSid.trim(),
      },
    };
  return {
    ok: false,
    problems,
    message: `Talking from the dashboard is not set up on this deployment: ${problems.join('; ')}. Set ${problems.length === 1 ? 'it' : 'them'} (docs/going-live.md) and deploy again; typed words still reach the caller.`,
  };
}

/** The JWT's claims, read back from the token the SDK signed (its own clock set iat and exp). */
function claimsOf(jwt: string): { exp: number } {
  const payload = jwt.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp: number };
}

/**
 * A token that lets `identity` (the admin's uid) place browser calls through the TwiML App and
 * receive none: a supervisor's browser only ever calls in, so nothing can ring it.
 */
export function mintVoiceToken(settings: VoiceSdkParams, identity: string): VoiceTokenResult {
  // Required on first use: only the voiceToken function loads the JWT library.
  const AccessToken =
    require('twilio/lib/jwt/AccessToken') as typeof import('twilio/lib/jwt/AccessToken');
  const token = new AccessToken(settings.accountSid, settings.apiKeySid, settings.apiKeySecret, {
    identity,
    ttl: VOICE_TOKEN_TTL_SECONDS,
  });
  token.addGrant(
    new AccessToken.VoiceGrant({
      outgoingApplicationSid: settings.twimlAppSid,
      incomingAllow: false,
    }),
  );
  const jwt = token.toJwt('HS256');
  return {
    token: jwt,
    identity,
    expiresAt: new Date(claimsOf(jwt).exp * 1000).toISOString(),
  };
}
