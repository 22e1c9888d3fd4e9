/**
 * The voiceToken callable: the Access Token it mints is checked as Twilio would check it (an
 * HS256 JWT verified here with node:crypto against the API key's secret, its claims read with
 * the twilio SDK's own grant types), and it is refused to everyone but a current admin, and on a
 * deployment missing a voice setting.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HttpsError } from 'firebase-functions/v2/https';
import type AccessToken from 'twilio/lib/jwt/AccessToken';
import type { VoiceTokenResult } from '@aurora/model';
import {
  VOICE_TOKEN_TTL_SECONDS,
  checkVoiceSdk,
  type VoiceSdkParams,
} from '../../../functions/src/adapters/voiceAccessToken';
import { voiceTokenHandler } from '../../../functions/src/triggers/voiceToken';
import { memoryDeps } from '../../helpers/fakes';

const PARAMS: VoiceSdkParams = {
  accountSid: `AC${'0'.repeat(31)}7`,
  apiKeySid: `SK${'1'.repeat(31)}2`,
  apiKeySecret: 'the-api-key-secret-from-twilio',
  twimlAppSid: `AP${'3'.repeat(31)}4`,
};
type Auth = { uid: string; token: Record<string, unknown> };
const admin: Auth = { uid: 'u1', token: { admin: true, email: 'ana@site.example' } };

/** What Twilio reads out of a Voice SDK token: its header, and its payload with the SDK's own grant types. */
type Header = { alg: string; typ: string; cty: string };
type Payload = {
  jti: string;
  iss: string;
  sub: string;
  iat: number;
  exp: number;
  grants: { identity: string; voice: AccessToken.VoiceGrantPayload };
};

function setUp(params: Partial<VoiceSdkParams> = {}) {
  const world = memoryDeps();
  const handle = voiceTokenHandler(
    () => world.deps,
    () => ({ ...PARAMS, ...params }),
  );
  const ask = (auth: Auth | undefined) => handle({ auth } as Parameters<typeof handle>[0]);
  return { ...world, ask };
}

/** The token's parts, once its HS256 signature checks out against `secret`; throws otherwise. */
function verifiedJwt(jwt: string, secret: string): { header: Header; payload: Payload } {
  const [header, payload, signature] = jwt.split('.');
  if (!header || !payload || !signature) throw new Error('not a JWT');
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    throw new Error('bad signature');
  const decode = <T>(part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()) as T;
  return { header: decode<Header>(header), payload: decode<Payload>(payload) };
}

const rejectsWith = async (promise: Promise<unknown>, code: string, message?: RegExp) => {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HttpsError);
  expect((err as HttpsError).code).toBe(code);
  if (message) expect((err as HttpsError).message).toMatch(message);
};

describe('voiceToken callable', () => {
  it("mints an admin a 15-minute HS256 Access Token, signed with the API key's secret, with a Voice grant for the TwiML App", async () => {
    const { ask } = setUp();
    const before = Math.floor(Date.now() / 1000);
    const result: VoiceTokenResult = await ask(admin);
    const { header, payload } = verifiedJwt(result.token, PARAMS.apiKeySecret);
    expect(header).toEqual({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
    expect(payload.iss).toBe(PARAMS.apiKeySid);
    expect(payload.sub).toBe(PARAMS.accountSid);
    expect(payload.exp - payload.iat).toBe(900);
    expect(VOICE_TOKEN_TTL_SECONDS).toBe(900);
    expect(payload.iat).toBeGreaterThanOrEqual(before);
    expect(payload.grants.identity).toBe('u1');
    // Outgoing calls only, through the TwiML App: nothing can ring a supervisor's browser.
    expect(payload.grants.voice).toEqual({ outgoing: { application_sid: PARAMS.twimlAppSid } });
    expect(result.identity).toBe('u1');
    expect(result.expiresAt).toBe(new Date(payload.exp * 1000).toISOString());
  });

  it('signs with that secret and no other', async () => {
    const { ask } = setUp();
    const { token } = await ask(admin);
    expect(() => verifiedJwt(token, 'another-secret')).toThrow('bad signature');
  });

  it('keeps out the signed-out and users without the admin claim', async () => {
    const { ask } = setUp();
    await rejectsWith(ask(undefined), 'unauthenticated');
    await rejectsWith(ask({ uid: 'u2', token: { email: 'eve@x' } }), 'permission-denied');
    await rejectsWith(ask({ uid: 'u3', token: { admin: 'true' } }), 'permission-denied');
  });

  it('refuses an admin removed or revoked since their ID token was issued, and says so when the directory cannot be asked', async () => {
    const revoked = setUp();
    revoked.admins.revoked.add('u1');
    await rejectsWith(
      revoked.ask(admin),
      'permission-denied',
      /access has been removed or your session revoked/,
    );
    const down = setUp();
    down.admins.stillAdmin = () => Promise.reject(new Error('database unreachable'));
    await rejectsWith(down.ask(admin), 'unavailable');
  });

  it('answers failed-precondition naming every voice setting that is missing or malformed, never a token', async () => {
    await rejectsWith(
      setUp({ apiKeySid: '', apiKeySecret: '', twimlAppSid: '' }).ask(admin),
      'failed-precondition',
      /TWILIO_API_KEY_SID is not set.*; the TWILIO_API_KEY_SECRET secret is not set.*; TWILIO_TWIML_APP_SID is not set/,
    );
    await rejectsWith(
      setUp({ accountSid: '' }).ask(admin),
      'failed-precondition',
      /TWILIO_ACCOUNT_SID is not set/,
    );
    // "none" is how a deployment without voice sets the secret every deploy needs.
    await rejectsWith(
      setUp({ apiKeySecret: 'none' }).ask(admin),
      'failed-precondition',
      /^Talking from the dashboard is not set up on this deployment: the TWILIO_API_KEY_SECRET secret is not set \(that key's secret\)\. Set it \(docs\/going-live\.md\)/,
    );
    await rejectsWith(
      setUp({ twimlAppSid: 'PN123' }).ask(admin),
      'failed-precondition',
      /TWILIO_TWIML_APP_SID is not the TwiML App \(AP…\)/,
    );
  });

  it('tells a non-admin nothing about the configuration', async () => {
    await rejectsWith(
      setUp({ apiKeySid: '' }).ask({ uid: 'u2', token: { email: 'eve@x' } }),
      'permission-denied',
    );
  });
});

describe('checkVoiceSdk', () => {
  it('passes well-formed settings on, trimmed', () => {
    expect(checkVoiceSdk({ ...PARAMS, apiKeySid: ` ${PARAMS.apiKeySid}\n` })).toEqual({
      ok: true,
      settings: PARAMS,
    });
  });

  it('calls an API key SID that is an account SID malformed', () => {
    const checked = checkVoiceSdk({ ...PARAMS, apiKeySid: PARAMS.accountSid });
    expect(checked.ok).toBe(false);
    expect(!checked.ok && checked.problems).toEqual([
      'TWILIO_API_KEY_SID is not an API key of that account (SK…)',
    ]);
  });
});
