import { taskIds } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import { fanOutCall } from '../../../functions/src/calls/fanOut';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { callSid } from '../../helpers/fixtures';
import { ADMINS, watchedCall } from '../../helpers/calls';
import { liveWith } from '../../helpers/memoryDb';

const CALL_ID = 'call_15550100001_20251004_143000';

describe('fanOutCall', () => {
  it('alerts every admin once per change, however often the trigger is delivered', async () => {
    const { deps, live, alerts, critical } = await watchedCall();
    await critical();
    const before = await live.get(`active_calls/${CALL_ID}`);
    await fanOutCall({ callId: CALL_ID, before: null, after: before }, deps); // a redelivered creation
    for (const uid of Object.keys(ADMINS)) {
      expect(Object.keys((await alerts(uid))!).sort()).toEqual([
        `${CALL_ID}~critical`,
        `${CALL_ID}~new-call`,
      ]);
    }
    expect((await alerts('uid_ana'))![`${CALL_ID}~critical`]).toMatchObject({
      call_id: CALL_ID,
      kind: 'critical',
      urgency: 'CRITICAL',
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
    });
  });

  it('keeps the live summary: counts by urgency and a row per call without its transcript', async () => {
    const { live, critical } = await watchedCall();
    expect(await live.get('live_summary/counts')).toEqual({
      CRITICAL: 0,
      URGENT: 0,
      NORMAL: 1,
      total: 1,
    });
    await critical();
    expect(await live.get('live_summary/counts')).toEqual({
      CRITICAL: 1,
      URGENT: 0,
      NORMAL: 0,
      total: 1,
    });
    expect(await live.get(`live_summary/calls/${CALL_ID}`)).toMatchObject({
      urgency: 'CRITICAL',
      status: 'ACTIVE',
      worker_id: 'worker_001',
    });
    expect(await live.get(`live_summary/calls/${CALL_ID}/call_sid`)).toBeNull();
  });

  it('leaves the summary alone for a change its row does not show, and rebuilds it for one it does', async () => {
    const { live, deps } = await watchedCall();
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    // A turn's marker and answered Gather are not in the row: the summary is not transacted at all.
    let transactions = 0;
    const counting = {
      ...deps,
      live: liveWith(deps.live, {
        transact: (path, next) => {
          if (path === 'live_summary') transactions++;
          return deps.live.transact(path, next);
        },
      }),
    };
    const marked = { ...call, turn_started_at: '2025-10-04T14:30:05+05:30', answered: { g1: 't' } };
    await live.update({ [`active_calls/${CALL_ID}`]: marked });
    await fanOutCall({ callId: CALL_ID, before: call, after: marked }, counting);
    expect(transactions).toBe(0);
    // The urgency is: the row is rebuilt from the call as stored.
    const raised = { ...marked, urgency: 'URGENT' };
    await live.update({ [`active_calls/${CALL_ID}`]: raised });
    await fanOutCall({ callId: CALL_ID, before: marked, after: raised }, counting);
    expect(transactions).toBe(1);
    expect(await live.get(`live_summary/calls/${CALL_ID}/urgency`)).toBe('URGENT');
    expect(await live.get('live_summary/counts/URGENT')).toBe(1);
  });

  it('rebuilds a row read before a newer change once it finds the call moved on', async () => {
    const { live, deps } = await watchedCall();
    const path = `active_calls/${CALL_ID}`;
    const older = (await live.get(path)) as Record<string, unknown>;
    const newer = { ...older, urgency: 'CRITICAL', acknowledged_by: 'ana@example.com' };
    await live.update({ [path]: newer });
    // This fan-out read the call before the newer change landed, and commits after the newer one's.
    let reads = 0;
    const late = {
      ...deps,
      live: liveWith(deps.live, {
        get: async (at) => (at === path && reads++ === 0 ? older : deps.live.get(at)),
      }),
    };
    await fanOutCall({ callId: CALL_ID, before: null, after: older }, late);
    expect(await live.get(`live_summary/calls/${CALL_ID}`)).toMatchObject({
      urgency: 'CRITICAL',
      acknowledged_by: 'ana@example.com',
    });
    expect(await live.get('live_summary/counts/CRITICAL')).toBe(1);
  });

  it('starts one escalation timer when the call turns critical', async () => {
    const { queue, critical, write, deps } = await watchedCall();
    expect(queue.escalations).toEqual([]);
    await critical();
    await write(() =>
      takeTurn(
        { callSid: callSid(1), speech: 'the fire is spreading', silentTurns: 0, callHint: CALL_ID },
        deps,
      ),
    );
    expect(queue.escalations).toEqual([
      {
        id: taskIds.escalate(CALL_ID),
        delaySeconds: 60,
        task: { callId: CALL_ID, dueAt: '2025-10-04T09:01:00.000Z', rise: 0 },
      },
    ]);
  });
});
