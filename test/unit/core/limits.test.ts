import { describe, expect, it } from 'vitest';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { expiredUsage, hourKey, textDecision } from '../../../functions/src/core/limits';
import type { Reply } from '../../../functions/src/assistant/responder';
import { watchedCall } from '../../helpers/calls';
import { memoryDeps } from '../../helpers/fakes';
import { SETTINGS, callSid } from '../../helpers/fixtures';

const LIMITS = { modelTurnsPerCall: 3, modelCallsPerNumberPerHour: 2, escalationTextsPerHour: 1 };
const modelReply: Reply = { text: 'The model says: stay calm and move away.', urgency: 'NORMAL', sources: [] };

describe('cost ceilings', () => {
  it('answers offline past the model turns of a call, still triaging a fire as CRITICAL', async () => {
    const { deps, live } = memoryDeps({ settings: { ...SETTINGS, limits: LIMITS } });
    deps.responder = { respond: async () => modelReply };
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    const callId = (await live.get(`call_sids/${callSid(1)}`)) as string;
    const said: string[] = [];
    for (const speech of ['hello', 'I am at the tank', 'what now', "There's a fire in Zone A"]) {
      said.push(await takeTurn({ callSid: callSid(1), speech, silentTurns: 0, callHint: callId }, deps));
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
    const offline = async (n: number) => (await live.get(`active_calls/${(await live.get(`call_sids/${callSid(n)}`)) as string}/offline_only`)) === true;
    expect([await offline(1), await offline(2), await offline(3)]).toEqual([false, false, true]);
    clock.advance(3600_000);
    await startCall({ callSid: callSid(4), from: '+15550100001' }, deps);
    expect(await offline(4)).toBe(false);
  });

  it('sends one summary text past the hourly cap per on-call number, then holds, never failing the escalation', async () => {
    expect([1, 2, 3].map((n) => textDecision(n, LIMITS))).toEqual(['send', 'summary', 'hold']);
    const world = await watchedCall();
    world.deps.settings = { ...world.deps.settings, limits: LIMITS };
    await world.critical();
    world.clock.advance(60_000);
    const hour = hourKey(world.clock());
    await world.live.update({ [`usage/t15550190001/${hour}`]: 1, [`usage/t15550190002/${hour}`]: 5 }); // this hour's texts so far
    expect(await escalateCall(world.queue.escalations[0].task, world.deps)).toBe('escalated');
    expect(world.sms.sent.map((m) => [m.to, m.body.slice(0, 40)])).toEqual([['+15550190001', 'Aurora: more CRITICAL calls are waiting ']]);
    const recipients = (await world.live.get('active_calls/call_15550100001_20251004_143000/escalation/recipients')) as Record<string, { state: string; sid?: string }>;
    expect(Object.values(recipients).map((r) => [r.state, !!r.sid])).toEqual([
      ['held', true],
      ['held', false],
    ]);
  });

  it('forgets usage counters older than the previous hour', () => {
    const now = new Date('2025-10-04T10:30:00Z');
    expect(hourKey(now)).toBe('2025100410');
    expect(expiredUsage({ n1555: { '2025100410': 1, '2025100409': 3, '2025100408': 2 } }, now)).toEqual(['usage/n1555/2025100408']);
  });
});
