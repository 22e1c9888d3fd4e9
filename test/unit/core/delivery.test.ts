import { describe, expect, it } from 'vitest';
import {
  VOICE_CALL_LEASE_MS,
  advanceDelivery,
  announcementTwiml,
  claimVoiceCall,
  deliveryOf,
  deliveryOfText,
  messageStatusUrl,
  reportOnRecipient,
  spokenCaller,
  withoutText,
} from '../../../functions/src/core/delivery';
import type { Delivery, EscalationRecipient } from '@aurora/model';

const SM1 = `SM${'1'.repeat(32)}`;
const SM2 = `SM${'2'.repeat(32)}`;
const AT = '2025-10-04T14:32:00+05:30';
const sent = (over: Partial<EscalationRecipient> = {}): EscalationRecipient => ({
  to: '+15550190001',
  state: 'sent',
  sid: SM1,
  attempts: 1,
  ...over,
});

/** Applies Twilio's statuses in the order they arrive, as the webhook would. */
const arrive = (...statuses: string[]) =>
  statuses.reduce<Delivery | undefined>((known, status) => {
    const reported = deliveryOf(status);
    return (reported && advanceDelivery(known, reported)) ?? known;
  }, undefined);

describe('delivery ordering', () => {
  it("reads Twilio's statuses: acceptance adds nothing, sent is on its way, the rest are final", () => {
    expect(
      ['queued', 'accepted', 'scheduled', 'sending', 'receiving', 'something-new'].map(deliveryOf),
    ).toEqual([null, null, null, null, null, null]);
    expect(
      ['sent', 'delivered', 'read', 'undelivered', 'failed', 'canceled'].map(deliveryOf),
    ).toEqual(['sent', 'delivered', 'delivered', 'undelivered', 'failed', 'failed']);
  });

  it('keeps the most advanced state whatever order the callbacks come in, and never leaves a final one', () => {
    expect(arrive('sending', 'sent', 'delivered')).toBe('delivered');
    expect(arrive('delivered', 'sent', 'sending')).toBe('delivered');
    expect(arrive('undelivered', 'sent')).toBe('undelivered');
    expect(arrive('sent', 'failed', 'delivered')).toBe('failed');
    expect(arrive('delivered', 'undelivered')).toBe('delivered');
    expect(arrive('sent', 'sent')).toBe('sent');
    expect(advanceDelivery('undelivered', 'undelivered')).toBeNull(); // a repeat changes nothing
    expect(advanceDelivery('sent', 'sent')).toBeNull();
    expect(advanceDelivery(undefined, 'sent')).toBe('sent');
  });
});

describe('reportOnRecipient', () => {
  it("records a report on the recipient's current text, with the reason in words", () => {
    expect(
      reportOnRecipient(sent(), {
        messageSid: SM1,
        delivery: 'undelivered',
        errorCode: '30034',
        at: AT,
      }),
    ).toEqual({
      ...sent(),
      delivery: 'undelivered',
      delivery_at: AT,
      delivery_error:
        'Twilio error 30034: the sender number is not registered for US texting (A2P 10DLC)',
    });
    expect(
      reportOnRecipient(sent(), { messageSid: SM1, delivery: 'failed', errorCode: '12345', at: AT })
        ?.delivery_error,
    ).toBe('Twilio error 12345');
    expect(
      reportOnRecipient(sent({ delivery: 'sent' }), {
        messageSid: SM1,
        delivery: 'delivered',
        at: AT,
      }),
    ).toMatchObject({ delivery: 'delivered' });
  });

  it('ignores a report on another text, or one that says nothing new', () => {
    expect(
      reportOnRecipient(sent(), { messageSid: SM2, delivery: 'undelivered', at: AT }),
    ).toBeNull();
    expect(
      reportOnRecipient(sent({ delivery: 'delivered' }), {
        messageSid: SM1,
        delivery: 'sent',
        at: AT,
      }),
    ).toBeNull();
    expect(
      reportOnRecipient(sent({ state: 'failed', sid: undefined }), {
        messageSid: SM1,
        delivery: 'delivered',
        at: AT,
      }),
    ).toBeNull();
  });

  it('takes a report that comes before the send recorded its SID, naming the text', () => {
    const sending = sent({ state: 'sending', sid: undefined });
    expect(
      reportOnRecipient(sending, {
        messageSid: SM2,
        delivery: 'failed',
        errorCode: '30034',
        at: AT,
      }),
    ).toMatchObject({ state: 'sending', sid: SM2, delivery: 'failed' });
    const named = reportOnRecipient(sending, { messageSid: SM2, delivery: 'failed', at: AT })!;
    expect(deliveryOfText(named, SM2)).toEqual({
      delivery: 'failed',
      delivery_at: AT,
      delivery_error: 'no reason given',
    });
    expect(deliveryOfText(named, SM1)).toEqual({}); // another text's report is not kept
    expect(withoutText(named)).toEqual({ to: '+15550190001', state: 'sending', attempts: 1 });
  });
});

describe('claimVoiceCall', () => {
  const now = Date.parse('2025-10-04T09:02:00Z');
  it('claims a call for a text that will not arrive, once, unless the claim was left by a run that died', () => {
    expect(claimVoiceCall(sent({ delivery: 'delivered' }), now, AT)).toBeNull();
    expect(claimVoiceCall(sent({ delivery: 'sent' }), now, AT)).toBeNull();
    const claimed = claimVoiceCall(sent({ delivery: 'undelivered' }), now, AT)!;
    expect(claimed.voice_call).toEqual({ state: 'calling', at: AT });
    expect(
      claimVoiceCall(
        { ...claimed, voice_call: { state: 'calling', at: new Date(now - 1000).toISOString() } },
        now,
        AT,
      ),
    ).toBeNull();
    expect(
      claimVoiceCall(
        {
          ...claimed,
          voice_call: { state: 'calling', at: new Date(now - VOICE_CALL_LEASE_MS).toISOString() },
        },
        now,
        AT,
      ),
    ).not.toBeNull();
    expect(
      claimVoiceCall({ ...claimed, voice_call: { state: 'placed', at: AT, sid: 'CA1' } }, now, AT),
    ).toBeNull();
    expect(
      claimVoiceCall({ ...claimed, voice_call: { state: 'failed', at: AT, error: 'x' } }, now, AT),
    ).toBeNull();
  });
});

describe('the voice call', () => {
  it("says the call's urgency and caller, twice, by name where the registry knows them", () => {
    expect(
      announcementTwiml(
        'CRITICAL',
        spokenCaller(
          { worker_id: 'worker_001', mobile_no: '+15550100001' },
          { name: 'Priya Nair', site: 'Plant 2' },
        ),
      ),
    ).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say loop="2">Aurora safety line. A CRITICAL call from Priya Nair at Plant 2 is waiting unacknowledged. Open the dashboard.</Say></Response>',
    );
    expect(spokenCaller({ worker_id: 'worker_001', mobile_no: '+15550100001' })).toBe('worker 001');
    expect(spokenCaller({ worker_id: 'unknown', mobile_no: '+1555 0100' })).toBe(
      'the number 1 5 5 5 0 1 0 0',
    );
  });
});

describe('messageStatusUrl', () => {
  it('names the call and the recipient, encoded as Twilio will sign it', () => {
    const url = messageStatusUrl(
      'https://aurora.example.com',
      'call_15550100001_20251004_143000',
      '+15550190001',
    );
    expect(url).toBe(
      'https://aurora.example.com/twilio/message-status?call=call_15550100001_20251004_143000&to=%2B15550190001',
    );
    expect(new URL(url).searchParams.get('to')).toBe('+15550190001');
  });
});
