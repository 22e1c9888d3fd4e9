/**
 * Preflight and the dashboard's voice: the API key that signs supervisors' voice tokens and the
 * TwiML App their browsers call through, asked of the Twilio REST stand-in through the real
 * twilio SDK (as preflight asks Twilio), judged by preflight's checks, and `--fix` pointing the
 * App's Voice URL at the deployment.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WEBHOOK_PATHS } from '../../../functions/src/core/twiml';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';
import { fixVoiceApp, twilioRest, voiceSdkFacts } from '../../../scripts/lib/preflight/gather.ts';
import { checkDeployment, type Facts } from '../../../scripts/lib/preflight/checks.ts';
import {
  BROWSER_PATH,
  appUpdate,
  wantedAppConfig,
  type VoiceSdkFacts,
} from '../../../scripts/lib/preflight/voice.ts';

const account = { accountSid: `AC${'0'.repeat(31)}3`, authToken: 'voice-token' };
const BASE = 'https://my-plant.web.app';
const KEY = `SK${'a'.repeat(32)}`;
const APP = `AP${'b'.repeat(32)}`;
let api: TwilioApiServer;
let client: ReturnType<typeof twilioRest>;

beforeEach(async () => {
  api = await new TwilioApiServer(account).start();
  client = twilioRest(account.accountSid, account.authToken, api.baseUrl);
});
afterEach(() => api.stop());

/** A deployment judged on its voice alone (the rest is judged elsewhere). */
function facts(voiceSdk: Facts['voiceSdk'], params: Record<string, string> = {}): Facts {
  return {
    projectId: 'my-plant',
    paramsSource: 'functions/.env.my-plant',
    local: false,
    params: {
      PUBLIC_BASE_URL: BASE,
      TWILIO_ACCOUNT_SID: account.accountSid,
      TWILIO_API_KEY_SID: KEY,
      TWILIO_TWIML_APP_SID: APP,
      ...params,
    },
    exampleParams: {},
    voiceNumber: '',
    secrets: {},
    database: null,
    twilioNumbers: null,
    fallback: { error: '-' },
    webhook: { error: '-' },
    queues: null,
    admins: [],
    voiceSdk,
  };
}

/** The voice findings' lines, each problem with its fix. */
const says = (f: Facts) =>
  checkDeployment(f)
    .filter((x) => x.area === 'voice')
    .map((x) => `${x.ok ? 'ok' : 'FAIL'} ${x.says}${x.fix && !x.ok ? ` → ${x.fix}` : ''}`);

describe("preflight's voice checks, against the stand-in", () => {
  it('pass a key on the account and an App that POSTs browser calls to /twilio/browser', async () => {
    api.voiceSdk.addKey({ sid: KEY, friendlyName: 'Aurora voice tokens' });
    api.voiceSdk.addApplication({
      sid: APP,
      voice_url: `${BASE}/twilio/browser`,
      voice_method: 'POST',
    });
    const voice = await voiceSdkFacts(client, facts(undefined).params);
    expect(says(facts(voice))).toEqual([
      `ok API key ${KEY} (Aurora voice tokens) signs the dashboard's voice tokens`,
      `ok TwiML App ${APP} sends supervisors' browser calls to ${BASE}/twilio/browser`,
    ]);
  });

  it('say a key or an App the account does not have, with how to make one', async () => {
    const voice = await voiceSdkFacts(client, facts(undefined).params);
    expect(voice).toEqual({ key: null, app: null });
    expect(says(facts(voice))).toEqual([
      `FAIL API key ${KEY} is not on Twilio account ${account.accountSid}: Twilio would refuse every voice token it signs → create a Standard API key at https://console.twilio.com/us1/account/keys-credentials/api-keys, set TWILIO_API_KEY_SID in functions/.env.my-plant and its secret with firebase functions:secrets:set TWILIO_API_KEY_SECRET --project my-plant`,
      `FAIL TwiML App ${APP} is not on Twilio account ${account.accountSid}: supervisors' browsers could not join a call → create a TwiML App at https://console.twilio.com/us1/develop/voice/manage/twiml-apps, set TWILIO_TWIML_APP_SID in functions/.env.my-plant, then npm run preflight -- --project my-plant --fix`,
    ]);
  });

  it('catch an App whose Voice URL points elsewhere, and --fix repoints it through Twilio’s API', async () => {
    api.voiceSdk.addKey({ sid: KEY });
    api.voiceSdk.addApplication({
      sid: APP,
      voice_url: 'https://old-host.example/voice',
      voice_method: 'GET',
    });
    const before = facts(await voiceSdkFacts(client, facts(undefined).params));
    expect(says(before).filter((line) => line.startsWith('FAIL'))).toEqual([
      `FAIL TwiML App ${APP}'s Voice URL is https://old-host.example/voice; it must be ${BASE}/twilio/browser → npm run preflight -- --project my-plant --fix`,
    ]);

    const fixed = await fixVoiceApp(client, before);
    expect(fixed?.said).toBe(
      `--fix: set TwiML App ${APP}'s voiceUrl to ${BASE}/twilio/browser, voiceMethod to POST`,
    );
    expect(api.voiceSdk.applications.get(APP)).toMatchObject({
      voice_url: `${BASE}/twilio/browser`,
      voice_method: 'POST',
    });
    expect(says(fixed!.facts).every((line) => line.startsWith('ok'))).toBe(true);
    expect((await fixVoiceApp(client, fixed!.facts))?.said).toBe(
      `--fix: TwiML App ${APP} already sends supervisors' browser calls here.`,
    );
  });

  it('--fix says what Twilio refused, and leaves alone an App it could not find', async () => {
    api.voiceSdk.addApplication({ sid: APP });
    // The local stack's http address is fine; a relative one is what Twilio refuses (21402).
    const relative = facts(await voiceSdkFacts(client, facts(undefined).params), {
      PUBLIC_BASE_URL: '/plant',
    });
    expect((await fixVoiceApp(client, relative))?.said).toMatch(
      /^--fix: Twilio refused the TwiML App's update \(error 21402\): VoiceUrl is not valid/,
    );
    expect(await fixVoiceApp(client, facts({ key: null, app: null }))).toBeNull();
    expect(await fixVoiceApp(client, facts(null))).toBeNull();
  });
});

