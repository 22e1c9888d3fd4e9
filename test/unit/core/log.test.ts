import { describe, expect, it } from 'vitest';
import { archiveCall, purgeCall } from '../../../functions/src/calls/archival';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { redactingLog } from '../../../functions/src/core/log';
import { idRef, QUEUES } from '@aurora/model/tasks';
import { redact } from '../../../functions/src/core/masking';
import { CallTaskBody, callTaskHandler } from '../../../functions/src/triggers/tasks';
import { watchedCall } from '../../helpers/calls';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';

describe('redact', () => {
  it('replaces call and conversation ids by a stable short reference, and masks phone numbers', () => {
    expect(redact(`archived ${CALL_ID} and conv_15550100001_20251004_143000_2`)).toBe(
      `archived ${idRef(CALL_ID)} and ${idRef('conv_15550100001_20251004_143000_2')}`,
    );
    expect(idRef(CALL_ID)).toMatch(/^call_[0-9a-f]{12}$/);
    expect(idRef(CALL_ID)).toBe(idRef(CALL_ID));
    expect(
      redact(
        'from +15550100001 or 5550100001, CallSid CA0000000000000000000000000000000a, 3 messages',
      ),
    ).toBe('from ***0001 or ***0001, CallSid CA0000000000000000000000000000000a, 3 messages');
  });
});

describe('logging a whole call', () => {
  it("never writes the caller's number: not in messages, data, error texts or task names", async () => {
    const lines: string[] = [];
    const sink = (level: string) => (message: string, data?: object) =>
      lines.push(`${level} ${message} ${JSON.stringify(data ?? {})}`);
    const world = await watchedCall();
    const { deps, queue, clock, live, write, critical } = world;
    deps.log = redactingLog({ info: sink('info'), warn: sink('warn'), error: sink('error') });

    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps); // a retried webhook
    await critical();
    clock.advance(60_000);
    await escalateCall(queue.escalations[0].task, deps);
    await write(() =>
      controlCall({ action: 'take', callId: CALL_ID }, { id: 'ana@site.example' }, deps),
    );
    await takeTurn(
      { callSid: callSid(1), speech: 'he is not moving', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    await write(() =>
      controlCall({ action: 'release', callId: CALL_ID }, { id: 'ana@site.example' }, deps),
    );
    live.failNextUpdates = 1;
    await takeTurn(
      { callSid: callSid(1), speech: 'hello?', silentTurns: 0, callHint: CALL_ID },
      deps,
    ); // a failed write is logged
    await handleStatus({ callSid: callSid(1), callStatus: 'completed', durationSeconds: 80 }, deps);
    await live.update({
      [`active_calls/${CALL_ID}/turn_started_at`]: new Date(clock().getTime()).toISOString(),
    });
    const runPurge = callTaskHandler(QUEUES.purge, CallTaskBody, purgeCall, () => deps);
    await runPurge({ data: { callId: CALL_ID } }).catch(() => {}); // a turn in flight: retried, and logged with the id in its error
    await live.update({ [`active_calls/${CALL_ID}/turn_started_at`]: null });
    for (const task of queue.drain())
      await (task.queue === QUEUES.archive ? archiveCall : purgeCall)(
        { callId: task.callId },
        deps,
      );
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps); // replayed after the archive

    for (const expected of [
      'call escalated',
      'turn write failed',
      'task failed, will retry',
      'call archived',
      'live call purged',
    ])
      expect(lines.join('\n')).toContain(expected);
    expect(lines.filter((line) => /5550100001/.test(line))).toEqual([]);
    expect(lines.some((line) => line.includes(idRef(CALL_ID)))).toBe(true);
    expect([...queue.ids].filter((id) => /5550100001/.test(id))).toEqual([]);
  });
});
