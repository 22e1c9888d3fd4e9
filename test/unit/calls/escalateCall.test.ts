import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
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
