import { describe, expect, it } from 'vitest';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import {
  escalationTextDecision,
  expiredUsage,
  hourKey,
  textDecision,
} from '../../../functions/src/core/limits';
import { fanOutCall } from '../../../functions/src/calls/fanOut';
import type { Reply } from '../../../functions/src/assistant/responder';
import { watchedCall } from '../../helpers/calls';
import { memoryDeps } from '../../helpers/fakes';
import { SETTINGS, callSid } from '../../helpers/fixtures';

const LIMITS = { modelTurnsPerCall: 3, modelCallsPerNumberPerHour: 2, escalationTextsPerHour: 1 };
const modelReply: Reply = {
  text: 'The model says: stay calm and move away.',
  urgency: 'NORMAL',
  sources: [],
};
const CALL_ID = 'call_15550100001_20251004_143000';
const ON_CALL = SETTINGS.escalation.onCallNumbers;

/** Another call that turns CRITICAL in the same world, fanned out as the trigger would: its escalation task. */
async function criticalCallFrom(
  world: Awaited<ReturnType<typeof watchedCall>>,
  from: string,
  sid: string,
) {
  await startCall({ callSid: sid, from }, world.deps);
  const callId = (await world.live.get(`call_sids/${sid}`)) as string;
  const before = await world.live.get(`active_calls/${callId}`);
  await takeTurn(
    {
      callSid: sid,
      speech: 'there is a fire in the paint store',
      silentTurns: 0,
      callHint: callId,
    },
    world.deps,
  );
  await fanOutCall(
    { callId, before, after: await world.live.get(`active_calls/${callId}`) },
    world.deps,
  );
  return world.queue.escalations.find((e) => e.task.callId === callId)!.task;
}

