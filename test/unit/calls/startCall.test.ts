import { taskIds } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';

describe('startCall', () => {
  it('creates the call, its conversation and the CallSid index in the seed schema', async () => {
    const { deps, live } = memoryDeps();
    const twiml = await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    expect(twiml).toContain('Hello Priya Nair');
    expect(twiml).toMatch(
      new RegExp(`action="https://aurora.example.com/twilio/turn\\?call=${CALL_ID}&amp;g=\\w+"`),
    );
    expect(await live.get(`call_sids/${callSid(1)}`)).toBe(CALL_ID);
    expect(await live.get(`active_calls/${CALL_ID}`)).toEqual({
      worker_id: 'worker_001',
      mobile_no: '+15550100001',
      conversation_id: CONV_ID,
      urgency: 'NORMAL',
      status: 'ACTIVE',
      timestamp: '2025-10-04T14:30:00+05:30',
      last_message_at: '2025-10-04T14:30:00+05:30',
      medium: 'Voice',
      call_sid: callSid(1),
      mode: 'ai',
    });
    const conversation = (await live.get(`active_conversations/${CONV_ID}`)) as {
      call_id: string;
      messages: object;
    };
    expect(conversation.call_id).toBe(CALL_ID);
    expect(Object.values(conversation.messages)).toEqual([
      {
        role: 'assistant',
        content: expect.stringContaining('Aurora'),
        timestamp: '2025-10-04T14:30:00+05:30',
        sources: '',
      },
    ]);
  });

  it('gives a second call from the same number in the same second its own ids', async () => {
    const { deps, live } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await startCall({ callSid: callSid(2), from: '+15550100001' }, deps);
    expect(await live.get(`call_sids/${callSid(2)}`)).toBe(`${CALL_ID}_2`);
  });

  it('never hands out an id twice: a call in the same second as an archived one gets its own', async () => {
    const { deps, live, queue } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(await live.get(`active_calls/${CALL_ID}`)).toBeNull();
    await startCall({ callSid: callSid(2), from: '+15550100001' }, deps);
    expect(await live.get(`call_sids/${callSid(2)}`)).toBe(`${CALL_ID}_2`);
    expect(queue.ids.has(taskIds.archive(`${CALL_ID}_2`))).toBe(false);
  });

  it('records a retried webhook once', async () => {
    const { deps, live } = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    expect(Object.keys((await live.get('active_calls')) as object)).toEqual([CALL_ID]);
  });

  it('helps unknown callers and callers the registry cannot look up', async () => {
    const { deps, live } = memoryDeps({
      workers: { findByPhone: () => Promise.reject(new Error('down')) },
    });
    const twiml = await startCall({ callSid: callSid(1), from: '+15559990000' }, deps);
    expect(twiml).toContain('This is Aurora');
    expect(await live.get('active_calls/call_15559990000_20251004_143000/worker_id')).toBe(
      'unknown',
    );
  });
});
