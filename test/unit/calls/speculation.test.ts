import { describe, expect, it } from 'vitest';
import { offlineResponder } from '../../../functions/src/assistant/offlineResponder';
import type { Responder, ResponderInput } from '../../../functions/src/assistant/responder';
import { recordPartial } from '../../../functions/src/calls/partialSpeech';
import { SPECULATION_COUNTERS } from '../../../functions/src/steps/speculation';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { hourKey } from '../../../functions/src/core/limits';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
const GATHER = '0000000aaaa';

/** The offline responder, counting what it is asked and holding each answer until released. */
function heldResponder() {
  const asked: string[] = [];
  let release: () => void = () => {};
  let held = Promise.resolve();
  const responder: Responder = {
    async respond(input: ResponderInput) {
      asked.push(input.utterance);
      await held;
      return offlineResponder.respond(input);
    },
  };
  const hold = () => {
    held = new Promise((resolve) => (release = resolve));
  };
  return { responder, asked, hold, release: () => release() };
}

async function setUp(responder: Responder = heldResponder().responder) {
  const world = memoryDeps({ responder });
  await startCall({ callSid: callSid(1), from: '+15550100001' }, world.deps);
  const partial = (sequence: number, stable: string, unstable = '') =>
    recordPartial(
      {
        callSid: callSid(1),
        callHint: CALL_ID,
        gather: GATHER,
        sequence,
        text: `${stable} ${unstable}`.trim(),
        stable,
      },
      world.deps,
    );
  const turn = (speech: string) =>
    takeTurn(
      { callSid: callSid(1), speech, silentTurns: 0, callHint: CALL_ID, gather: GATHER },
      world.deps,
    );
  const counter = async (key: string) =>
    (await world.live.get(`usage/${key}/${hourKey(world.clock())}`)) ?? 0;
  const messages = async () =>
    Object.values(
      ((await world.live.get(`active_conversations/${CONV_ID}/messages`)) ?? {}) as Record<
        string,
        { role: string; content: string }
      >,
    );
  return { ...world, partial, turn, counter, messages };
}