describe('cost ceilings', () => {
  it('answers offline past the model turns of a call, still triaging a fire as CRITICAL', async () => {
    const { deps, live } = memoryDeps({ settings: { ...SETTINGS, limits: LIMITS } });
    deps.responder = { respond: async () => modelReply };
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    const callId = (await live.get(`call_sids/${callSid(1)}`)) as string;
    const said: string[] = [];
    for (const speech of ['hello', 'I am at the tank', 'what now', "There's a fire in Zone A"]) {
      said.push(
        await takeTurn({ callSid: callSid(1), speech, silentTurns: 0, callHint: callId }, deps),
      );
    }
    expect(said.slice(0, 2).every((t) => t.includes('The model says'))).toBe(true); // greeting + 2 answers = 3
    expect(said[3]).toContain('Leave the area now');
    expect(await live.get(`active_calls/${callId}/urgency`)).toBe('CRITICAL');
  });

  it('answers a number offline past its calls per hour, and the model again the next hour', async () => {
    const { deps, live, clock } = memoryDeps({ settings: { ...SETTINGS, limits: LIMITS } });
    for (let n = 1; n <= 3; n++) {
      await startCall({ callSid: callSid(n), from: '+15550100001' }, deps);
      clock.advance(1000);
    }
    const offline = async (n: number) =>
      (await live.get(
        `active_calls/${(await live.get(`call_sids/${callSid(n)}`)) as string}/offline_only`,
      )) === true;
    expect([await offline(1), await offline(2), await offline(3)]).toEqual([false, false, true]);
    clock.advance(3600_000);
    await startCall({ callSid: callSid(4), from: '+15550100001' }, deps);
    expect(await offline(4)).toBe(false);
  });

  it("texts the first about each call in full whatever the hour's count; only repeats about a call fall under the cap", () => {
    const decide = (acceptedAboutCall: number, acceptedThisHour: number) =>
      escalationTextDecision({ acceptedAboutCall, acceptedThisHour }, LIMITS);
    expect([decide(0, 0), decide(0, 1), decide(0, 500)]).toEqual(['send', 'send', 'send']);
    expect([decide(1, 0), decide(1, 1), decide(1, 2)]).toEqual(['send', 'summary', 'hold']);
    expect([1, 2, 3].map((n) => textDecision(n, LIMITS))).toEqual(['send', 'summary', 'hold']);
  });

  it('texts a new CRITICAL call in full to numbers already past the hourly cap', async () => {
    // This test pinned the defect: a number past its cap got only the summary about a new call, or nothing.
    const world = await watchedCall();
    world.deps.settings = { ...world.deps.settings, limits: LIMITS };
    await world.critical();
    world.clock.advance(60_000);
    const hour = hourKey(world.clock());
    await world.live.update({
      [`usage/t15550190001/${hour}`]: 1,
      [`usage/t15550190002/${hour}`]: 5,
    }); // this hour's texts so far
    expect(await escalateCall(world.queue.escalations[0].task, world.deps)).toBe('escalated');
    expect(world.sms.sent.map((m) => [m.to, m.body.slice(0, 40)])).toEqual([
      ['+15550190001', 'Aurora CRITICAL call from worker_001 (+1'],
      ['+15550190002', 'Aurora CRITICAL call from worker_001 (+1'],
    ]);
    const recipients = (await world.live.get(
      `active_calls/${CALL_ID}/escalation/recipients`,
    )) as Record<string, { state: string; sid?: string }>;
    expect(Object.values(recipients).map((r) => [r.state, !!r.sid])).toEqual([
      ['sent', true],
      ['sent', true],
    ]);
    expect([
      await world.live.get(`usage/t15550190001/${hour}`),
      await world.live.get(`usage/t15550190002/${hour}`),
    ]).toEqual([2, 6]);
  });

  it('counts only texts Twilio accepted: a five-minute outage on one call leaves the next CRITICAL call its full text', async () => {
    const world = await watchedCall();
    world.deps.settings = { ...world.deps.settings, limits: LIMITS };
    await world.critical();
    world.clock.advance(60_000);
    const first = world.queue.escalations[0].task;
    world.sms.failing = new Set(ON_CALL);
    for (let attempt = 0; attempt < 20; attempt++, world.clock.advance(15_000)) {
      await expect(escalateCall(first, world.deps, { retryCount: attempt })).rejects.toThrow(
        'not accepted yet',
      );
    }
    world.sms.failing = new Set();
    expect(await escalateCall(first, world.deps, { retryCount: 20 })).toBe('escalated');
    const hour = hourKey(world.clock());
    expect(world.sms.attempts).toHaveLength(42); // 20 refused attempts and the accepted one, per number
    expect([
      await world.live.get(`usage/t15550190001/${hour}`),
      await world.live.get(`usage/t15550190002/${hour}`),
    ]).toEqual([1, 1]);
    expect(world.sms.sent.map((m) => m.body.slice(0, 40))).toEqual([
      'Aurora CRITICAL call from worker_001 (+1',
      'Aurora CRITICAL call from worker_001 (+1',
    ]);

    // The next CRITICAL call, from another worker, that hour: the cap of 1 is used, yet it gets its full text.
    const next = await criticalCallFrom(world, '+15550100002', callSid(2));
    world.clock.advance(60_000);
    expect(await escalateCall(next, world.deps)).toBe('escalated');
    const full =
      'Aurora CRITICAL call from +15550100002, not acknowledged after 60 s. Open https://aurora.example.com';
    expect(world.sms.sent.slice(2).map((m) => [m.to, m.body])).toEqual([
      ['+15550190001', full],
      ['+15550190002', full],
    ]);
  });

  it('puts a repeat text about a call under the cap: a run that died after Twilio accepted its text', async () => {
    const world = await watchedCall();
    world.deps.settings = { ...world.deps.settings, limits: LIMITS };
    await world.critical();
    world.clock.advance(60_000);
    const { task } = world.queue.escalations[0];
    world.sms.failing = new Set(ON_CALL);
    await expect(escalateCall(task, world.deps)).rejects.toThrow();
    // +0001: a run's text was accepted (a delivery report named it) but the run died before recording it.
    const path = `active_calls/${CALL_ID}/escalation/recipients/+15550190001`;
    await world.live.update({
      [`${path}/state`]: 'sending',
      [`${path}/sid`]: `SM${'9'.repeat(32)}`,
      [`${path}/at`]: '2025-10-04T14:20:00+05:30',
    });
    await world.live.update({ [`usage/t15550190001/${hourKey(world.clock())}`]: 1 });
    world.sms.failing = new Set();
    expect(await escalateCall(task, world.deps, { retryCount: 1 })).toBe('escalated');
    expect(world.sms.sent.map((m) => [m.to, m.body.slice(0, 40)])).toEqual([
      ['+15550190001', 'Aurora: more CRITICAL calls are waiting '],
      ['+15550190002', 'Aurora CRITICAL call from worker_001 (+1'],
    ]);
  });

  it('forgets usage counters older than the previous hour', () => {
    const now = new Date('2025-10-04T10:30:00Z');
    expect(hourKey(now)).toBe('2025100410');
    expect(
      expiredUsage({ n1555: { '2025100410': 1, '2025100409': 3, '2025100408': 2 } }, now),
    ).toEqual(['usage/n1555/2025100408']);
  });
});
