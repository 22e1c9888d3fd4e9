/** The Twilio REST stand-in's IncomingPhoneNumbers, through the real twilio SDK, as preflight uses them. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';
import { numberConfig, twilioNumbers, twilioRest } from '../../../scripts/lib/preflight/gather.ts';

const account = { accountSid: `AC${'0'.repeat(31)}7`, authToken: 'numbers-token' };
const api = new TwilioApiServer(account);
let client: ReturnType<typeof twilioRest>;

beforeAll(async () => {
  await api.start();
  api.addNumber('+14155550100');
  api.addNumber('+14155550200', { sms: false });
  client = twilioRest(account.accountSid, account.authToken, api.baseUrl);
});
afterAll(() => api.stop());

describe('IncomingPhoneNumbers on the stand-in', () => {
  it('lists the account’s numbers, filtered by PhoneNumber', async () => {
    expect((await client.incomingPhoneNumbers.list()).map((n) => n.phoneNumber).sort()).toEqual([
      '+14155550100',
      '+14155550200',
    ]);
    const found = await twilioNumbers(client, ['+14155550200', '+19995550000']);
    expect(found).toEqual([
      expect.objectContaining({
        phoneNumber: '+14155550200',
        voiceUrl: '',
        capabilities: { voice: true, sms: false },
      }),
    ]);
  });

  it('updates a number’s webhooks and reads them back', async () => {
    const [n] = await twilioNumbers(client, ['+14155550100']);
    const updated = await client.incomingPhoneNumbers(n!.sid).update({
      voiceUrl: 'https://x.web.app/twilio/voice',
      voiceFallbackUrl: 'https://x.web.app/twilio/fallback.xml',
      voiceFallbackMethod: 'GET',
    });
    expect(numberConfig(updated as never)).toMatchObject({
      voiceUrl: 'https://x.web.app/twilio/voice',
      voiceFallbackUrl: 'https://x.web.app/twilio/fallback.xml',
      voiceFallbackMethod: 'GET',
      voiceMethod: 'POST',
    });
  });

  it('refuses what Twilio refuses, changing nothing', async () => {
    const [n] = await twilioNumbers(client, ['+14155550100']);
    await expect(
      client.incomingPhoneNumbers(n!.sid).update({ voiceUrl: '/twilio/voice' }),
    ).rejects.toMatchObject({ status: 400, code: 21402 });
    await expect(
      client
        .incomingPhoneNumbers(n!.sid)
        .update({ voiceUrl: 'https://y/voice', voiceMethod: 'PUT' }),
    ).rejects.toMatchObject({ status: 400, code: 21403 });
    expect(api.numbers.get(n!.sid)!.voice_url).toBe('https://x.web.app/twilio/voice');
    await expect(
      client.incomingPhoneNumbers(`PN${'f'.repeat(32)}`).update({ voiceUrl: 'https://y/voice' }),
    ).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(
      twilioRest(account.accountSid, 'wrong', api.baseUrl).incomingPhoneNumbers.list(),
    ).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});
