/**
 * What stops texts and calls reaching the on-call numbers, asked of the Twilio REST stand-in
 * through the real twilio SDK (as preflight asks Twilio), then judged by preflight's checks.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TwilioApiServer } from '../../../scripts/lib/twilio-api.ts';
import { deliveryFacts, twilioRest } from '../../../scripts/lib/preflight/gather.ts';
import {
  checkDeployment,
  type Delivery,
  type Facts,
} from '../../../scripts/lib/preflight/checks.ts';

const account = { accountSid: `AC${'0'.repeat(31)}9`, authToken: 'delivery-token' };
const FROM = '+14155550100';
const US = '+14155550111';
const UK = '+447700900123';
let api: TwilioApiServer;
let client: ReturnType<typeof twilioRest>;

beforeEach(async () => {
  api = await new TwilioApiServer(account).start();
  api.addNumber(FROM);
  client = twilioRest(account.accountSid, account.authToken, api.baseUrl);
});
afterEach(() => api.stop());

const ask = (onCall = [US, UK], from = FROM) =>
  deliveryFacts(client, account.accountSid, from, onCall);

/** The delivery findings' lines for these facts (the rest of the deployment is not judged here). */
function says(delivery: Delivery, onCall = [US, UK]) {
  const facts = {
    projectId: 'p',
    paramsSource: 'functions/.env.p',
    local: false,
    params: { TWILIO_SMS_FROM: FROM, ON_CALL_NUMBERS: onCall.join(',') },
    exampleParams: {},
    voiceNumber: '',
    secrets: {},
    database: null,
    twilioNumbers: null,
    fallback: { error: '-' },
    webhook: { error: '-' },
    queues: null,
    admins: [],
    delivery,
  } satisfies Facts;
  return checkDeployment(facts)
    .filter((f) => f.area === 'delivery')
    .map((f) => `${f.ok ? 'ok' : 'FAIL'} ${f.says}${f.fix && !f.ok ? ` → ${f.fix}` : ''}`);
}

describe('delivery to the on-call numbers, asked of the stand-in', () => {
  it('finds an unregistered US sender, and a UK number neither texted nor dialled', async () => {
    const facts = await ask();
    expect(facts).toEqual({
      account: { type: 'Full', status: 'active' },
      verified: null,
      countries: { [FROM]: 'US', [US]: 'US', [UK]: 'GB' },
      a2p: [],
      voicePermissions: { US: true, GB: false },
      smsPermissions: { US: true, GB: false },
    });
    expect(says(facts)).toEqual([
      'ok the Twilio account is a full (upgraded) account',
      `FAIL the SMS sender ${FROM} is a US long code in no Messaging Service with an A2P 10DLC campaign: US carriers block its texts to ${US} (error 30034) → register a brand and campaign and add ${FROM} to the campaign's Messaging Service: https://console.twilio.com/us1/develop/sms/regulatory-compliance/a2p-10dlc-overview`,
      `ok texts and calls to ${US} (US) are permitted`,
      `FAIL the fallback line cannot dial ${UK} (GB): voice geographic permission for GB is off → enable GB at https://console.twilio.com/us1/develop/voice/settings/geo-permissions`,
      `FAIL escalation texts cannot reach ${UK} (GB): SMS geographic permission for GB is off → enable GB at https://console.twilio.com/us1/develop/sms/settings/geo-permissions`,
    ]);
  });

  it('passes a sender in a verified campaign and countries permitted', async () => {
    api.voiceCountries.add('GB');
    api.smsCountries.add('GB');
    api.addMessagingService('Aurora alerts', [FROM], ['VERIFIED']);
    const facts = await ask();
    expect(facts.a2p).toEqual([
      { sid: expect.stringMatching(/^MG/), name: 'Aurora alerts', campaigns: ['VERIFIED'] },
    ]);
    expect(says(facts).filter((s) => s.startsWith('FAIL'))).toEqual([]);
    expect(says(facts)).toContain(
      `ok the SMS sender ${FROM} is registered for A2P 10DLC (Messaging Service Aurora alerts, campaign VERIFIED)`,
    );
  });

  it('reads every page of the services, and says a campaign still in review is not enough', async () => {
    for (let i = 0; i < 55; i++) api.addMessagingService(`other ${i}`, []);
    api.addMessagingService('Aurora alerts', [FROM], ['IN_PROGRESS']);
    const facts = await ask([US]);
    expect(facts.a2p).toEqual([expect.objectContaining({ campaigns: ['IN_PROGRESS'] })]);
    expect(says(facts, [US])).toContain(
      `FAIL the SMS sender ${FROM} has no VERIFIED A2P 10DLC campaign (Aurora alerts: IN_PROGRESS): US carriers block its texts to ${US} (error 30034) → complete the campaign's registration, or move ${FROM} to a service with a verified one: https://console.twilio.com/us1/develop/sms/regulatory-compliance/a2p-10dlc-overview`,
    );
  });

  it('does not hold a Canadian, toll-free or non-US sender to 10DLC, nor one texting no US number', async () => {
    api.lookupCountries.set('+16135550100', 'CA');
    for (const from of ['+16135550100', '+18885550100', '+447700900999']) {
      api.addNumber(from);
      expect((await ask([US], from)).a2p).toBeNull();
    }
    api.voiceCountries.add('GB');
    api.smsCountries.add('GB');
    expect(says(await ask([UK]), [UK]).filter((s) => s.startsWith('FAIL'))).toEqual([]);
  });

  it('on a trial account, names the on-call numbers that are not verified caller IDs', async () => {
    api.account.type = 'Trial';
    api.verifiedCallerIds.add(US);
    api.addMessagingService('Aurora alerts', [FROM], ['VERIFIED']);
    const facts = await ask([US, '+14155550112']);
    expect(facts.verified).toEqual([US]);
    expect(says(facts, [US, '+14155550112']).slice(0, 2)).toEqual([
      'FAIL the Twilio account is a trial: every call it places starts with a spoken trial message, and it texts and calls only verified numbers → upgrade the account: https://console.twilio.com/us1/billing/manage-billing/upgrade',
      'FAIL on a trial account, texts and the fallback dial cannot reach +14155550112: not verified caller IDs → verify them at https://console.twilio.com/us1/develop/phone-numbers/manage/verified, or upgrade the account',
    ]);
  });

  it('says what it could not find out, without hiding the rest', async () => {
    api.account.status = 'suspended';
    const facts = await ask([US, '+999123']);
    expect(facts.countries['+999123']).toBeNull();
    expect(says(facts, [US, '+999123'])).toEqual(
      expect.arrayContaining([
        'FAIL the Twilio account is suspended: it sends no texts and places no calls → https://console.twilio.com/us1/billing/manage-billing/billing-overview',
        "FAIL could not tell +999123's country: Twilio Lookup calls it invalid, so not its geographic permissions → correct it in ON_CALL_NUMBERS",
      ]),
    );
    const refused = await deliveryFacts(
      twilioRest(account.accountSid, 'wrong', api.baseUrl),
      account.accountSid,
      FROM,
      [US],
    );
    expect(refused.account).toEqual({ error: expect.stringMatching(/Authenticate/) });
    expect(refused.countries[US]).toEqual({ error: expect.stringMatching(/Authenticate/) });
    expect(says(refused, [US])[0]).toMatch(
      /^FAIL could not read the Twilio account: .*Authenticate/,
    );
  });
});
