/**
 * Triage by asking (issue 23), through the use cases over the in-memory ports: unsure words
 * alarm at once but provisionally and get the key question; the caller's answer settles it;
 * silence, a dropped line or the escalation delay confirm it; the on-call staff are texted only
 * for a confirmed CRITICAL call; a supervisor may set urgency with a reason.
 */
import { describe, expect, it } from 'vitest';
import type { LiveCall, LiveMessage } from '@aurora/model';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { CONFIRM_WINDOW_MS } from '../../../functions/src/core/callUrgency';
import { watchedCall } from '../../helpers/calls';
import { callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';
const ANA = { id: 'ana@site.example' };

async function aCall() {
  const world = await watchedCall();
  const say = (speech: string, silentTurns = 0) =>
    world.write(() =>
      takeTurn({ callSid: callSid(1), speech, silentTurns, callHint: CALL_ID }, world.deps),
    );
  const call = async () => (await world.live.get(`active_calls/${CALL_ID}`)) as LiveCall;
  const lastReply = async () => {
    const messages = (await world.live.get(`active_conversations/${CONV_ID}/messages`)) as Record<
      string,
      LiveMessage
    >;
    const keys = Object.keys(messages).sort();
    return messages[keys[keys.length - 1]].content;
  };
  return { ...world, say, call, lastReply };
}

describe('unsure words', () => {
  it('alarm at once, marked unconfirmed, and Aurora asks the question that settles them', async () => {
    const { say, call, lastReply, queue } = await aCall();
    const twiml = await say('gary collapsed in the canteen');
    expect(await call()).toMatchObject({
      urgency: 'CRITICAL',
      urgency_provisional: true,
      question: { procedure: 'collapse', id: 'awake' },
    });
    expect(await lastReply()).toMatch(/Is the person awake and breathing normally\?$/);
    expect(twiml).toContain('Is the person awake and breathing normally?');
    expect(queue.escalations).toHaveLength(1); // the timer runs from the first alarm
  });

  it('fall on the caller’s reassuring answer, with the reason kept, and text nobody', async () => {
    const { say, call, clock, queue, sms, deps } = await aCall();
    await say('gary collapsed in the canteen');
    clock.advance(6000);
    await say('yes yes he is awake now sitting up and talking');
    const after = await call();
    expect(after.urgency).toBe('URGENT');
    expect(after.urgency_provisional).toBeUndefined();
    expect(Object.values(after.urgency_falls ?? {})).toEqual([
      expect.objectContaining({
        from: 'CRITICAL',
        to: 'URGENT',
        by: 'caller',
        reason: expect.stringContaining('he is awake now sitting up and talking'),
      }),
    ]);
    clock.advance(60_000);
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    expect(sms.sent).toEqual([]);
  });

  it('are confirmed by an alarming answer, and the on-call staff are texted at the delay', async () => {
    const { say, call, clock, queue, sms, deps, write } = await aCall();
    await say('gary collapsed in the canteen');
    clock.advance(6000);
    await say('no he is not breathing');
    expect(await call()).toMatchObject({ urgency: 'CRITICAL' });
    expect((await call()).urgency_provisional).toBeUndefined();
    clock.advance(60_000);
    expect(await write(() => escalateCall(queue.escalations[0].task, deps))).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
  });

  it('are confirmed by silence past the window, and never hung up on', async () => {
    const { say, call, clock } = await aCall();
    await say('gary collapsed in the canteen');
    clock.advance(CONFIRM_WINDOW_MS / 2);
    await say('', 0);
    expect((await call()).urgency_provisional).toBe(true);
    clock.advance(CONFIRM_WINDOW_MS / 2);
    const twiml = await say('', 1);
    expect((await call()).urgency_provisional).toBeUndefined();
    expect(twiml).not.toContain('<Hangup');
  });

  it('are confirmed when the line drops', async () => {
    const { say, call, deps, write } = await aCall();
    await say('gary collapsed in the canteen');
    await write(() => handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps));
    const after = await call();
    expect(after).toMatchObject({ status: 'ENDED', urgency: 'CRITICAL' });
    expect(after.urgency_provisional).toBeUndefined();
    expect(after.question).toBeUndefined();
  });

  it('still unanswered at the escalation delay, are confirmed and texted', async () => {
    const { say, call, clock, queue, sms, deps, write } = await aCall();
    await say('gary collapsed in the canteen');
    clock.advance(60_000);
    expect(await write(() => escalateCall(queue.escalations[0].task, deps))).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
    expect((await call()).urgency_provisional).toBeUndefined();
  });
});

