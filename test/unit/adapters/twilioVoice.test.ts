/**
 * The Twilio adapters through the real twilio SDK, against the local REST stand-in (started
 * here on a free port): what the functions send, and how Twilio's answers map back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingSms, recordingVoice, twilioClient, twilioSms, twilioVoice } from '../../../functions/src/adapters/twilioVoice';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';

const account = { accountSid: `AC${'0'.repeat(31)}7`, authToken: 'test-token', smsFrom: '+15550199999' };
const server = new TwilioApiServer(account);
const CALL = `CA${'a'.repeat(32)}`;
let client: ReturnType<typeof twilioClient>;

beforeAll(async () => {
  await server.start(0);
  client = twilioClient({ ...account, apiBaseUrl: server.baseUrl });
});
afterAll(() => server.stop());

const register = (callSid: string) => fetch(`${server.baseUrl}/sim/calls/${callSid}`, { method: 'PUT' });

describe('twilioVoice', () => {
  it("updates an in-progress call with TwiML and hangs it up through Twilio's call resource", async () => {
    await register(CALL);
    const voice = twilioVoice(client);
    expect(await voice.redirect(CALL, '<Response><Say>Walk to the gate.</Say></Response>')).toBe('done');
    expect(await voice.hangUp(CALL)).toBe('done');
    expect(server.requests.slice(-2)).toEqual([
      { callSid: CALL, params: { Twiml: '<Response><Say>Walk to the gate.</Say></Response>' } },
      { callSid: CALL, params: { Status: 'completed' } },
    ]);
  });

  it('says gone for a call that ended or that Twilio never had', async () => {
    const voice = twilioVoice(client);
    expect(await voice.redirect(CALL, '<Response/>')).toBe('gone'); // hung up above
    expect(await voice.redirect(`CA${'b'.repeat(32)}`, '<Response/>')).toBe('gone');
  });

  it('fails loudly on bad credentials', async () => {
    await register(`CA${'c'.repeat(32)}`);
    const wrong = twilioVoice(twilioClient({ ...account, authToken: 'wrong', apiBaseUrl: server.baseUrl }));
    await expect(wrong.redirect(`CA${'c'.repeat(32)}`, '<Response/>')).rejects.toMatchObject({ status: 401 });
  });
});

describe('twilioSms', () => {
  it('sends from the configured number, and refuses a bad recipient', async () => {
    const sms = twilioSms(client, account.smsFrom);
    await sms.send('+15550190001', 'Aurora CRITICAL call');
    expect(server.messages.at(-1)).toMatchObject({ to: '+15550190001', from: '+15550199999', body: 'Aurora CRITICAL call' });
    await expect(sms.send('not a number', 'x')).rejects.toMatchObject({ status: 400, code: 21211 });
  });
});

describe('without Twilio credentials', () => {
  it('logs what would have been sent, without the words or whole phone numbers', async () => {
    const logged: Array<[string, object?]> = [];
    const log = { info: (m: string, d?: object) => logged.push([m, d]), warn: (m: string, d?: object) => logged.push([m, d]), error() {} };
    expect(await recordingVoice(log).redirect(CALL, '<Response><Gather><Say>Is he breathing?</Say></Gather></Response>')).toBe('done');
    await recordingSms(log).send('+15550190001', 'Aurora CRITICAL call from worker_001 (+15550100001)');
    expect(logged).toEqual([
      ['twilio call update (not sent: no TWILIO_ACCOUNT_SID)', { callSid: CALL, verbs: ['Gather', 'Say'] }],
      ['escalation SMS (not sent: no TWILIO_ACCOUNT_SID)', { to: '***0001', body: 'Aurora CRITICAL call from worker_001 (***0001)' }],
    ]);
  });
});