describe("preflight's voice checks, on facts", () => {
  it('say unset and malformed SIDs, and do not ask Twilio about them', async () => {
    expect(
      says(facts({}, { TWILIO_API_KEY_SID: '', TWILIO_TWIML_APP_SID: `AP${'x'.repeat(32)}` })),
    ).toEqual([
      'FAIL TWILIO_API_KEY_SID is not set: supervisors cannot talk from the dashboard (it names the API key that signs their voice tokens) → create a Standard API key at https://console.twilio.com/us1/account/keys-credentials/api-keys, set TWILIO_API_KEY_SID in functions/.env.my-plant and its secret with firebase functions:secrets:set TWILIO_API_KEY_SECRET --project my-plant',
      `FAIL TWILIO_TWIML_APP_SID is not a TwiML App SID (AP and 32 hex digits): AP${'x'.repeat(32)} → set the App's SID from https://console.twilio.com/us1/develop/voice/manage/twiml-apps in functions/.env.my-plant`,
    ]);
    const params = { TWILIO_API_KEY_SID: 'SK123', TWILIO_TWIML_APP_SID: '' };
    expect(await voiceSdkFacts(client, params)).toEqual({});
  });

  it('say nothing when not asked, only the params when Twilio was not asked, and what Twilio could not answer', () => {
    expect(says(facts(undefined, { TWILIO_API_KEY_SID: '' }))).toEqual([]);
    expect(says(facts(null))).toEqual([]);
    expect(says(facts({ key: { error: 'HTTP 403' }, app: { error: 'timeout' } }))).toEqual([
      `FAIL could not read API key ${KEY}: HTTP 403`,
      `FAIL could not read TwiML App ${APP}: timeout`,
    ]);
    expect(says(facts({ error: 'Authenticate' }))).toEqual([
      'FAIL could not ask Twilio about the voice key and App: Authenticate',
    ]);
  });

  it('tell how to set the API key secret, and what none means', () => {
    const f = { ...facts(undefined), secrets: { TWILIO_API_KEY_SECRET: 'missing' as const } };
    expect(checkDeployment(f).find((x) => x.area === 'secrets')).toEqual({
      area: 'secrets',
      ok: false,
      says: 'TWILIO_API_KEY_SECRET is not set',
      fix: "firebase functions:secrets:set TWILIO_API_KEY_SECRET --project my-plant (TWILIO_API_KEY_SID's secret; the value none leaves supervisors typing, not talking)",
    });
  });

  it('want the browser webhook the functions serve, POSTed, and plan only what differs', () => {
    expect(BROWSER_PATH).toBe(WEBHOOK_PATHS.browser);
    const want = wantedAppConfig(`${BASE}/`);
    expect(want).toEqual({ voiceUrl: `${BASE}/twilio/browser`, voiceMethod: 'POST' });
    const app = { sid: APP, friendlyName: '', voiceUrl: want.voiceUrl, voiceMethod: 'post' };
    expect(appUpdate(want, app)).toEqual({});
    expect(appUpdate(want, { ...app, voiceUrl: '' })).toEqual({ voiceUrl: want.voiceUrl });
    const unreadable: VoiceSdkFacts = { app: { error: 'x' } };
    expect(says(facts(unreadable))).toEqual([`FAIL could not read TwiML App ${APP}: x`]);
  });
});