describe('a drill', () => {
  it('raised on smoke, falls when the caller says it is the drill, and a new emergency gets its own timer', async () => {
    const { say, call, clock, queue, deps, sms, write } = await aCall();
    await say('there is smoke coming out of the switch room');
    expect(await call()).toMatchObject({ urgency: 'CRITICAL', urgency_provisional: true });
    clock.advance(5000);
    await say('oh no wait it is the smoke machine for the evacuation drill');
    expect((await call()).urgency).toBe('NORMAL');
    clock.advance(5000);
    await say('now someone has collapsed and he is not breathing');
    expect(await call()).toMatchObject({ urgency: 'CRITICAL' });
    expect(queue.escalations).toHaveLength(2);
    clock.advance(60_000);
    // The first rise's timer is spent; the new rise's own timer escalates it.
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    expect(await write(() => escalateCall(queue.escalations[1].task, deps))).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
  });
});

describe('words without a keyword, mid-call', () => {
  it('are taken in the call’s context, never with the opening line again', async () => {
    const { say, lastReply } = await aCall();
    await say('there is smoke coming out of the switch room');
    await say('nobody is inside we got everyone out');
    const reply = await lastReply();
    expect(reply).not.toMatch(/I am Aurora, the safety line/);
    expect(reply).toMatch(/^Understood\./);
  });
});

describe('a supervisor', () => {
  it('sets urgency with a reason: kept as a fall, noted in the transcript, and acknowledged at it', async () => {
    const { say, call, deps, write, live } = await aCall();
    await say('gary collapsed in the canteen');
    const result = await write(() =>
      controlCall(
        {
          action: 'urgency',
          callId: CALL_ID,
          urgency: 'URGENT',
          reason: 'I can see him on camera, he is up',
        },
        ANA,
        deps,
      ),
    );
    expect(result).toEqual({ ok: true, reached: true });
    const after = await call();
    expect(after).toMatchObject({
      urgency: 'URGENT',
      acknowledged_by: ANA.id,
      acknowledged_urgency: 'URGENT',
    });
    expect(Object.values(after.urgency_falls ?? {})).toEqual([
      expect.objectContaining({ by: 'supervisor', admin_id: ANA.id, to: 'URGENT' }),
    ]);
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as Record<string, LiveMessage>,
    );
    expect(
      messages.some(
        (m) => m.role === 'system' && /set the urgency from CRITICAL to URGENT/.test(m.content),
      ),
    ).toBe(true);
  });

  it('cannot set urgency on a call that is no longer live', async () => {
    const { deps } = await aCall();
    const result = await controlCall(
      {
        action: 'urgency',
        callId: 'call_15550100009_20251004_143000',
        urgency: 'NORMAL',
        reason: 'a test',
      },
      ANA,
      deps,
    );
    expect(result).toMatchObject({ ok: false, code: 'not-found' });
  });
});

describe('words about a person that point at no procedure', () => {
  it('get the question whether the person is awake and breathing, and an alarming answer makes the call CRITICAL', async () => {
    const { say, call, lastReply } = await aCall();
    await say("there's a guy in the water down at the docks");
    expect(await lastReply()).toMatch(/Is the person awake( and breathing normally)?\?$/);
    expect((await call()).question).toMatchObject({ id: 'awake' });
    await say('no he is not moving at all');
    expect((await call()).urgency).toBe('CRITICAL');
  });

  it('in other languages too, and not for words about no one', async () => {
    const { mentionsPerson } = await import('../../../functions/src/assistant/people');
    expect(mentionsPerson('die Kollegin ist so komisch')).toBe(true);
    expect(mentionsPerson('un compañero está raro en el invernadero')).toBe(true);
    expect(mentionsPerson('o colega está estranho')).toBe(true);
    expect(mentionsPerson('mon collègue ne va pas bien')).toBe(true);
    expect(mentionsPerson('the printer on the second floor is jammed')).toBe(false);
  });
});

