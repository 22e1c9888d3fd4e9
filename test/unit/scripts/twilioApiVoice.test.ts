/**
 * The Twilio REST stand-in's Voice SDK resources (scripts/lib/twilio-api-voice.ts), asked
 * through the real twilio SDK as preflight asks them: API keys and TwiML Apps, with Twilio's
 * field names, filters and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioClient } from '../../../functions/src/adapters/twilioVoice';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';

const account = { accountSid: `AC${'0'.repeat(31)}5`, authToken: 'test-token', smsFrom: '' };
const server = new TwilioApiServer(account);
let client: ReturnType<typeof twilioClient>;

beforeAll(async () => {
  await server.start(0);
  client = twilioClient({ ...account, apiBaseUrl: server.baseUrl });
});
afterAll(() => server.stop());

/** What the SDK rejects with: Twilio's code and HTTP status. */
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (err: { code?: number; status?: number }) => ({ code: err.code, status: err.status }),
  );

describe('the stand-in’s API keys (Keys v2010)', () => {
  it('fetches and lists a key by its SID, never showing its secret', async () => {
    const key = server.voiceSdk.addKey({ secret: 'never-shown', friendlyName: 'Aurora voice' });
    const fetched = await client.keys(key.sid).fetch();
    expect({ sid: fetched.sid, friendlyName: fetched.friendlyName }).toEqual({
      sid: key.sid,
      friendlyName: 'Aurora voice',
    });
    expect(fetched.dateCreated).toBeInstanceOf(Date);
    expect(JSON.stringify(fetched.toJSON())).not.toContain('never-shown');
    expect((await client.keys.list()).map((k) => k.sid)).toContain(key.sid);
  });

  it('answers 20404 for a key the account does not have, and 20003 to the wrong credentials', async () => {
    expect(await refusal(client.keys(`SK${'9'.repeat(32)}`).fetch())).toEqual({
      code: 20404,
      status: 404,
    });
    const stranger = twilioClient({ ...account, authToken: 'wrong', apiBaseUrl: server.baseUrl });
    const key = server.voiceSdk.addKey();
    expect(await refusal(stranger.keys(key.sid).fetch())).toEqual({ code: 20003, status: 401 });
  });
});

describe('the stand-in’s TwiML Apps (Applications)', () => {
  it('fetches an app, lists apps by exact FriendlyName, and updates its Voice URL and method', async () => {
    const app = server.voiceSdk.addApplication({ friendly_name: 'Aurora dashboard voice' });
    server.voiceSdk.addApplication({ friendly_name: 'Aurora dashboard voice (old)' });
    const fetched = await client.applications(app.sid).fetch();
    expect([fetched.sid, fetched.voiceUrl, fetched.voiceMethod]).toEqual([app.sid, '', 'POST']);
    const named = await client.applications.list({ friendlyName: 'Aurora dashboard voice' });
    expect(named.map((a) => a.sid)).toEqual([app.sid]);

    const updated = await client
      .applications(app.sid)
      .update({ voiceUrl: 'https://my-plant.web.app/twilio/browser', voiceMethod: 'post' });
    expect([updated.voiceUrl, updated.voiceMethod]).toEqual([
      'https://my-plant.web.app/twilio/browser',
      'POST',
    ]);
    expect(server.voiceSdk.applications.get(app.sid)).toMatchObject({
      voice_url: 'https://my-plant.web.app/twilio/browser',
      voice_method: 'POST',
    });
  });

  it('refuses a URL that is not fully qualified (21402) or a method other than GET or POST (21403), changing nothing', async () => {
    const app = server.voiceSdk.addApplication({ voice_url: 'https://old.example/browser' });
    expect(
      await refusal(
        client.applications(app.sid).update({ voiceUrl: '/twilio/browser', voiceMethod: 'GET' }),
      ),
    ).toEqual({ code: 21402, status: 400 });
    expect(
      await refusal(
        client
          .applications(app.sid)
          .update({ voiceUrl: 'https://new.example/browser', voiceMethod: 'PUT' }),
      ),
    ).toEqual({ code: 21403, status: 400 });
    expect(server.voiceSdk.applications.get(app.sid)).toMatchObject({
      voice_url: 'https://old.example/browser',
      voice_method: 'POST',
    });
  });

  it('answers 20404 for an app the account does not have', async () => {
    const missing = `AP${'9'.repeat(32)}`;
    expect(await refusal(client.applications(missing).fetch())).toEqual({
      code: 20404,
      status: 404,
    });
    expect(
      await refusal(client.applications(missing).update({ voiceUrl: 'https://x.example/' })),
    ).toEqual({
      code: 20404,
      status: 404,
    });
  });
});
