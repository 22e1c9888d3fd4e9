/**
 * The Twilio adapters through the real twilio SDK, against the local REST stand-in (started
 * here on a free port): what the functions send, and how Twilio's answers map back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recordingSms,
  recordingVoice,
  twilioClient,
  twilioSms,
  twilioVoice,
  unconfiguredSms,
  unconfiguredVoice,
} from '../../../functions/src/adapters/twilioVoice';
import { NotConfigured } from '../../../functions/src/core/errors';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';

const account = {
  accountSid: `AC${'0'.repeat(31)}7`,
  authToken: 'test-token',
  smsFrom: '+15550199999',
};
const server = new TwilioApiServer(account);
const CALL = `CA${'a'.repeat(32)}`;
let client: ReturnType<typeof twilioClient>;

beforeAll(async () => {
  await server.start(0);
  client = twilioClient({ ...account, apiBaseUrl: server.baseUrl });
});
afterAll(() => server.stop());

const register = (callSid: string) =>
  fetch(`${server.baseUrl}/sim/calls/${callSid}`, { method: 'PUT' });

describe('twilioVoice', () => {
  it("updates an in-progress call with TwiML and hangs it up through Twilio's call resource", async () => {
    await register(CALL);
    const voice = twilioVoice(client);
    expect(await voice.redirect(CALL, '<Response><Say>Walk to the gate.</Say></Response>')).toBe(
      'done',
    );
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

  it('asks Twilio whether a call is still going: live while in progress, ended after, ended if Twilio never had it', async () => {
    const sid = `CA${'d'.repeat(32)}`;
    await register(sid);
    const voice = twilioVoice(client);
    expect(await voice.status(sid)).toBe('live');
    await voice.hangUp(sid);
    expect(await voice.status(sid)).toBe('ended');
    expect(await voice.status(`CA${'e'.repeat(32)}`)).toBe('ended');
  });

  it("refuses TwiML over Twilio's 4,000 characters before sending it, as Twilio itself does (32018)", async () => {
    const sid = `CA${'f'.repeat(32)}`;
    await register(sid);
    const big = `<Response><Say>${'x'.repeat(4000)}</Say></Response>`;
    await expect(twilioVoice(client).redirect(sid, big)).rejects.toThrow(
      /over Twilio's 4000 \(error 32018\)/,
    );
    const res = await fetch(
      `${server.baseUrl}/2010-04-01/Accounts/${account.accountSid}/Calls/${sid}.json`,
      {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ Twiml: big }),
      },
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 32018 });
  });

  it("places an announcement call with inline TwiML from the configured number, as Twilio's create-a-call", async () => {
    const twiml =
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="2">Aurora safety line.</Say></Response>';
    const { sid } = await twilioVoice(client, account.smsFrom).announce('+15550190001', twiml);
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(server.placedCalls.at(-1)).toMatchObject({
      sid,
      to: '+15550190001',
      from: '+15550199999',
      twiml,
    });
    await expect(twilioVoice(client, account.smsFrom).announce('0190001', twiml)).rejects.toThrow(
      'Phoning ***0001 failed: Twilio error 21211',
    );
  });

  it('refuses to announce without a number to call from, saying which setting is missing', async () => {
    await expect(twilioVoice(client).announce('+15550190001', '<Response/>')).rejects.toThrow(
      NotConfigured,
    );
    await expect(twilioVoice(client).announce('+15550190001', '<Response/>')).rejects.toThrow(
      'No number to call from is configured (TWILIO_SMS_FROM)',
    );
  });

  it('fails loudly on bad credentials', async () => {
    await register(`CA${'c'.repeat(32)}`);
    const wrong = twilioVoice(
      twilioClient({ ...account, authToken: 'wrong', apiBaseUrl: server.baseUrl }),
    );
    await expect(wrong.redirect(`CA${'c'.repeat(32)}`, '<Response/>')).rejects.toThrow(
      'Updating the call failed: Twilio error 20003: Authenticate',
    );
  });
});

describe('twilioSms', () => {
  it('sends from the configured number, and refuses a bad recipient', async () => {
    const sms = twilioSms(client, account.smsFrom);
    const { sid } = await sms.send('+15550190001', 'Aurora CRITICAL call');
    expect(server.messages.at(-1)).toMatchObject({
      sid,
      to: '+15550190001',
      from: '+15550199999',
      body: 'Aurora CRITICAL call',
    });
    await expect(sms.send('not a number', 'x')).rejects.toThrow('Twilio error 21211');
    await expect(sms.send('+15550190001', 'x'.repeat(1601))).rejects.toThrow('Twilio error 21658');
  });

  it('asks Twilio to post the delivery status to the status callback URL', async () => {
    const callback =
      'https://aurora.example.com/twilio/message-status?call=call_15550100001_20251004_143000&to=%2B15550190001';
    const { sid } = await twilioSms(client, account.smsFrom).send(
      '+15550190001',
      'Aurora CRITICAL call',
      callback,
    );
    expect(server.messages.at(-1)).toMatchObject({ sid, statusCallback: callback });
    await twilioSms(client, account.smsFrom).send('+15550190001', 'no callback');
    expect(server.messages.at(-1)!.statusCallback).toBeUndefined();
  });

  it('refuses to send without a sender number, saying which setting is missing', async () => {
    await expect(twilioSms(client, '').send('+15550190001', 'x')).rejects.toThrow(
      'No sender number is configured (TWILIO_SMS_FROM)',
    );
  });
});

describe('deployed without a Twilio account', () => {
  it('fails every request loudly instead of reporting it done', async () => {
    await expect(unconfiguredVoice().hangUp(CALL)).rejects.toThrow(NotConfigured);
    await expect(unconfiguredVoice().redirect(CALL, '<Response/>')).rejects.toThrow(
      'Twilio is not configured on this deployment (TWILIO_ACCOUNT_SID is empty)',
    );
    await expect(unconfiguredSms().send('+15550190001', 'x')).rejects.toThrow(NotConfigured);
    await expect(unconfiguredVoice().announce('+15550190001', '<Response/>')).rejects.toThrow(
      NotConfigured,
    );
  });
});

describe('in the emulators without Twilio credentials', () => {
  it('logs an announcement call instead of placing it, without its words or the whole number', async () => {
    const logged: Array<[string, object?]> = [];
    const log = {
      info: (m: string, d?: object) => logged.push([m, d]),
      warn: (m: string, d?: object) => logged.push([m, d]),
      error() {},
    };
    expect(
      await recordingVoice(log).announce(
        '+15550190001',
        '<Response><Say>A CRITICAL call from Priya</Say></Response>',
      ),
    ).toEqual({ sid: 'CAlocal1' });
    expect(logged).toEqual([
      [
        'twilio outbound call (not placed: emulators without TWILIO_ACCOUNT_SID)',
        { to: '***0001', verbs: ['Say'] },
      ],
    ]);
  });

  it('logs what would have been sent, without the words or whole phone numbers', async () => {
    const logged: Array<[string, object?]> = [];
    const log = {
      info: (m: string, d?: object) => logged.push([m, d]),
      warn: (m: string, d?: object) => logged.push([m, d]),
      error() {},
    };
    expect(
      await recordingVoice(log).redirect(
        CALL,
        '<Response><Gather><Say>Is he breathing?</Say></Gather></Response>',
      ),
    ).toBe('done');
    await recordingSms(log).send(
      '+15550190001',
      'Aurora CRITICAL call from worker_001 (+15550100001)',
    );
    expect(logged).toEqual([
      [
        'twilio call update (not sent: emulators without TWILIO_ACCOUNT_SID)',
        { callSid: CALL, verbs: ['Gather', 'Say'] },
      ],
      [
        'escalation SMS (not sent: emulators without TWILIO_ACCOUNT_SID)',
        { to: '***0001', body: 'Aurora CRITICAL call from worker_001 (***0001)' },
      ],
    ]);
  });
});