describe('found by review', () => {
  it('a drill answered about smoke does not lower a call already sure to be CRITICAL', async () => {
    const { say, call } = await aCall();
    await say('my colleague is not breathing');
    await say('and there is smoke in the hallway');
    await say('oh that is just the smoke machine for the drill');
    expect((await call()).urgency).toBe('CRITICAL');
    expect((await call()).urgency_falls).toBeUndefined();
  });

  it('a hedged or doubting answer confirms instead of lowering', async () => {
    for (const [first, answer] of [
      ['there is smoke coming out of the switch room', 'i do not think this is a drill'],
      ['there is smoke coming out of the switch room', 'nobody told us about a drill'],
      ['there is smoke coming out of the switch room', 'i thought it was the drill but it is not'],
      ['gary collapsed in the canteen', 'yes he was talking but now he is not'],
      ['gary collapsed in the canteen', 'he was awake a minute ago'],
      ['gary collapsed in the canteen', 'he opened his eyes for a second'],
    ]) {
      const { say, call } = await aCall();
      await say(first);
      await say(answer);
      expect((await call()).urgency, `${first} / ${answer}`).toBe('CRITICAL');
    }
  });

  it('an acknowledgement given before a fall does not cover a new rise, which gets its own timer', async () => {
    const { say, call, deps, write, queue, clock, sms } = await aCall();
    await say('there is smoke coming out of the switch room');
    await write(() => controlCall({ action: 'ack', callId: CALL_ID }, ANA, deps));
    await say('no no it is just the drill');
    expect(await call()).toMatchObject({ urgency: 'NORMAL', acknowledged_urgency: 'NORMAL' });
    clock.advance(5000);
    await say('now someone has collapsed and he is not breathing');
    expect(queue.escalations).toHaveLength(2);
    clock.advance(60_000);
    expect(await escalateCall(queue.escalations[0].task, deps)).toBe('not-needed');
    expect(await write(() => escalateCall(queue.escalations[1].task, deps))).toBe('escalated');
    expect(sms.sent).toHaveLength(2);
  });

  it('taking the call closes Aurora’s question: the caller’s “no” to the supervisor lowers nothing', async () => {
    const { say, call, deps, write } = await aCall();
    await say('there is smoke coming out of the switch room');
    await write(() => controlCall({ action: 'take', callId: CALL_ID }, ANA, deps));
    expect((await call()).question).toBeUndefined();
    await say('no');
    expect((await call()).urgency).toBe('CRITICAL');
  });
});

describe('first words that point at nothing and name no one', () => {
  it('get the question whether anyone is hurt; a yes then asks whether the person is awake', async () => {
    const { say, call, lastReply } = await aCall();
    await say('se volcó el tractor en la parcela');
    expect(await lastReply()).toMatch(/\?$/);
    expect((await call()).question).toMatchObject({ id: 'hurt' });
    await say('yes he is hurt');
    expect((await call()).urgency).not.toBe('NORMAL');
    await say('no he is not awake he does not answer');
    expect((await call()).urgency).toBe('CRITICAL');
  });
});

describe('a supervisor’s decision while Aurora is answering', () => {
  it('is not overruled by the reply being composed from the same words', async () => {
    const { say, call, deps, write } = await aCall();
    await say('gary collapsed in the canteen');
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    deps.responder = {
      respond: async () => (
        await gate,
        { text: 'Start CPR now.', urgency: 'CRITICAL', sources: [] }
      ),
    };
    const turn = say('he is lying there');
    await new Promise((r) => setTimeout(r, 0));
    await write(() =>
      controlCall(
        {
          action: 'urgency',
          callId: CALL_ID,
          urgency: 'URGENT',
          reason: 'on camera he is sitting up',
        },
        ANA,
        deps,
      ),
    );
    release();
    await turn;
    expect((await call()).urgency).toBe('URGENT');
  });
});
