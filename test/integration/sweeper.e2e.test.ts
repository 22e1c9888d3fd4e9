/**
 * The scheduled sweeper end to end on the local stack: the local scheduler runs the compiled
 * sweepCalls handler (as the schedule would, here on demand) against the stack's database,
 * Twilio stand-in and task queues.
 */
import { describe, expect, it } from 'vitest';
import { PORTS } from '../../scripts/lib/project.ts';
import { acknowledge, archivedAndPurged, freshCaller, testClients } from '../helpers/stack';

const sweep = async () =>
  expect(
    (await fetch(`http://127.0.0.1:${PORTS.scheduler}/sweep`, { method: 'POST' })).status,
  ).toBe(200);
const HOURS_AGO = (h: number) =>
  new Date(Date.now() - h * 3600_000).toISOString().replace('Z', '+00:00');

/** A live call as the functions write it, last heard from `hours` ago. */
function liveCall(
  callId: string,
  callSid: string,
  from: string,
  status: 'ACTIVE' | 'ENDED',
  hours: number,
) {
  const at = HOURS_AGO(hours);
  return {
    worker_id: 'unknown',
    mobile_no: from,
    conversation_id: callId.replace(/^call_/, 'conv_'),
    urgency: 'URGENT',
    status,
    timestamp: at,
    last_message_at: at,
    medium: 'Voice',
    call_sid: callSid,
    mode: 'ai',
    ...(status === 'ENDED' ? { ended_at: at, duration_seconds: 30, end_reason: 'completed' } : {}),
  };
}

async function seeded(status: 'ACTIVE' | 'ENDED') {
  const { db } = testClients();
  const { from, callSid } = freshCaller('+1666');
  const callId = `call_${from.slice(1)}_20250101_000000`;
  const conversationId = callId.replace(/^call_/, 'conv_');
  await db.ref().update({
    [`active_calls/${callId}`]: liveCall(callId, callSid, from, status, 2),
    [`active_conversations/${conversationId}`]: {
      call_id: callId,
      messages: {
        a: { role: 'user', content: 'help, I am stuck', timestamp: HOURS_AGO(2), sources: '' },
      },
    },
    [`call_sids/${callSid}`]: callId,
    [`call_ids/${callId}`]: { call_sid: callSid, at: Date.now() },
  });
  return { callId, conversationId };
}

describe('the sweeper on the local stack', () => {
  it('ends and archives a call whose status callback never came (Twilio no longer has it)', async () => {
    const { callId, conversationId } = await seeded('ACTIVE');
    await sweep();
    await acknowledge(callId);
    const { call, conversation } = await archivedAndPurged(callId, conversationId);
    expect(call.end_reason).toBe('stale');
    expect((conversation.messages as Array<{ content: string }>).map((m) => m.content)).toEqual([
      'help, I am stuck',
    ]);
  });

  it('re-drives a stalled archival', async () => {
    const { callId, conversationId } = await seeded('ENDED');
    await sweep();
    await acknowledge(callId);
    const { call } = await archivedAndPurged(callId, conversationId);
    expect(call.end_reason).toBe('completed');
  });
});
