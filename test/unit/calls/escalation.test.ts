import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { fanOutCall } from '../../../functions/src/calls/fanOut';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { callSid, memoryDeps } from '../../helpers/fakes';

const CALL_ID = 'call_15550100001_20251004_143000';
const ADMINS = { uid_ana: { email: 'ana@site.example' }, uid_ben: { email: 'ben@site.example' } };

/**
 * A live call whose every write is fanned out as the database trigger would: the test's
 * `write` runs a use case, then the fan-out with the call before and after.
 */
async function watchedCall() {
  const world = memoryDeps();
  await world.live.update({ admins: ADMINS });
  const callPath = `active_calls/${CALL_ID}`;
  const write = async <T>(work: () => Promise<T>): Promise<T> => {
    const before = await world.live.get(callPath);
    const result = await work();
    await fanOutCall({ callId: CALL_ID, before, after: await world.live.get(callPath) }, world.deps);
    return result;
  };
  await write(() => startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps));
  const alerts = async (uid: string) => (await world.live.get(`admin_alerts/${uid}`)) as Record<string, { kind: string }> | null;
  const critical = () => write(() => takeTurn({ callSid: callSid(1), speech: 'there is a fire in the paint store', silentTurns: 0, callHint: CALL_ID }, world.deps));
  return { ...world, write, alerts, critical };
}

describe('fanOutCall', () => {
  it('alerts every admin once per change, however often the trigger is delivered', async () => {
    const { deps, live, alerts, critical } = await watchedCall();
    await critical();
    const before = await live.get(`active_calls/${CALL_ID}`);
    await fanOutCall({ callId: CALL_ID, before: null, after: before }, deps); // a redelivered creation
    for (const uid of Object.keys(ADMINS)) {
      expect(Object.keys((await alerts(uid))!).sort()).toEqual([`${CALL_ID}~critical`, `${CALL_ID}~new-call`]);
    }
    expect((await alerts('uid_ana'))![`${CALL_ID}~critical`]).toMatchObject({ call_id: CALL_ID, kind: 'critical', urgency: 'CRITICAL', worker_id: 'worker_001', mobile_no: '+15550100001' });
  });

  it('keeps the live summary: counts by urgency and a row per call without its transcript', async () => {
    const { live, critical } = await watchedCall();
    expect(await live.get('live_summary/counts')).toEqual({ CRITICAL: 0, URGENT: 0, NORMAL: 1, total: 1 });
    await critical();
    expect(await live.get('live_summary/counts')).toEqual({ CRITICAL: 1, URGENT: 0, NORMAL: 0, total: 1 });
    expect(await live.get(`live_summary/calls/${CALL_ID}`)).toMatchObject({ urgency: 'CRITICAL', status: 'ACTIVE', worker_id: 'worker_001' });
    expect(await live.get(`live_summary/calls/${CALL_ID}/call_sid`)).toBeNull();
  });

  it('starts one escalation timer when the call turns critical', async () => {
    const { queue, critical, write, deps } = await watchedCall();
    expect(queue.escalations).toEqual([]);
    await critical();
    await write(() => takeTurn({ callSid: callSid(1), speech: 'the fire is spreading', silentTurns: 0, callHint: CALL_ID }, deps));
    expect(queue.escalations).toEqual([{ id: `escalate-${CALL_ID}`, delaySeconds: 60, task: { callId: CALL_ID, dueAt: '2025-10-04T09:01:00.000Z' } }]);
  });
});

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
    expect(sms.sent[0].body).toBe('Aurora CRITICAL call from worker_001 (+15550100001), not acknowledged after 60 s. Open https://aurora.example.com');
    expect(push.sent).toEqual([{ uids: ['uid_ana', 'uid_ben'], title: 'CRITICAL call not acknowledged' }]);
    expect((await alerts('uid_ben'))![`${CALL_ID}~escalated`]).toMatchObject({ kind: 'escalated' });

    expect(await escalateCall(task, deps)).toBe('not-needed');
    expect(sms.sent).toHaveLength(2);
  });

  it('does nothing once an admin has acknowledged or taken the call', async () => {
    for (const action of ['ack', 'take'] as const) {
      const { deps, queue, sms, clock, critical, write, live } = await watchedCall();
      await critical();
      await write(() => controlCall({ action, callId: CALL_ID }, { id: 'ana@site.example' }, deps));
      expect(await live.get(`live_summary/calls/${CALL_ID}/acknowledged_by`)).toBe('ana@site.example');
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

  it('gives the claim back and retries when no SMS could be sent; partial failures are logged', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    clock.advance(60_000);
    sms.failing = new Set(['+15550190001', '+15550190002']);
    await expect(escalateCall(queue.escalations[0].task, deps)).rejects.toThrow('no escalation SMS could be sent');
    expect(await live.get(`active_calls/${CALL_ID}/escalated_at`)).toBeNull();
    sms.failing = new Set(['+15550190001']);
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('escalated');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190002']);
  });

  it('does nothing for a call that ended or is gone', async () => {
    const { deps, queue, sms, clock, critical, live } = await watchedCall();
    await critical();
    clock.advance(60_000);
    await live.update({ [`active_calls/${CALL_ID}/status`]: 'ENDED' });
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    await live.update({ [`active_calls/${CALL_ID}`]: null });
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    expect(sms.sent).toEqual([]);
  });
});
