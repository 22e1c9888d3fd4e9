import { taskIds } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { talkedCall as talked } from '../../helpers/calls';
import { callSid } from '../../helpers/fixtures';
import { liveRecords } from '../../helpers/memoryDb';

const CALL_ID = 'call_15550100001_20251004_143000';

describe('handleStatus', () => {
  it('archives exactly once however often and in whatever order Twilio calls back', async () => {
    const { deps, live, archive, queue } = await talked();
    for (const status of ['in-progress', 'completed', 'completed', 'ringing', 'busy']) {
      await handleStatus({ callSid: callSid(1), callStatus: status }, deps);
    }
    expect(queue.tasks.map((t) => t.id)).toEqual([taskIds.archive(CALL_ID)]);
    expect(await live.get(`active_calls/${CALL_ID}/end_reason`)).toBe('completed');
    await queue.runAll(deps);
    expect(await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps)).toBe(
      'unknown-call',
    );
    expect(archive.writes).toBe(1);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('leaves a non-terminal status alone', async () => {
    const { deps, live, queue } = await talked();
    expect(await handleStatus({ callSid: callSid(1), callStatus: 'in-progress' }, deps)).toBe(
      'not-terminal',
    );
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ACTIVE');
    expect(queue.tasks).toEqual([]);
  });

  it('keeps the call ENDED and answers even when the archive cannot be enqueued', async () => {
    const { deps, live, queue } = await talked();
    queue.failNext = 1;
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ENDED');
  });
});
