/**
 * The paths that lost an emergency at its edges (issue 21): a caller who goes quiet, a line that
 * drops, words said while a supervisor holds the call, a speculation triaged otherwise than the
 * final words, one failed database operation, and the turn's deadline. Each test failed on the
 * code before the fix it names.
 */
import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { recordPartial } from '../../../functions/src/calls/partialSpeech';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import { MAX_SILENT_TURNS, REASSURE_EVERY, onSilence } from '../../../functions/src/core/silence';
import type { LiveDb } from '../../../functions/src/ports';
import type { LiveCall, LiveMessage } from '@aurora/model';
import { ADMINS, watchedCall } from '../../helpers/calls';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';
import { liveRecords, liveWith, refusing } from '../../helpers/memoryDb';

/** What is left of calls in the live database (admins, alerts and the summary are not a call's). */
const callRecords = (tree: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(liveRecords(tree)).filter(
      ([key]) => !['admins', 'admin_alerts', 'live_summary'].includes(key),
    ),
  );

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
const ANA = { id: 'ana@site.example' };

async function ringing() {
  const world = memoryDeps();
  await world.live.update({ admins: ADMINS });
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  world.clock.advance(5000);
  const say = (speech: string, extra: Partial<Parameters<typeof takeTurn>[0]> = {}) =>
    takeTurn(
      { callSid: callSid(1), speech, silentTurns: 0, callHint: CALL_ID, ...extra },
      world.deps,
    );
  const call = async () => (await world.live.get(`active_calls/${CALL_ID}`)) as LiveCall;
  const messages = async () =>
    Object.values(
      ((await world.live.get(`active_conversations/${CONV_ID}/messages`)) ?? {}) as Record<
        string,
        LiveMessage
      >,
    );
  return { ...world, say, call, messages };
}

describe('silence', () => {
  it('decides: ask again, then goodbye on an ordinary call; on an emergency never goodbye, and a word now and then', () => {
    expect([1, 2, 3, 4].map((n) => onSilence(n, 'NORMAL'))).toEqual([
      'reprompt',
      'reprompt',
      'close',
      'close',
    ]);
    const steps = Array.from({ length: 12 }, (_, i) => onSilence(i + 1, 'CRITICAL'));
    expect(steps).not.toContain('close');
    expect(steps.filter((s) => s === 'reassure')).toHaveLength(2);
    expect(onSilence(MAX_SILENT_TURNS + REASSURE_EVERY, 'URGENT')).toBe('reassure');
    expect(onSilence(MAX_SILENT_TURNS + 1, 'URGENT')).toBe('listen');
  });

  it('never hangs up on a CRITICAL caller who goes quiet (doing CPR, or overcome), and shows the silence', async () => {
    const { say, call, messages, clock } = await ringing();
    await say("He's not breathing");
    const answers: string[] = [];
    for (let silent = 0; silent < 12; silent++) {
      answers.push(await say('', { silentTurns: silent }));
      clock.advance(6000);
    }
    for (const twiml of answers) {
      expect(twiml).not.toContain('<Hangup');
      expect(twiml).toContain('<Gather');
    }
    expect(answers.filter((t) => t.includes('Aurora is still here'))).toHaveLength(2);
    expect(answers.filter((t) => !t.includes('<Say'))).toHaveLength(8); // listening, not talking over them
    expect(await call()).toMatchObject({
      status: 'ACTIVE',
      urgency: 'CRITICAL',
      quiet_since: expect.any(String),
    });
    const spoken = (await messages()).filter((m) => m.role === 'assistant').map((m) => m.content);
    expect(spoken.filter((m) => m.includes('Aurora is still here'))).toHaveLength(2); // what was said is recorded
    expect(spoken.some((m) => m.includes('ending this call'))).toBe(false);
  });

  it('escalates a CRITICAL call whose line dropped, keeps it live and alarming until acknowledged, then archives it', async () => {
    const { deps, live, queue, archive, sms, critical, clock, alerts } = await watchedCall();
    await critical();
    await handleStatus({ callSid: callSid(1), callStatus: 'completed', durationSeconds: 30 }, deps);
    await queue.runAll(deps);
    // Archived, so nothing is lost, but kept live: nobody has seen it yet.
    expect(archive.plans.size).toBe(1);
    expect(await live.get(`active_calls/${CALL_ID}/status`)).toBe('ENDED');
    clock.advance(61_000);
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
    expect(Object.keys((await alerts('uid_ana')) ?? {})).toContain(`${CALL_ID}~critical`);

    expect(await controlCall({ action: 'ack', callId: CALL_ID }, ANA, deps)).toEqual({
      ok: true,
      reached: false,
    });
    await queue.runAll(deps);
    expect(callRecords(live.tree)).toEqual({});
    expect(archive.plans.size).toBe(1);
  });

  it('a supervisor who ends a CRITICAL call has it in hand: it is archived and purged', async () => {
    const { deps, live, queue, critical } = await watchedCall();
    await critical();
    await controlCall({ action: 'end', callId: CALL_ID }, ANA, deps);
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(callRecords(live.tree)).toEqual({});
  });
});

