import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import {
  recordMessageStatus,
  type MessageStatusReport,
} from '../../../functions/src/calls/messageStatus';
import { AuroraError } from '../../../functions/src/core/errors';
import type { EscalationRecipient } from '@aurora/model';
import { watchedCall } from '../../helpers/calls';
import { escalatedCall, FIRST_ON_CALL as FIRST } from '../../helpers/escalatedCall';

const CALL_ID = 'call_15550100001_20251004_143000';

/** A CRITICAL call escalated to both on-call numbers, and Twilio's status callbacks about the first one's text. */
async function escalated() {
  const world = await escalatedCall();
  const report = (messageStatus: string, over: Partial<MessageStatusReport> = {}) =>
    world.write(() =>
      recordMessageStatus(
        {
          callId: CALL_ID,
          recipientKey: FIRST,
          messageSid: world.first.sid,
          messageStatus,
          ...over,
        },
        world.deps,
      ),
    );
  return { ...world, report };
}

describe('recordMessageStatus', () => {
  it('records that a text was delivered, keeping the most advanced state whatever order the callbacks come in', async () => {
    const { report, recipient, voice, push, alerts } = await escalated();
    expect(await report('sent')).toBe('recorded');
    expect((await recipient()).delivery).toBe('sent');
    expect(await report('delivered')).toBe('recorded');
    expect(await report('sent')).toBe('unchanged'); // late
    expect(await report('delivered')).toBe('unchanged'); // repeated
    expect(await report('undelivered', { errorCode: '30003' })).toBe('unchanged'); // delivered is final
    expect(await recipient()).toMatchObject({ state: 'sent', delivery: 'delivered' });
    expect(voice.announced).toEqual([]);
    expect(push.sent).toHaveLength(1); // the escalation's own
    expect((await alerts('uid_ana'))![`${CALL_ID}~escalation-undelivered`]).toBeUndefined();
  });

  it('on undelivered, alerts the admins, pushes to them and phones that number, once however often Twilio repeats it', async () => {
    const { report, recipient, voice, push, alerts } = await escalated();
    expect(await report('undelivered', { errorCode: '30034' })).toBe('recorded');
    expect(await recipient()).toMatchObject({
      state: 'sent',
      delivery: 'undelivered',
      delivery_error:
        'Twilio error 30034: the sender number is not registered for US texting (A2P 10DLC)',
      voice_call: { state: 'placed', sid: voice.announced[0].sid },
    });
    expect(voice.announced.map((c) => c.to)).toEqual([FIRST]);
    expect(voice.announced[0].twiml).toContain(
      'Aurora safety line. A CRITICAL call from Priya Nair is waiting unacknowledged. Open the dashboard.',
    );
    expect(push.sent[1]).toEqual({
      uids: ['uid_ana', 'uid_ben'],
      title: 'Escalation text not delivered',
    });
    for (const uid of ['uid_ana', 'uid_ben'])
      expect((await alerts(uid))![`${CALL_ID}~escalation-undelivered`]).toMatchObject({
        kind: 'escalation-undelivered',
        urgency: 'CRITICAL',
      });

    for (const again of ['undelivered', 'failed', 'sent', 'delivered'])
      expect(await report(again, { errorCode: '30034' })).toBe('unchanged');
    expect(voice.announced).toHaveLength(1);
    expect(push.sent).toHaveLength(2);
    expect((await recipient()).delivery).toBe('undelivered');
  });

  it('ignores a report about another text than the recipient has', async () => {
    const { report, recipient, second, voice } = await escalated();
    const before = await recipient();
    expect(await report('failed', { messageSid: second.sid, errorCode: '30034' })).toBe(
      'unchanged',
    );
    expect(await report('failed', { messageSid: `SM${'f'.repeat(32)}` })).toBe('unchanged');
    expect(await recipient()).toEqual(before);
    expect(voice.announced).toEqual([]);
  });

  it('answers a report about an unknown or purged call without writing anything', async () => {
    const { report, live, voice } = await escalated();
    const tree = JSON.stringify(live.tree);
    expect(await report('undelivered', { callId: 'call_15550100009_20251004_143000' })).toBe(
      'unknown',
    );
    expect(await report('undelivered', { recipientKey: '+15550199999' })).toBe('unknown');
    expect(JSON.stringify(live.tree)).toBe(tree);
    await live.update({ [`active_calls/${CALL_ID}`]: null });
    expect(await report('undelivered')).toBe('unknown');
    expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
    expect(voice.announced).toEqual([]);
  });

  it('phones nobody about a call someone has acknowledged, but still records and shows the text did not arrive', async () => {
    const { report, recipient, voice, push, deps, write } = await escalated();
    await write(() =>
      controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, deps),
    );
    expect(await report('failed', { errorCode: '21408' })).toBe('recorded');
    expect(await recipient()).toMatchObject({
      delivery: 'failed',
      delivery_error: expect.stringContaining('geo permissions'),
    });
    expect((await recipient()).voice_call).toBeUndefined();
    expect(voice.announced).toEqual([]);
    expect(push.sent).toHaveLength(1);
  });

  it('records a voice call Twilio refused, for the dashboard to show', async () => {
    const { report, recipient, voice } = await escalated();
    voice.refuseNext = new AuroraError(
      'Phoning ***0001 failed: Twilio error 21215: Geographic permission not enabled',
    );
    await report('undelivered', { errorCode: '30005' });
    expect((await recipient()).voice_call).toMatchObject({
      state: 'failed',
      error: 'Phoning ***0001 failed: Twilio error 21215: Geographic permission not enabled',
    });
    expect(await report('undelivered')).toBe('unchanged');
    expect(voice.announced).toEqual([]); // not retried per repeated callback
  });

  it('places the voice call a run claimed but died before placing, when Twilio repeats the report', async () => {
    const { report, recipient, voice, live, clock } = await escalated();
    const path = `active_calls/${CALL_ID}/escalation/recipients/${FIRST}`;
    await live.update({
      [`${path}/delivery`]: 'undelivered',
      [`${path}/voice_call`]: { state: 'calling', at: clock().toISOString() },
    });
    expect(await report('undelivered')).toBe('unchanged');
    expect(voice.announced).toEqual([]); // a fresh claim: another run is placing it
    clock.advance(60_000);
    await report('undelivered');
    expect(voice.announced.map((c) => c.to)).toEqual([FIRST]);
    expect((await recipient()).voice_call).toMatchObject({ state: 'placed' });
  });

  it('keeps a report that arrives before the escalation recorded the text, and acts on it', async () => {
    const world = await watchedCall();
    await world.critical();
    world.clock.advance(60_000);
    const twilio = world.sms;
    // Twilio posts "failed" while the send's own answer is still on its way back.
    world.deps.sms = {
      async send(to, body, statusCallback) {
        const { sid } = await twilio.send(to, body, statusCallback);
        const query = new URL(statusCallback!).searchParams;
        await recordMessageStatus(
          {
            callId: query.get('call')!,
            recipientKey: query.get('to')!,
            messageSid: sid,
            messageStatus: 'failed',
            errorCode: '30034',
          },
          world.deps,
        );
        return { sid };
      },
    };
    expect(await escalateCall(world.queue.escalations[0].task, world.deps)).toBe('escalated');
    const recipients = Object.values(
      (await world.live.get(`active_calls/${CALL_ID}/escalation/recipients`)) as Record<
        string,
        EscalationRecipient
      >,
    );
    expect(recipients.map((r) => [r.state, r.sid, r.delivery, r.voice_call?.state])).toEqual([
      ['sent', twilio.sent[0].sid, 'failed', 'placed'],
      ['sent', twilio.sent[1].sid, 'failed', 'placed'],
    ]);
    expect(world.voice.announced.map((c) => c.to)).toEqual(['+15550190001', '+15550190002']);
  });
});
