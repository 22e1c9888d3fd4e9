import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import {
  ESCALATION_MAX_ATTEMPTS,
  SENDING_LEASE_MS,
  escalateCall,
} from '../../../functions/src/calls/escalateCall';
import { unconfiguredSms } from '../../../functions/src/adapters/twilioVoice';
import { AuroraError } from '../../../functions/src/core/errors';
import { watchedCall } from '../../helpers/calls';

const CALL_ID = 'call_15550100001_20251004_143000';

describe('escalateCall', () => {
  it('texts the on-call numbers and pushes to admins when nobody acknowledged in time, once', async () => {
    const { deps, queue, sms, push, clock, critical, alerts, write } = await watchedCall();
    await critical();
    const { task } = queue.escalations[0];
    await expect(escalateCall(task, deps)).rejects.toThrow(AuroraError); // early: retried until due
    expect(sms.sent).toEqual([]);

    clock.advance(60_000);
    expect(await write(() => escalateCall(task, deps))).toBe('escalated');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190001', '+15550190002']);
    expect(sms.sent[0].body).toBe(
      'Aurora CRITICAL call from worker_001 (+15550100001), not acknowledged after 60 s. Open https://aurora.example.com',
    );
    expect(push.sent).toEqual([
      { uids: ['uid_ana', 'uid_ben'], title: 'CRITICAL call not acknowledged' },
    ]);
    expect((await alerts('uid_ben'))![`${CALL_ID}~escalated`]).toMatchObject({ kind: 'escalated' });

    expect(await escalateCall(task, deps)).toBe('not-needed');
    expect(sms.sent).toHaveLength(2);
  });

  it("asks Twilio to report each text's delivery to the message-status webhook, naming the call and the recipient", async () => {
    const { deps, queue, sms, clock, critical } = await watchedCall();
    await critical();
    clock.advance(60_000);
    await escalateCall(queue.escalations[0].task, deps);
    expect(sms.sent.map((m) => m.statusCallback)).toEqual([
      `https://aurora.example.com/twilio/message-status?call=${CALL_ID}&to=%2B15550190001`,
      `https://aurora.example.com/twilio/message-status?call=${CALL_ID}&to=%2B15550190002`,
    ]);
  });

  it('does nothing once an admin has acknowledged or taken the call', async () => {
    for (const action of ['ack', 'take'] as const) {
      const { deps, queue, sms, clock, critical, write, live } = await watchedCall();
      await critical();
      await write(() => controlCall({ action, callId: CALL_ID }, { id: 'ana@site.example' }, deps));
      expect(await live.get(`live_summary/calls/${CALL_ID}/acknowledged_by`)).toBe(
        'ana@site.example',
      );
      clock.advance(60_000);
      expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
      expect(sms.sent).toEqual([]);
    }
  });

  it('records the first acknowledgement only', async () => {
    const { deps, live, critical } = await watchedCall();
    await critical();
    await controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, deps);
    await controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ben@site.example' }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/acknowledged_by`)).toBe('ana@site.example');
  });

  it('retries until every on-call number has the text, texting each at most once it was accepted', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    clock.advance(60_000);
    const { task } = queue.escalations[0];
    sms.failing = new Set(['+15550190001', '+15550190002']);
    await expect(escalateCall(task, deps)).rejects.toThrow('2 escalation text(s) not accepted yet');
    expect(await live.get(`active_calls/${CALL_ID}/escalated_at`)).not.toBeNull();
    sms.failing = new Set(['+15550190001']);
    await expect(escalateCall(task, deps, { retryCount: 1 })).rejects.toThrow(
      '1 escalation text(s) not accepted yet',
    );
    sms.failing = new Set();
    expect(await escalateCall(task, deps, { retryCount: 2 })).toBe('escalated');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190002', '+15550190001']);
    const recipients = (await live.get(`active_calls/${CALL_ID}/escalation/recipients`)) as Record<
      string,
      { state: string; sid?: string; attempts: number }
    >;
    expect(Object.values(recipients)).toEqual([
      expect.objectContaining({
        to: '+15550190001',
        state: 'sent',
        sid: sms.sent[1].sid,
        attempts: 3,
      }),
      expect.objectContaining({
        to: '+15550190002',
        state: 'sent',
        sid: sms.sent[0].sid,
        attempts: 2,
      }),
    ]);
    expect(await escalateCall(task, deps, { retryCount: 3 })).toBe('not-needed');
    expect(sms.sent).toHaveLength(2);
  });

  it('texts again a recipient whose send was claimed by a run that died before Twilio answered', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    clock.advance(60_000);
    const { task } = queue.escalations[0];
    sms.failing = new Set(['+15550190001', '+15550190002']);
    await expect(escalateCall(task, deps)).rejects.toThrow();
    const path = `active_calls/${CALL_ID}/escalation/recipients/+15550190001`;
    await live.update({
      [`${path}/state`]: 'sending',
      [`${path}/at`]: '2025-10-04T14:31:00+05:30',
    }); // a run died mid-send
    sms.failing = new Set();
    clock.advance(10_000);
    // +0002 now; +0001 is held by the fresh claim, whose run may have died: the task is not done until it is sent.
    await expect(escalateCall(task, deps, { retryCount: 1 })).rejects.toThrow('not accepted yet');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190002']);
    clock.advance(SENDING_LEASE_MS);
    await live.update({ [`${path}/at`]: '2025-10-04T14:31:00+05:30' });
    expect(await escalateCall(task, deps, { retryCount: 2 })).toBe('escalated');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190002', '+15550190001']);
  });

  it('tells the admins when the escalation cannot text anyone, instead of claiming it did', async () => {
    for (const [setup, reason] of [
      [
        (w: Awaited<ReturnType<typeof watchedCall>>) =>
          (w.deps.settings = {
            ...w.deps.settings,
            escalation: { ...w.deps.settings.escalation, onCallNumbers: [] },
          }),
        /No on-call numbers are configured/,
      ],
      [
        (w: Awaited<ReturnType<typeof watchedCall>>) => (w.deps.sms = unconfiguredSms()),
        /Twilio is not configured/,
      ],
    ] as const) {
      const world = await watchedCall();
      setup(world);
      await world.critical();
      world.clock.advance(60_000);
      expect(
        await world.write(() => escalateCall(world.queue.escalations[0].task, world.deps)),
      ).toBe('not-configured');
      expect(await world.live.get(`active_calls/${CALL_ID}/escalation/failed`)).toMatch(reason);
      expect((await world.alerts('uid_ana'))![`${CALL_ID}~escalation-failed`]).toMatchObject({
        kind: 'escalation-failed',
      });
    }
  });

  it('gives up after the last retry and shows the admins the failure', async () => {
    const { deps, queue, sms, clock, critical, live, write, alerts } = await watchedCall();
    await critical();
    clock.advance(60_000);
    sms.failing = new Set(['+15550190001']);
    await expect(escalateCall(queue.escalations[0].task, deps)).rejects.toThrow();
    expect(
      await write(() =>
        escalateCall(queue.escalations[0].task, deps, { retryCount: ESCALATION_MAX_ATTEMPTS - 1 }),
      ),
    ).toBe('escalated');
    expect(await live.get(`active_calls/${CALL_ID}/escalation/failed`)).toBe(
      `Escalation texts failed for 1 on-call number(s) after ${ESCALATION_MAX_ATTEMPTS} attempts.`,
    );
    expect((await alerts('uid_ben'))![`${CALL_ID}~escalation-failed`]).toBeDefined();
  });

  it('escalates a call acknowledged while NORMAL that then turned CRITICAL, and stops once acknowledged at CRITICAL', async () => {
    const { deps, queue, sms, clock, critical, write, alerts } = await watchedCall();
    await write(() =>
      controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, deps),
    );
    await critical();
    expect(queue.escalations).toHaveLength(1);
    clock.advance(60_000);
    expect(await write(() => escalateCall(queue.escalations[0].task, deps))).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
    expect((await alerts('uid_ana'))![`${CALL_ID}~escalated`]).toBeDefined();

    const again = await watchedCall();
    await again.write(() =>
      controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, again.deps),
    );
    await again.critical();
    await again.write(() =>
      controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ben@site.example' }, again.deps),
    );
    again.clock.advance(60_000);
    expect(await escalateCall(again.queue.escalations[0].task, again.deps)).toBe('not-needed');
    expect(again.sms.sent).toEqual([]);
    expect(await again.live.get(`active_calls/${CALL_ID}/acknowledged_by`)).toBe(
      'ben@site.example',
    );
  });

  it('escalates a CRITICAL call that ended before anyone acknowledged it: the caller may be the one in trouble', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    clock.advance(60_000);
    await live.update({ [`active_calls/${CALL_ID}/status`]: 'ENDED' });
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('escalated');
    expect(sms.sent.map((s) => s.to)).toEqual(['+15550190001', '+15550190002']);
  });

  it('does nothing for a call that is gone, or that someone acknowledged before it ended', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    await controlCall({ action: 'ack', callId: CALL_ID }, { id: 'ana@site.example' }, deps);
    clock.advance(60_000);
    await live.update({ [`active_calls/${CALL_ID}/status`]: 'ENDED' });
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    await live.update({ [`active_calls/${CALL_ID}`]: null });
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    expect(sms.sent).toEqual([]);
  });
});
