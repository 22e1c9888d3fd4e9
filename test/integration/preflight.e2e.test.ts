/**
 * Preflight and the fallback line against the local stack: the hosting emulator serves the
 * fallback TwiML the build generated, as XML; `npm run preflight` reads the stack (its params
 * and secrets, the emulators, the deployed webhook, the admins) and a Twilio REST stand-in
 * holding the hotline's number, finds the number pointing elsewhere, and `--fix` repoints it.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LEGACY_FALLBACK_PATH,
  LOCAL_FALLBACK_PATH_TOKEN,
  fallbackPath,
  fallbackTwiml,
} from '../../scripts/lib/fallback-twiml.ts';
import {
  LOCAL_DEFAULTS,
  LOCAL_ON_CALL,
  LOCAL_VOICE_SDK,
  PROJECT_ID,
  ROOT,
} from '../../scripts/lib/project.ts';
import { CloudTasksApiServer } from '../../scripts/lib/tasks-api.ts';
import { TwilioApiServer } from '../../scripts/lib/twilio-api.ts';
import { SimulatedCall } from '../../scripts/lib/twilio-sim.ts';

const HOTLINE = '+15550100999';
const BASE = LOCAL_DEFAULTS.publicBaseUrl;
// The local build writes the fallback line at the fixed local token's path, as a real one at its secret token's.
const FALLBACK_PATH = fallbackPath(LOCAL_FALLBACK_PATH_TOKEN);
// The stack's own Twilio stand-in lives in the test runner's setup process; this one holds the numbers.
const twilio = new TwilioApiServer({
  accountSid: LOCAL_DEFAULTS.twilioAccountSid,
  authToken: LOCAL_DEFAULTS.twilioAuthToken,
});
const tasks = new CloudTasksApiServer();

beforeAll(async () => {
  await twilio.start();
  await tasks.start();
  for (const queue of ['archiveCall', 'purgeCall', 'escalateCall', 'recordWords'])
    tasks.addQueue(`projects/${PROJECT_ID}/locations/us-central1`, queue);
});
afterAll(async () => {
  await twilio.stop();
  await tasks.stop();
});

const preflight = (...args: string[]) =>
  promisify(execFile)(
    process.execPath,
    [
      join(ROOT, 'scripts', 'preflight.ts'),
      '--project',
      PROJECT_ID,
      '--number',
      HOTLINE,
      '--twilio-api',
      twilio.baseUrl,
      '--tasks-api',
      tasks.endpoint,
      ...args,
    ],
    { timeout: 60_000 },
  ).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({
      code: e.code,
      out: e.stdout + e.stderr,
    }),
  );

describe('the fallback line on Hosting', () => {
  it('is served as XML: the safety line, then every on-call number dialled', async () => {
    const res = await fetch(`${BASE}${FALLBACK_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(await res.text()).toBe(fallbackTwiml(LOCAL_ON_CALL.numbers));
    // Nothing at the old guessable path, which listed the on-call numbers to anyone.
    expect((await fetch(`${BASE}${LEGACY_FALLBACK_PATH}`)).status).toBe(404);
  });

  it("is what a caller hears when the voice webhook fails, instead of Twilio's error message", async () => {
    // Signed with another token, the webhook refuses the call (403), as a broken deployment would fail it.
    const call = new SimulatedCall({
      baseUrl: BASE,
      authToken: 'not-this-deployments-token',
      from: '+15550100001',
      fallbackUrl: `${BASE}${FALLBACK_PATH}`,
    });
    const heard = await call.ring();
    expect(heard.fallbackFrom).toBe(403);
    expect(heard.status).toBe(200);
    expect(heard.said).toEqual([
      'Aurora cannot answer right now. Get yourself to a safe place now and call emergency services. Connecting you to the on-call supervisor.',
      'Nobody answered. Get yourself to a safe place now and call emergency services.',
    ]);
    expect(heard.dialed).toBe(LOCAL_ON_CALL.numbers.join(', '));
  });
});

describe('npm run preflight against the local stack', () => {
  it('says in plain words that the number points elsewhere, and passes everything else', async () => {
    const number = twilio.addNumber(HOTLINE);
    number.voice_url = 'https://old-host.example/voice';
    twilio.addNumber(LOCAL_ON_CALL.smsFrom);
    // The dashboard's voice as the stack sets it up: its API key, and its TwiML App at /twilio/browser.
    twilio.voiceSdk.addKey({
      sid: LOCAL_VOICE_SDK.apiKeySid,
      secret: LOCAL_VOICE_SDK.apiKeySecret,
    });
    twilio.voiceSdk.addApplication({
      sid: LOCAL_VOICE_SDK.twimlAppSid,
      voice_url: `${BASE}/twilio/browser`,
    });
    const { code, out } = await preflight();
    expect(code).toBe(1);
    expect(out).toContain(
      `FAIL  twilio    ${HOTLINE}'s voice URL ("A call comes in") is https://old-host.example/voice; it must be ${BASE}/twilio/voice`,
    );
    expect(out).toContain(
      `FAIL  twilio    ${HOTLINE}'s status callback ("Call status changes") is not set; it must be ${BASE}/twilio/status`,
    );
    expect(out).toContain(
      `FAIL  twilio    ${HOTLINE}'s fallback URL ("Primary handler fails") is not set; it must be ${BASE}${FALLBACK_PATH}`,
    );
    expect(out).toContain(`→ npm run preflight -- --project ${PROJECT_ID} --fix`);
    expect(out).toContain(
      `ok    twilio    escalation texts come from ${LOCAL_ON_CALL.smsFrom}, an SMS-capable number on the account`,
    );
    expect(out).toContain(
      `ok    fallback  the fallback line says the safety line and dials ${LOCAL_ON_CALL.numbers.join(', ')}`,
    );
    expect(out).toContain(
      `ok    webhook   ${BASE}/twilio/voice is deployed and refuses unsigned requests`,
    );
    expect(out).toContain('ok    database  the Realtime Database');
    expect(out).toContain('ok    queues    queue escalateCall is running');
    expect(out).toMatch(/ok {4}admins {4}\d+ admins?: .*admin@aurora\.local/);
    expect(out).toContain('ok    secrets   TWILIO_AUTH_TOKEN is set');
    expect(out).toContain('ok    secrets   TWILIO_API_KEY_SECRET is set');
    expect(out).toContain(
      `ok    voice     TwiML App ${LOCAL_VOICE_SDK.twimlAppSid} sends supervisors' browser calls to ${BASE}/twilio/browser`,
    );
    expect(out).toContain(`3 problems: ${PROJECT_ID} is not ready for calls.`);
  });

  it('--fix points the number at this deployment through Twilio’s API, and the check then passes', async () => {
    const { code, out } = await preflight('--fix');
    expect(out).toContain(
      `--fix: set ${HOTLINE}'s voiceUrl to ${BASE}/twilio/voice, statusCallback to ${BASE}/twilio/status, voiceFallbackUrl to ${BASE}${FALLBACK_PATH}, voiceFallbackMethod to GET`,
    );
    expect(out).toContain(`${PROJECT_ID} is ready for calls.`);
    expect(code).toBe(0);
    const number = [...twilio.numbers.values()].find((n) => n.phone_number === HOTLINE)!;
    expect(number).toMatchObject({
      voice_url: `${BASE}/twilio/voice`,
      voice_method: 'POST',
      status_callback: `${BASE}/twilio/status`,
      voice_fallback_url: `${BASE}${FALLBACK_PATH}`,
      voice_fallback_method: 'GET',
    });
    expect((await preflight('--fix')).out).toContain(
      `--fix: ${HOTLINE} already points at this deployment.`,
    );
  });

  it('reports a paused queue with the command that resumes it', async () => {
    tasks.addQueue(`projects/${PROJECT_ID}/locations/us-central1`, 'purgeCall', 'PAUSED');
    const { code, out } = await preflight();
    expect(code).toBe(1);
    expect(out).toContain(
      'FAIL  queues    queue purgeCall is PAUSED: its tasks are not dispatched',
    );
    expect(out).toContain(
      `→ gcloud tasks queues resume purgeCall --location us-central1 --project ${PROJECT_ID}`,
    );
  });

  it("finds the TwiML App's Voice URL pointing elsewhere, and --fix points it at /twilio/browser", async () => {
    const app = twilio.voiceSdk.applications.get(LOCAL_VOICE_SDK.twimlAppSid)!;
    app.voice_url = 'https://old-host.example/browser';
    const found = await preflight();
    expect(found.code).toBe(1);
    expect(found.out).toContain(
      `FAIL  voice     TwiML App ${app.sid}'s Voice URL is https://old-host.example/browser; it must be ${BASE}/twilio/browser`,
    );
    const fixed = await preflight('--fix');
    expect(fixed.out).toContain(
      `--fix: set TwiML App ${app.sid}'s voiceUrl to ${BASE}/twilio/browser`,
    );
    expect(fixed.out).toContain(
      `ok    voice     TwiML App ${app.sid} sends supervisors' browser calls to ${BASE}/twilio/browser`,
    );
    expect(app.voice_url).toBe(`${BASE}/twilio/browser`);
  });
});