describe('speculative replies', () => {
  it('answers a turn with the reply started on the stable words, asking the responder once, and keeps it out of the transcript until then', async () => {
    const { responder, asked } = heldResponder();
    const { partial, turn, counter, messages, live } = await setUp(responder);
    const before = await messages();
    await partial(1, 'there is a fire in', 'the paint');
    expect(asked).toEqual(['there is a fire in']);
    expect(await live.get(`active_conversations/${CONV_ID}/speculation/state`)).toBe('ready');
    expect(await messages()).toEqual(before);

    const twiml = await turn('There is a fire in.');
    expect(asked).toEqual(['there is a fire in']); // not asked again
    expect(twiml).toMatch(/fire/i);
    const after = await messages();
    expect(after.slice(before.length).map((m) => m.role)).toEqual(['user', 'assistant']);
    expect(await counter(SPECULATION_COUNTERS.hit)).toBe(1);
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL'); // the speculated reply's triage counts
    // A partial of the answered Gather arriving late starts nothing.
    await partial(2, 'there is a fire in the paint store');
    expect(asked).toHaveLength(1);
  });

  it('answers afresh, and counts the speculation wasted, when the final words say something else', async () => {
    const { responder, asked } = heldResponder();
    const { partial, turn, counter } = await setUp(responder);
    await partial(1, 'my colleague is breathing');
    await turn('my colleague is not breathing');
    expect(asked).toEqual(['my colleague is breathing', 'my colleague is not breathing']);
    expect(await counter(SPECULATION_COUNTERS.wasted)).toBe(1);
    expect(await counter(SPECULATION_COUNTERS.hit)).toBe(0);
  });

  it('keeps one speculation in flight per Gather, and the turn waits for it rather than asking again', async () => {
    const held = heldResponder();
    const { partial, turn, counter } = await setUp(held.responder);
    held.hold();
    const first = partial(1, 'the forklift battery is smoking');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await partial(2, 'the forklift battery is smoking badly')).toBe('recorded'); // shown, not speculated on
    expect(held.asked).toEqual(['the forklift battery is smoking']);
    const answering = turn('the forklift battery is smoking');
    await new Promise((resolve) => setTimeout(resolve, 50));
    held.release();
    await Promise.all([first, answering]);
    expect(held.asked).toEqual(['the forklift battery is smoking']);
    expect(await counter(SPECULATION_COUNTERS.hit)).toBe(1);
  });

  it('catches up with stable words that arrived while a speculation was in flight', async () => {
    const held = heldResponder();
    const { partial, turn, counter } = await setUp(held.responder);
    held.hold();
    const first = partial(1, 'someone is trapped');
    await new Promise((resolve) => setTimeout(resolve, 20));
    await partial(2, 'someone is trapped under the press');
    held.release();
    await first; // held until the caller's latest words have their reply too
    expect(held.asked).toEqual(['someone is trapped', 'someone is trapped under the press']);
    await turn('Someone is trapped under the press.');
    expect(held.asked).toHaveLength(2);
    expect(await counter(SPECULATION_COUNTERS.hit)).toBe(1);
  });

  it('replaces a finished speculation when the stable words grow, counting the old one wasted', async () => {
    const { responder, asked } = heldResponder();
    const { partial, turn, counter } = await setUp(responder);
    await partial(1, 'someone fell from');
    await partial(2, 'someone fell from the scaffold');
    expect(asked).toEqual(['someone fell from', 'someone fell from the scaffold']);
    expect(await counter(SPECULATION_COUNTERS.wasted)).toBe(1);
    await turn('someone fell from the scaffold');
    expect(asked).toHaveLength(2);
    expect(await counter(SPECULATION_COUNTERS.hit)).toBe(1);
  });

  it('gives the responder only the time left after waiting in vain for a speculation', async () => {
    const asked: Array<{ utterance: string; withinMs?: number }> = [];
    let first = true;
    const responder: Responder = {
      async respond(input) {
        asked.push({ utterance: input.utterance, withinMs: input.withinMs });
        if (first) {
          first = false;
          await new Promise(() => {}); // the speculation's model call never returns
        }
        return offlineResponder.respond(input);
      },
    };
    const { deps, partial } = await setUp(responder);
    void partial(1, 'the compressor is making a loud banging noise');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const deadline = performance.now() + 4000;
    const started = performance.now();
    await takeTurn(
      {
        callSid: callSid(1),
        speech: 'the compressor is making a loud banging noise',
        silentTurns: 0,
        callHint: CALL_ID,
        gather: GATHER,
        deadline,
      },
      deps,
    );
    const waited = performance.now() - started;
    expect(waited).toBeGreaterThanOrEqual(1400); // it waited for the speculation (4 s - 1 s reserve - 1.5 s kept)
    expect(asked).toHaveLength(2);
    // The turn's own responder gets what is left, not the 3 s the turn had when it began.
    expect(asked[1].withinMs!).toBeLessThanOrEqual(3000 - 1400);
  });

  it('does not wait for a speculation that died with its request', async () => {
    const { responder, asked } = heldResponder();
    const { turn, counter, live, clock } = await setUp(responder);
    const longAgo = new Date(clock().getTime() - 20_000);
    const started_at = `${longAgo.toISOString().slice(0, 19)}Z`;
    await live.update({
      [`active_conversations/${CONV_ID}/speculation`]: {
        gather: GATHER,
        id: 'x',
        count: 1,
        text: 'the tank is leaking fast',
        state: 'thinking',
        started_at,
      },
    });
    await turn('the tank is leaking fast');
    expect(asked).toEqual(['the tank is leaking fast']);
    expect(await counter(SPECULATION_COUNTERS.wasted)).toBe(1);
  });

  it('starts at most four speculations on one Gather, however long the caller talks', async () => {
    const { responder, asked } = heldResponder();
    const { partial } = await setUp(responder);
    const words =
      'there is a lot of smoke coming out of the motor room and the alarm is going off everywhere'.split(
        ' ',
      );
    for (let n = 3; n <= words.length; n++) await partial(n, words.slice(0, n).join(' '));
    expect(asked).toHaveLength(4);
  });

  it('does not speculate while a human holds the call, or when turned off', async () => {
    const { responder, asked } = heldResponder();
    const { partial, live, deps } = await setUp(responder);
    await live.update({
      [`active_calls/${CALL_ID}/mode`]: 'human',
      [`active_calls/${CALL_ID}/admin_id`]: 'ana@site.example',
    });
    await partial(1, 'there is a fire in the store');
    expect(asked).toEqual([]);
    await live.update({
      [`active_calls/${CALL_ID}/mode`]: 'ai',
      [`active_calls/${CALL_ID}/admin_id`]: null,
    });
    deps.settings = { ...deps.settings, speculate: false };
    await partial(2, 'there is a fire in the store');
    expect(asked).toEqual([]);
  });
});

describe('a speculated reply to unsure words', () => {
  it('opens its key question on the call, as the turn’s own reply would', async () => {
    const { responder, asked } = heldResponder();
    const { partial, turn, live } = await setUp(responder);
    await partial(1, 'gary collapsed in the canteen');
    expect(await turn('gary collapsed in the canteen')).toContain(
      'Is the person awake and breathing normally?',
    );
    expect(asked).toEqual(['gary collapsed in the canteen']); // the speculation was used
    expect(await live.get(`active_calls/${CALL_ID}/question`)).toMatchObject({
      procedure: 'collapse',
      id: 'awake',
    });
    expect(await live.get(`active_calls/${CALL_ID}/urgency_provisional`)).toBe(true);
  });
});