describe('while a supervisor holds the call', () => {
  it("triages the caller's words without Aurora speaking, so handing back acknowledges the call at CRITICAL", async () => {
    const { deps, say, call } = await ringing();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, deps);
    expect((await call()).urgency).toBe('NORMAL');
    const twiml = await say('He has collapsed and stopped breathing');
    expect(twiml).not.toContain('<Say');
    expect((await call()).urgency).toBe('CRITICAL');
    await controlCall({ action: 'release', callId: CALL_ID }, ANA, deps);
    expect(await call()).toMatchObject({ urgency: 'CRITICAL', acknowledged_urgency: 'CRITICAL' });
  });
});

describe('a cold instance', () => {
  it('opens the turn without waiting for the procedures, and still raises urgency from the words before answering', async () => {
    const { deps, say, call } = await ringing();
    const library = deps.procedures;
    let opened = false;
    deps.procedures = {
      all: async () => (
        await new Promise((r) => setTimeout(r, 50)),
        (opened = typeof (await call()).turn_started_at === 'string'),
        library.all()
      ),
    };
    await say('he has collapsed and is not breathing');
    expect(opened).toBe(true); // the turn was open before the procedures arrived
    expect((await call()).urgency).toBe('CRITICAL');
  });
});

describe('a speculated reply', () => {
  it('is not used when punctuation makes the final words triage otherwise', async () => {
    const { deps, call, messages } = await ringing();
    const gather = '0000000aaaa';
    await recordPartial(
      {
        callSid: callSid(1),
        callHint: CALL_ID,
        gather,
        sequence: 1,
        text: 'no there is a fire in the store',
        stable: 'no there is a fire in the store',
      },
      deps,
    );
    expect(await deps.live.get(`active_conversations/${CONV_ID}/speculation/reply/urgency`)).toBe(
      'NORMAL',
    ); // read as a denial
    const timings: Record<string, number> = {};
    const twiml = await takeTurn(
      {
        callSid: callSid(1),
        speech: 'No, there is a fire in the store.',
        silentTurns: 0,
        callHint: CALL_ID,
        gather,
      },
      deps,
      timings,
    );
    expect(timings.speculation).toBe(0);
    expect((await call()).urgency).toBe('CRITICAL');
    expect(twiml).toContain('Leave the area now');
    expect((await messages()).at(-1)!.content).toContain('call emergency services');
  });
});

