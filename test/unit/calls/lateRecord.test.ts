import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import type { LiveDb } from '../../../functions/src/ports';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';
import { liveRecords } from '../../helpers/memoryDb';

const FROM = '+15550100001';
const unreachable: LiveDb = {
  get: () => Promise.reject(new Error('realtime database read took longer than 3000 ms')),
  update: () => Promise.reject(new Error('realtime database write took longer than 3000 ms')),
  transact: () =>
    Promise.reject(new Error('realtime database transaction took longer than 3000 ms')),
};

/** A call greeted while the database did not answer: nothing of it was recorded. */
async function greetedUnrecorded() {
  const world = memoryDeps();
  const { live } = world;
  world.deps.live = unreachable;
  const greeting = await startCall({ callSid: callSid(1), from: FROM }, world.deps);
  world.deps.live = live;
  expect(greeting).toContain('Hello Priya Nair');
  expect(liveRecords(live.tree)).toEqual({});
  world.clock.advance(8000);
  return world;
}

describe('a call whose start could not be recorded', () => {
  it('is recorded by its first turn, greeting included, and then archived like any other', async () => {
    const { deps, live, archive, queue } = await greetedUnrecorded();
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: "There's a fire in Zone A", silentTurns: 0, from: FROM },
      deps,
    );
    const callId = (await live.get(`call_sids/${callSid(1)}`)) as string;
    expect(callId).toMatch(/^call_15550100001_\d{8}_\d{6}$/);
    expect(twiml).toContain(`call=${callId}`); // later turns name it
    expect(await live.get(`active_calls/${callId}`)).toMatchObject({
      urgency: 'CRITICAL',
      status: 'ACTIVE',
      recorded_late: true,
      worker_id: 'worker_001',
    });

    await takeTurn(
      {
        callSid: callSid(1),
        speech: 'I am outside now',
        silentTurns: 0,
        from: FROM,
        callHint: callId,
      },
      deps,
    );
    await controlCall({ action: 'ack', callId }, { id: 'ana@site.example' }, deps); // a CRITICAL call stays live until someone has seen it
    await handleStatus(
      { callSid: callSid(1), callStatus: 'completed', durationSeconds: 40, from: FROM },
      deps,
    );
    await queue.runAll(deps);
    const plan = [...archive.plans.values()][0];
    expect(plan.call).toMatchObject({
      recorded_late: true,
      urgency: 'CRITICAL',
      duration_seconds: 40,
    });
    expect(plan.conversation.messages.map((m) => m.role)).toEqual([
      'assistant',
      'user',
      'assistant',
      'user',
      'assistant',
    ]);
    expect(plan.conversation.messages[0].content).toContain('Hello Priya Nair');
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('is recorded and archived by its status callback when no turn could record it', async () => {
    const { deps, live, archive, queue } = await greetedUnrecorded();
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 25, from: FROM },
        deps,
      ),
    ).toBe('end');
    await queue.runAll(deps);
    const plan = [...archive.plans.values()][0];
    expect(plan.call).toMatchObject({
      recorded_late: true,
      duration_seconds: 25,
      end_reason: 'completed',
      mobile_no: FROM,
    });
    expect(plan.conversation.messages).toHaveLength(1);
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('is archived from the status callback alone when the live database is down for the whole call', async () => {
    const { deps, archive } = memoryDeps();
    deps.live = unreachable;
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 90, from: FROM },
        deps,
      ),
    ).toBe('archived-from-callback');
    const plan = [...archive.plans.values()][0];
    expect(plan.callId).toBe(`call_15550100001_cb_${callSid(1)}`); // one archive per CallSid, however often Twilio calls back
    expect(plan.call).toMatchObject({
      recorded_late: true,
      duration_seconds: 90,
      end_reason: 'completed',
      worker_id: 'worker_001',
      status: 'COMPLETE',
    });
    expect(plan.conversation.messages[0].content).toContain('Hello Priya Nair');
  });

  it('is not recorded twice, nor brought back once archived', async () => {
    const { deps, live, queue, archive } = await greetedUnrecorded();
    await takeTurn({ callSid: callSid(1), speech: 'hello', silentTurns: 0, from: FROM }, deps);
    await takeTurn({ callSid: callSid(1), speech: 'anyone?', silentTurns: 0, from: FROM }, deps); // Twilio kept the old action URL
    expect(Object.keys((await live.get('active_calls')) as object)).toHaveLength(1);
    await handleStatus({ callSid: callSid(1), callStatus: 'completed', from: FROM }, deps);
    await queue.runAll(deps);
    await takeTurn({ callSid: callSid(1), speech: 'late words', silentTurns: 0, from: FROM }, deps);
    await handleStatus({ callSid: callSid(1), callStatus: 'completed', from: FROM }, deps);
    expect(liveRecords(live.tree)).toEqual({});
    expect(archive.plans.size).toBe(1);
  });
});
