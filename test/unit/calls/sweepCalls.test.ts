import { taskIds } from '@aurora/model/tasks';
import { describe, expect, it } from 'vitest';
import {
  expiredCallIds,
  planSweep,
  staleAlerts,
  sweepCalls,
} from '../../../functions/src/calls/sweepCalls';
import { AuroraError } from '../../../functions/src/core/errors';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { talkedCall } from '../../helpers/calls';
import { memoryDeps } from '../../helpers/fakes';
import { SETTINGS, aLiveCall, callSid } from '../../helpers/fixtures';

const now = new Date('2025-10-04T10:00:00Z'); // 15:30 at the site

describe('planSweep', () => {
  it('ends ACTIVE calls idle past the stale time and leaves lively ones', () => {
    const calls = {
      idle: aLiveCall({ last_message_at: '2025-10-04T14:59:00+05:30' }),
      lively: aLiveCall({ last_message_at: '2025-10-04T15:29:00+05:30' }),
    };
    expect(planSweep(calls, now, SETTINGS)).toEqual([
      { kind: 'end-stale', callId: 'idle', call: calls.idle },
    ]);
  });

  it('re-drives archival of ENDED calls past the stall time, under a fresh task id per window', () => {
    const calls = {
      stalled: aLiveCall({ status: 'ENDED', ended_at: '2025-10-04T15:20:00+05:30' }),
      fresh: aLiveCall({ status: 'ENDED', ended_at: '2025-10-04T15:28:00+05:30' }),
    };
    const [action] = planSweep(calls, now, SETTINGS);
    expect(planSweep(calls, now, SETTINGS)).toHaveLength(1);
    expect(action).toEqual({
      kind: 'redrive-archive',
      callId: 'stalled',
      taskId: expect.stringMatching(new RegExp(`^${taskIds.archive('stalled')}-s\\d+$`)),
    });
    const later = planSweep(calls, new Date(now.getTime() + 5 * 60_000), SETTINGS);
    expect(later.find((a) => a.callId === 'stalled')).not.toEqual(action);
  });
});

describe('sweepCalls', () => {
  it('ends a stale call with a reason and enqueues its archival', async () => {
    const { deps, live, queue, clock, voice } = memoryDeps();
    clock.set(now.toISOString());
    await live.update({
      'active_calls/call_a': aLiveCall({ last_message_at: '2025-10-04T14:00:00+05:30' }),
    });
    voice.gone.add(aLiveCall().call_sid); // Twilio says it is over: its status callback was lost
    await sweepCalls(deps);
    expect(await live.get('active_calls/call_a/status')).toBe('ENDED');
    expect(await live.get('active_calls/call_a/end_reason')).toBe('stale');
    expect(queue.tasks).toEqual([
      { queue: 'archiveCall', callId: 'call_a', id: taskIds.archive('call_a') },
    ]);
  });

  it('leaves a quiet call that Twilio still has open (a bridged caller), and one Twilio cannot be asked about', async () => {
    const { deps, live, queue, clock, voice } = memoryDeps();
    clock.set(now.toISOString());
    await live.update({
      'active_calls/call_a': aLiveCall({ last_message_at: '2025-10-04T14:00:00+05:30' }),
    });
    await sweepCalls(deps);
    expect(await live.get('active_calls/call_a/status')).toBe('ACTIVE');
    voice.refuseNext = new AuroraError('Asking Twilio about the call failed: HTTP 503', {
      retryable: true,
    });
    await sweepCalls(deps);
    expect(await live.get('active_calls/call_a/status')).toBe('ACTIVE');
    expect(queue.tasks).toEqual([]);
  });

  it('skips malformed records without stopping', async () => {
    const { deps, live, queue, clock } = memoryDeps();
    clock.set(now.toISOString());
    await live.update({
      'active_calls/bad': { status: 'weird' },
      'active_calls/call_b': aLiveCall({ status: 'ENDED', ended_at: '2025-10-04T14:00:00+05:30' }),
    });
    await sweepCalls(deps);
    expect(queue.tasks.map((t) => t.callId)).toEqual(['call_b']);
  });
});

describe('staleAlerts', () => {
  it('picks alerts older than a day, and unreadable ones', () => {
    const now = new Date('2025-10-05T12:00:00Z');
    const all = {
      u1: {
        a: { at: '2025-10-05T17:00:00+05:30' },
        b: { at: '2025-10-04T17:00:00+05:30' },
        c: { at: 'garbage' },
      },
      u2: { d: null },
    };
    expect(staleAlerts(all, now).sort()).toEqual([
      'admin_alerts/u1/b',
      'admin_alerts/u1/c',
      'admin_alerts/u2/d',
    ]);
  });
});

describe('expiredCallIds', () => {
  it('lets call ids go a day after they were handed out', () => {
    const now = new Date('2025-10-05T12:00:00Z');
    const reservations = {
      call_recent: { at: now.getTime() - 3600_000 },
      call_old: { at: now.getTime() - 25 * 3600_000 },
      call_broken: null,
    };
    expect(expiredCallIds(reservations, now).sort()).toEqual([
      'call_ids/call_broken',
      'call_ids/call_old',
    ]);
  });

  it('drops a CallSid tombstone with its call id, and not before', () => {
    const now = new Date('2025-10-05T12:00:00Z');
    const reservations = {
      call_recent: { at: now.getTime() - 3600_000, call_sid: 'CA1' },
      call_old: { at: now.getTime() - 25 * 3600_000, call_sid: 'CA2' },
    };
    expect(expiredCallIds(reservations, now).sort()).toEqual([
      'call_ids/call_old',
      'call_sids/CA2',
    ]);
  });
});

describe('orphan live conversations', () => {
  it('archives an admin note that landed after the purge and removes the node; drops stray partial speech', async () => {
    const { deps, live, archive, queue } = await talkedCall();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    const conv = 'conv_15550100001_20251004_143000';
    await live.update({
      [`active_conversations/${conv}/messages/zzz`]: {
        role: 'system',
        content: 'ana@site.example ended the call.',
        timestamp: 't',
        sources: '',
      },
      'active_conversations/conv_15550100009_20251004_143000/partial': {
        gather: 'g1',
        sequence: 3,
        text: 'help',
      },
    });
    await sweepCalls(deps);
    expect(archive.plans.get(conv)!.conversation.messages.at(-1)!.content).toBe(
      'ana@site.example ended the call.',
    );
    expect(await live.get('active_conversations')).toBeNull();
  });

  it('keeps an orphan it cannot archive, rather than lose what it holds', async () => {
    const { deps, live } = memoryDeps();
    await live.update({
      'active_conversations/conv_15550100009_20251004_143000/messages/a': {
        role: 'user',
        content: 'my words',
        timestamp: 't',
        sources: '',
      },
    });
    await sweepCalls(deps);
    expect(
      await live.get('active_conversations/conv_15550100009_20251004_143000/messages/a/content'),
    ).toBe('my words');
  });
});
