/** Preflight's rules, on facts made up here: a healthy deployment, then one thing wrong at a time. */
import { describe, expect, it } from 'vitest';
import {
  checkDeployment,
  databaseRegion,
  deploymentNumberConfig,
  formatFindings,
  numberUpdate,
  wantedNumberConfig,
  withoutFallbackToken,
  type Facts,
  type NumberConfig,
} from '../../../scripts/lib/preflight/checks.ts';
import { fallbackScreeningTwiml, fallbackTwiml } from '../../../scripts/lib/fallback-twiml.ts';

const BASE = 'https://my-plant.web.app';
const VOICE = '+14155550100';
const ON_CALL = ['+14155550111', '+14155550112'];
/** The deployment's FALLBACK_PATH_TOKEN, and where the Hosting build writes the fallback line with it. */
const TOKEN = '3f9a1c0e7b5d42a8916e0c4f2b7d8a13';
const FALLBACK_URL = `${BASE}/twilio/fallback-${TOKEN}.xml`;
/** How a real deployment's findings name that URL without printing the secret. */
const FALLBACK_URL_SHOWN = `${BASE}/twilio/fallback-<FALLBACK_PATH_TOKEN>.xml`;

function number(overrides: Partial<NumberConfig> = {}): NumberConfig {
  return {
    sid: 'PN0001',
    phoneNumber: VOICE,
    voiceUrl: `${BASE}/twilio/voice`,
    voiceMethod: 'POST',
    voiceFallbackUrl: FALLBACK_URL,
    voiceFallbackMethod: 'GET',
    statusCallback: `${BASE}/twilio/status`,
    statusCallbackMethod: 'POST',
    voiceApplicationSid: '',
    capabilities: { voice: true, sms: true },
    ...overrides,
  };
}

/** A deployment with nothing wrong; each test spoils one part. */
function facts(overrides: Partial<Facts> = {}, params: Record<string, string> = {}): Facts {
  return {
    projectId: 'my-plant',
    paramsSource: 'functions/.env.my-plant',
    local: false,
    params: {
      FUNCTIONS_REGION: 'europe-west1',
      PUBLIC_BASE_URL: BASE,
      TWILIO_ACCOUNT_SID: `AC${'a1'.repeat(16)}`,
      TWILIO_SMS_FROM: VOICE,
      ON_CALL_NUMBERS: ON_CALL.join(','),
      BRIDGE_NUMBERS: '+1415555*',
      FALLBACK_PATH_TOKEN: TOKEN,
      ...params,
    },
    exampleParams: {
      PUBLIC_BASE_URL: 'https://your-project-id.web.app',
      TWILIO_ACCOUNT_SID: `AC${'x'.repeat(32)}`,
      TWILIO_VOICE_NUMBER: '+15550000000',
      ON_CALL_NUMBERS: '+15550000001,+15550000002',
    },
    voiceNumber: VOICE,
    secrets: { TWILIO_AUTH_TOKEN: 'set', OPENAI_API_KEY: 'set' },
    database: {
      url: 'https://my-plant-default-rtdb.europe-west1.firebasedatabase.app',
      region: 'europe-west1',
    },
    twilioNumbers: [number()],
    fallback: { status: 200, contentType: 'text/xml; charset=utf-8', body: fallbackTwiml(ON_CALL) },
    webhook: { status: 403 },
    queues: ['archiveCall', 'purgeCall', 'escalateCall'].map((queue) => ({
      queue,
      found: true as const,
      state: 'RUNNING',
      depth: 0,
      oldest: null,
      retrying: 0,
      truncated: false,
    })),
    admins: ['lead@my-plant.example'],
    ...overrides,
  };
}

const problems = (f: Facts) => checkDeployment(f).filter((x) => !x.ok);