describe('one failed database operation', () => {
  it("does not lose the caller's words when opening the turn fails once", async () => {
    const { deps, live, say, call, messages } = await ringing();
    deps.live = refusing(live, 'transact', 1, 'transaction aborted: too many retries');
    await say('fire, someone is trapped');
    expect((await call()).urgency).toBe('CRITICAL');
    expect((await messages()).map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
  });

  it('records the words once when opening the turn timed out but committed (the retry knows the turn as its own)', async () => {
    const { deps, live, say, messages } = await ringing();
    let slow = 1;
    deps.live = liveWith(live, {
      transact: async (path, next) => {
        const result = await live.transact(path, next);
        if (slow-- > 0) throw new Error('transaction took longer than 3000 ms'); // committed, but reported as failed
        return result;
      },
    });
    await say('fire, someone is trapped', { gather: '0000000bbbb' });
    expect((await messages()).map((m) => m.role)).toEqual(['assistant', 'user', 'assistant']);
  });

  it('records the words on the call the action URL names when the turn cannot be opened at all', async () => {
    const { deps, live, say, messages, call } = await ringing();
    deps.live = refusing(live, 'transact', 3, 'transaction aborted: too many retries');
    const twiml = await say('fire, someone is trapped');
    expect(twiml).toContain('Leave the area now');
    expect((await messages()).slice(1)).toMatchObject([
      { role: 'user', content: 'fire, someone is trapped' },
      { role: 'assistant', content: expect.stringContaining('Leave the area now') },
    ]);
    expect((await call()).urgency).toBe('CRITICAL');
  });

  it('at the status callback, ends and archives the real call once, with no phantom archive', async () => {
    const { deps, live, say, queue, archive } = await ringing();
    await say('I am fine, just testing the line');
    let failures = 1;
    deps.live = {
      ...live,
      get: (path) => (failures-- > 0 ? Promise.reject(new Error('read failed')) : live.get(path)),
      update: (c) => live.update(c),
      transact: (p, n) => live.transact(p, n),
    };
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 20, from: '+15550100001' },
        deps,
      ),
    ).toBe('end');
    await queue.runAll(deps);
    expect([...archive.plans.values()].map((p) => p.callId)).toEqual([CALL_ID]);
    expect(callRecords(live.tree)).toEqual({});
  });

  it('replaces the stand-in archived from a status callback when the live record is archived after all', async () => {
    const { deps, live, say, queue, archive } = await ringing();
    await say('I am fine, just testing the line');
    const down: LiveDb = {
      get: () => Promise.reject(new Error('down')),
      update: () => Promise.reject(new Error('down')),
      transact: () => Promise.reject(new Error('down')),
    };
    deps.live = down;
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 20, from: '+15550100001' },
        deps,
      ),
    ).toBe('archived-from-callback');
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 20, from: '+15550100001' },
        deps,
      ),
    ).toBe('archived-from-callback');
    expect(archive.plans.size).toBe(1); // a repeated callback writes the same stand-in
    deps.live = live;
    expect(
      await handleStatus(
        { callSid: callSid(1), callStatus: 'completed', durationSeconds: 20, from: '+15550100001' },
        deps,
      ),
    ).toBe('end');
    await queue.runAll(deps);
    expect([...archive.plans.values()].map((p) => p.callId)).toEqual([CALL_ID]);
  });
});

describe("the turn's deadline", () => {
  it('records the fallback the caller heard when the deadline answered first, and still raises urgency', async () => {
    const { deps, say, messages, call } = await ringing();
    const answer = new FirstAnswer();
    answer.settle({
      text: 'Leave the area now. Call emergency services.',
      language: 'en',
      urgency: 'CRITICAL',
      sources: [],
      fallback: 'deadline',
    });
    deps.responder = {
      respond: async () => ({
        text: 'The model answered, too late to be heard.',
        urgency: 'CRITICAL',
        sources: [],
      }),
    };
    await say('there is smoke and a man on the floor', { answer });
    const said = (await messages()).at(-1)!;
    expect(said).toMatchObject({
      role: 'assistant',
      content: 'Leave the area now. Call emergency services.',
      fallback: 'deadline',
    });
    expect((await call()).urgency).toBe('CRITICAL');
  });

  it("speaks the turn's own answer when the deadline fires while its writes are under way", async () => {
    const { say } = await ringing();
    const answer = new FirstAnswer();
    const twiml = await say('there is a fire in the paint store', { answer });
    const late = answer.settle({
      text: 'a fallback',
      language: 'en',
      urgency: 'NORMAL',
      sources: [],
    });
    expect(twiml).toContain(late.text);
  });
});

describe("the call's model ceiling", () => {
  it('counts speculations, which are model calls: past it nothing is started early and the turn answers offline', async () => {
    const { deps, live } = await ringing();
    deps.settings = { ...deps.settings, limits: { ...deps.settings.limits, modelTurnsPerCall: 3 } }; // the greeting and two speculations
    let asked = 0;
    deps.responder = {
      respond: async () => (
        asked++,
        { text: 'Stay where you are.', urgency: 'NORMAL', sources: [] }
      ),
    };
    const partial = (gather: string, stable: string) =>
      recordPartial(
        { callSid: callSid(1), callHint: CALL_ID, gather, sequence: 1, text: stable, stable },
        deps,
      );
    await partial('0000000aaa1', 'the forklift is leaking oil');
    await partial('0000000aaa2', 'the pallet racking is leaning over');
    expect(asked).toBe(2);
    expect(await live.get(`active_conversations/${CONV_ID}/speculated`)).toBe(2);
    await partial('0000000aaa3', 'the loading dock door is stuck open');
    expect(asked).toBe(2); // the ceiling is reached: no third model call
    await takeTurn(
      {
        callSid: callSid(1),
        speech: 'the loading dock door is stuck open',
        silentTurns: 0,
        callHint: CALL_ID,
        gather: '0000000aaa3',
      },
      deps,
    );
    expect(asked).toBe(2);
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as Record<string, LiveMessage>,
    );
    expect(messages.at(-1)!.fallback).toBe('ceiling');
  });
});