describe('preflight checks', () => {
  it('find nothing wrong with a healthy deployment, and say it is ready', () => {
    expect(problems(facts())).toEqual([]);
    const report = formatFindings('my-plant', checkDeployment(facts()));
    expect(report).toContain(
      'ok    twilio    +14155550100 sends calls, status changes and failures to this deployment',
    );
    expect(report.endsWith('my-plant is ready for calls.')).toBe(true);
  });

  it('send a project without an env file to the example', () => {
    expect(problems(facts({}, {})).length).toBe(0);
    const none = problems({ ...facts(), params: {} });
    expect(none[0]).toEqual({
      area: 'params',
      ok: false,
      says: 'no params for my-plant in functions/.env.my-plant',
      fix: 'copy functions/.env.example to functions/.env.my-plant and fill it in',
    });
  });

  it('catch params left as they were in the example, missing, or malformed', () => {
    const says = problems(
      facts(
        { voiceNumber: '+15550000000' },
        {
          PUBLIC_BASE_URL: 'http://my-plant.web.app/',
          TWILIO_ACCOUNT_SID: 'AC123',
          ON_CALL_NUMBERS: `${VOICE},5551234`,
          TWILIO_SMS_FROM: '',
        },
      ),
    ).map((x) => x.says);
    expect(says).toEqual(
      expect.arrayContaining([
        'TWILIO_SMS_FROM is not set (the number escalation texts come from)',
        "TWILIO_VOICE_NUMBER is still functions/.env.example's value (+15550000000)",
        'PUBLIC_BASE_URL is http: (Twilio must reach it over https)',
        'PUBLIC_BASE_URL must be an origin only (no path, no trailing slash): http://my-plant.web.app/',
        'TWILIO_ACCOUNT_SID is not an account SID (AC and 32 hex digits): AC123',
        'ON_CALL_NUMBERS has numbers that are not E.164: 5551234',
      ]),
    );
    expect(problems(facts({}, { ON_CALL_NUMBERS: VOICE })).map((x) => x.says)).toContain(
      "ON_CALL_NUMBERS includes the hotline's own number +14155550100: the fallback line would dial itself",
    );
  });

  it('allow the local stack its http address', () => {
    expect(
      problems(facts({ local: true }, { PUBLIC_BASE_URL: 'http://127.0.0.1:5000' })).map(
        (x) => x.area,
      ),
    ).not.toContain('params');
  });

  it('say how to set a missing secret', () => {
    expect(
      problems(facts({ secrets: { TWILIO_AUTH_TOKEN: 'missing', OPENAI_API_KEY: 'set' } })),
    ).toContainEqual({
      area: 'secrets',
      ok: false,
      says: 'TWILIO_AUTH_TOKEN is not set',
      fix: 'firebase functions:secrets:set TWILIO_AUTH_TOKEN --project my-plant',
    });
  });

  it('catch functions deployed away from the database, and a project without one', () => {
    const [mismatch] = problems(facts({}, { FUNCTIONS_REGION: 'us-central1' }));
    expect(mismatch).toEqual({
      area: 'database',
      ok: false,
      says: 'the Realtime Database is in europe-west1 but the functions deploy to us-central1 (the call fan-out trigger must run where the database is)',
      fix: 'set FUNCTIONS_REGION=europe-west1 in functions/.env.my-plant and deploy again',
    });
    expect(problems(facts({ database: null }))[0]?.says).toBe('my-plant has no Realtime Database');
  });

  it('catch a number whose webhooks point elsewhere, with --fix as the way out', () => {
    const stale = number({
      voiceUrl: 'https://old-host.example/voice',
      voiceFallbackUrl: '',
      voiceFallbackMethod: 'POST',
      statusCallbackMethod: 'GET',
    });
    const found = problems(facts({ twilioNumbers: [stale] }));
    expect(found.map((x) => x.says)).toEqual([
      '+14155550100\'s voice URL ("A call comes in") is https://old-host.example/voice; it must be https://my-plant.web.app/twilio/voice',
      '+14155550100\'s status callback ("Call status changes") is fetched with GET; it must be POST',
      `+14155550100's fallback URL ("Primary handler fails") is not set; it must be ${FALLBACK_URL_SHOWN}`,
    ]);
    for (const x of found) expect(x.fix).toBe('npm run preflight -- --project my-plant --fix');
  });

  it('catch a number the account does not have, an application overriding its URLs, and a sender that cannot text', () => {
    expect(problems(facts({ twilioNumbers: [] })).map((x) => x.says)).toEqual([
      `+14155550100 is not a number on Twilio account AC${'a1'.repeat(16)}`,
      'the SMS sender +14155550100 is not a number on this Twilio account: escalation texts would fail',
    ]);
    expect(
      problems(facts({ twilioNumbers: [number({ voiceApplicationSid: 'AP123' })] }))[0]?.says,
    ).toBe('+14155550100 is attached to voice application AP123, which overrides its URLs');
    expect(
      problems(facts({ twilioNumbers: [number({ capabilities: { voice: true, sms: false } })] }))[0]
        ?.says,
    ).toBe('the SMS sender +14155550100 cannot send SMS');
    expect(problems(facts({ twilioNumbers: { error: 'Authenticate (20003)' } }))[0]?.says).toBe(
      'Twilio refused or could not be reached: Authenticate (20003)',
    );
  });

  it('plan the number update: only what differs, and the application that would override it cleared', () => {
    const want = wantedNumberConfig(`${BASE}/`, `/twilio/fallback-${TOKEN}.xml`);
    expect(numberUpdate(want, number())).toEqual({});
    expect(
      numberUpdate(
        want,
        number({
          voiceUrl: 'https://old/voice',
          voiceFallbackMethod: 'POST',
          voiceMethod: 'post',
          voiceApplicationSid: 'AP1',
        }),
      ),
    ).toEqual({
      voiceUrl: `${BASE}/twilio/voice`,
      voiceFallbackMethod: 'GET',
      voiceApplicationSid: '',
    });
  });

  it('want the fallback line at its token’s path, and call the old guessable URL (or any other) wrong', () => {
    expect(deploymentNumberConfig(facts()).voiceFallbackUrl).toBe(FALLBACK_URL);
    const old = number({ voiceFallbackUrl: `${BASE}/twilio/fallback.xml` });
    expect(problems(facts({ twilioNumbers: [old] }))).toEqual([
      {
        area: 'twilio',
        ok: false,
        says: `+14155550100's fallback URL ("Primary handler fails") is ${BASE}/twilio/fallback.xml; it must be ${FALLBACK_URL_SHOWN}`,
        fix: 'npm run preflight -- --project my-plant --fix',
      },
    ]);
    // --fix sets the token's URL through Twilio's API (scripts/preflight.ts).
    expect(numberUpdate(deploymentNumberConfig(facts()), old)).toEqual({
      voiceFallbackUrl: FALLBACK_URL,
    });
    // A token rotated away is named as another, never printed.
    const rotated = number({ voiceFallbackUrl: `${BASE}/twilio/fallback-${'0a'.repeat(16)}.xml` });
    expect(problems(facts({ twilioNumbers: [rotated] }))[0]?.says).toBe(
      `+14155550100's fallback URL ("Primary handler fails") is ${BASE}/twilio/fallback-<another token>.xml; it must be ${FALLBACK_URL_SHOWN}`,
    );
    expect(JSON.stringify(checkDeployment(facts({ twilioNumbers: [rotated] })))).not.toContain(
      TOKEN,
    );
  });

  it('say a missing or short FALLBACK_PATH_TOKEN, and leave the number’s fallback alone until there is one', () => {
    const found = problems(facts({}, { FALLBACK_PATH_TOKEN: '' }));
    expect(found.map((x) => [x.area, x.says])).toEqual([
      [
        'params',
        'FALLBACK_PATH_TOKEN in functions/.env.my-plant is not set: the fallback line lists every on-call number, so it is served only at /twilio/fallback-<FALLBACK_PATH_TOKEN>.xml',
      ],
      [
        'fallback',
        'the fallback line has no address until FALLBACK_PATH_TOKEN is set (above), so it was not checked',
      ],
    ]);
    expect(found[0]?.fix).toMatch(/^generate one with `openssl rand -hex 16`/);
    expect(problems(facts({}, { FALLBACK_PATH_TOKEN: 'abc123' }))[0]?.says).toMatch(
      /FALLBACK_PATH_TOKEN in functions\/\.env\.my-plant is too short/,
    );
    const none = facts({}, { FALLBACK_PATH_TOKEN: '' });
    expect(deploymentNumberConfig(none).voiceFallbackUrl).toBeUndefined();
    expect(
      numberUpdate(
        deploymentNumberConfig(none),
        number({ voiceFallbackUrl: `${BASE}/twilio/fallback.xml` }),
      ),
    ).toEqual({});
  });

  it('catch the on-call numbers still served at the old guessable path', () => {
    const stale = { status: 200, body: fallbackTwiml(ON_CALL) };
    expect(problems(facts({ legacyFallback: stale }))).toEqual([
      {
        area: 'fallback',
        ok: false,
        says: `${BASE}/twilio/fallback.xml still lists the on-call numbers to anyone who asks (a Hosting release from before FALLBACK_PATH_TOKEN)`,
        fix: 'firebase deploy --only hosting --project my-plant, then npm run preflight -- --project my-plant --fix',
      },
    ]);
    expect(problems(facts({ legacyFallback: { status: 404, body: 'Not found' } }))).toEqual([]);
  });

  it('print the local stack’s token as it is (it is in the repository), a real one never', () => {
    const text = `set voiceFallbackUrl to ${FALLBACK_URL}`;
    expect(withoutFallbackToken(text, facts())).toBe(
      `set voiceFallbackUrl to ${FALLBACK_URL_SHOWN}`,
    );
    expect(withoutFallbackToken(text, facts({ local: true }))).toBe(text);
  });

  it('check the fallback line is served as XML and dials the on-call numbers', () => {
    expect(
      problems(
        facts({ fallback: { status: 404, contentType: 'text/html', body: 'Not found' } }),
      )[0],
    ).toMatchObject({
      says: `the fallback line ${FALLBACK_URL_SHOWN} answers HTTP 404`,
      fix: 'firebase deploy --only hosting --project my-plant',
    });
    expect(
      problems(
        facts({
          fallback: {
            status: 200,
            contentType: 'application/octet-stream',
            body: fallbackTwiml(ON_CALL),
          },
        }),
      )[0]?.says,
    ).toBe('the fallback line is served as application/octet-stream, not XML');
    expect(
      problems(
        facts({
          fallback: { status: 200, contentType: 'text/xml', body: fallbackTwiml(['+14155550999']) },
        }),
      )[0]?.says,
    ).toBe(
      'the fallback line dials +14155550999 but ON_CALL_NUMBERS is +14155550111, +14155550112',
    );
  });

  it('check the fallback line screens its on-call staff, and that the screening is served', () => {
    const screening = {
      status: 200,
      contentType: 'text/xml; charset=utf-8',
      body: fallbackScreeningTwiml(),
    };
    expect(problems(facts({ fallbackScreening: screening }))).toEqual([]);
    expect(checkDeployment(facts({ fallbackScreening: screening })).map((x) => x.says)).toContain(
      'the fallback line asks each on-call person to press a key before connecting them (no voicemail takes the call)',
    );
    expect(
      problems(
        facts({ fallbackScreening: { status: 404, contentType: 'text/html', body: 'Not found' } }),
      ),
    ).toEqual([
      {
        area: 'fallback',
        ok: false,
        says: "the fallback line's screening https://my-plant.web.app/twilio/fallback-screen.xml answers HTTP 404: an on-call person who answers would never be connected",
        fix: 'firebase deploy --only hosting --project my-plant',
      },
    ]);
    expect(problems(facts({ fallbackScreening: { error: 'timeout' } }))[0]?.says).toMatch(
      /screening .* could not be fetched \(timeout\)/,
    );
  });

  it('check the voice webhook is deployed, the queues run and someone is an admin', () => {
    expect(problems(facts({ webhook: { status: 404 } }))[0]?.says).toBe(
      'https://my-plant.web.app/twilio/voice answered an unsigned request with HTTP 404 (a deployed webhook answers 403)',
    );
    const queues = [
      {
        queue: 'archiveCall',
        found: false as const,
        problem: 'queue archiveCall does not exist in europe-west1',
      },
      {
        queue: 'escalateCall',
        found: true as const,
        state: 'PAUSED',
        depth: 2,
        oldest: null,
        retrying: 0,
        truncated: false,
      },
    ];
    expect(problems(facts({ queues }))).toEqual([
      {
        area: 'queues',
        ok: false,
        says: 'queue archiveCall does not exist in europe-west1',
        fix: 'firebase deploy --only functions --project my-plant (each task queue function creates its queue)',
      },
      {
        area: 'queues',
        ok: false,
        says: 'queue escalateCall is PAUSED: its tasks are not dispatched',
        fix: 'gcloud tasks queues resume escalateCall --location europe-west1 --project my-plant',
      },
    ]);
    expect(problems(facts({ admins: [] }))[0]?.fix).toBe(
      'npm run admin -- grant you@example.com --password <p> --project my-plant',
    );
    expect(formatFindings('my-plant', checkDeployment(facts({ admins: [] })))).toContain(
      '1 problem: my-plant is not ready for calls.',
    );
  });

  it('check what stops texts and calls reaching the on-call numbers, and say when it was not asked', () => {
    const healthy = {
      account: { type: 'Full', status: 'active' },
      verified: null,
      countries: { [VOICE]: 'US', [ON_CALL[0]!]: 'US', [ON_CALL[1]!]: 'US' },
      a2p: [{ sid: 'MG1', name: 'Aurora alerts', campaigns: ['FAILED', 'VERIFIED'] }],
      voicePermissions: { US: true },
      smsPermissions: { US: true },
    };
    expect(problems(facts({ delivery: healthy }))).toEqual([]);
    expect(problems(facts({ delivery: { ...healthy, a2p: null } }))).toEqual([]);
    expect(
      problems(facts({ delivery: { ...healthy, a2p: [], smsPermissions: { US: false } } })).map(
        (x) => x.says,
      ),
    ).toEqual([
      `the SMS sender ${VOICE} is a US long code in no Messaging Service with an A2P 10DLC campaign: US carriers block its texts to ${ON_CALL.join(', ')} (error 30034)`,
      `escalation texts cannot reach ${ON_CALL.join(', ')} (US): SMS geographic permission for US is off`,
    ]);
    expect(
      problems(
        facts({ delivery: { ...healthy, voicePermissions: { US: { error: 'HTTP 403' } } } }),
      )[0],
    ).toEqual({
      area: 'delivery',
      ok: false,
      says: 'could not read the voice geographic permission for US: HTTP 403',
      fix: 'check it at https://console.twilio.com/us1/develop/voice/settings/geo-permissions',
    });
    expect(
      problems(
        facts({
          delivery: { ...healthy, account: { type: 'Trial', status: 'active' }, verified: ON_CALL },
        }),
      ).map((x) => x.fix),
    ).toEqual([
      'upgrade the account: https://console.twilio.com/us1/billing/manage-billing/upgrade',
    ]);
    expect(checkDeployment(facts({ delivery: null }))).toContainEqual({
      area: 'delivery',
      ok: true,
      says: "not checked: the local stack's texts and calls go to the Twilio stand-in, not to phones",
    });
    expect(problems(facts({ delivery: { error: 'Authenticate' } }))[0]?.says).toBe(
      'could not ask Twilio about delivery: Authenticate',
    );
  });

  it('read a database region from its URL', () => {
    expect(databaseRegion('https://my-plant-default-rtdb.firebaseio.com')).toBe('us-central1');
    expect(databaseRegion('https://my-plant-default-rtdb.europe-west1.firebasedatabase.app')).toBe(
      'europe-west1',
    );
    expect(databaseRegion('https://example.com')).toBeNull();
  });
});
