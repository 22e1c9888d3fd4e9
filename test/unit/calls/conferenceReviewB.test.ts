/**
 * Review findings B on the conference (issue 24): the leaving rule is retried when it fails, a
 * leg answered late still joins a caller it moved, a hand-back is never undone by a leg rung
 * before it, and a late callback of an earlier conference changes nothing.
 */
import { describe, expect, it } from 'vitest';
import { conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { sweepCalls } from '../../../functions/src/calls/sweepCalls';
import { browserLeg } from '../../../functions/src/calls/voiceLegs';
import { AuroraError } from '../../../functions/src/core/errors';
import type { CallAction } from '@aurora/model';
import { browserWebhook } from '../../../functions/src/triggers/conferenceWebhooks';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import type { LiveDb } from '../../../functions/src/ports';
import {
  ANA,
  ANA_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  type ConferenceWorld,
  conferenceCall,
} from '../../helpers/conference';
import { refusing } from '../../helpers/memoryDb';

const leave = (leg: string, sid = CONFERENCE) => ({
  callId: CALL_ID,
  event: 'participant-leave',
  conferenceSid: sid,
  callSid: leg,
  participantCallStatus: 'completed',
});

const act = (world: ConferenceWorld, action: CallAction) => controlCall(action, ANA, world.deps);

/** Fails when `promise` has not settled within `ms`. */
const within = <T>(promise: Promise<T>, ms = 1000) =>
  Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error('still waiting')), ms)),
  ]);

describe('B1: the leaving rule is retried when it fails', () => {
  it('fails the participant-leave callback (a 500) when the database keeps refusing to record the leg leaving', async () => {
    const world = await conferenceCall();
    await world.talk();
    // Three refusals: every attempt the callback makes (one refusal is retried: conferenceRetries.test.ts).
    const deps = { ...world.deps, live: refusing(world.live, 'transact', 3) };
    await expect(conferenceEvent(leave(ANA_BROWSER), deps)).rejects.toThrow('database unavailable');
  });

  it('fails the callback, never reporting the caller returned, when Twilio can neither end the conference nor move them', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.voice.refuseNext = new AuroraError('Ending the conference failed', { retryable: true });
    const redirect = world.voice.redirect.bind(world.voice);
    world.voice.redirect = () => Promise.reject(new AuroraError('Twilio unreachable'));
    await expect(conferenceEvent(leave(ANA_BROWSER), world.deps)).rejects.toThrow(
      'could not be moved back',
    );
    // The sweeper applies the rule again once Twilio answers.
    world.voice.redirect = redirect;
    await sweepCalls(world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('has the sweeper return a caller whose last human dropped without a participant-leave', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.voice.gone.add(ANA_BROWSER); // her leg ended at Twilio; its callback never came
    await sweepCalls(world.deps);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('leaves a caller still talking with someone alone in the sweep', async () => {
    const world = await conferenceCall();
    await world.talk();
    await sweepCalls(world.deps);
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.members())[ANA_BROWSER].state).toBe('joined');
  });
});

describe('B2: a browser leg answered late still joins the caller it moved', () => {
  it('answers with the conference TwiML without waiting on the transcript note', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    const live = world.live;
    // The transcript's write never settles.
    const deps = {
      ...world.deps,
      live: {
        get: (path: string) => live.get(path),
        transact: live.transact.bind(live),
        update: (changes: Record<string, unknown>) =>
          Object.keys(changes).some((path) => path.startsWith('active_conversations/'))
            ? new Promise<void>(() => {})
            : live.update(changes),
      } satisfies LiveDb,
    };
    const answer = await within(
      browserLeg(
        { legSid: ANA_BROWSER, from: `client:${ANA.uid}`, callId: CALL_ID, mode: 'talk' },
        deps,
      ),
    );
    expect(answer).toContain('<Conference');
  });

  it('has the deadline fallback answer with the conference TwiML once the caller was moved', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    const body = {
      CallSid: ANA_BROWSER,
      From: `client:${ANA.uid}`,
      callId: CALL_ID,
      mode: 'talk' as const,
    };
    const request = { answer: new FirstAnswer() };
    const query = new URLSearchParams();
    const twiml = await browserWebhook.run(body, world.deps, query, {}, request);
    expect(world.voice.sent.at(-1)).toMatchObject({ callSid: CALLER }); // the caller was moved
    expect(browserWebhook.answerWithin!.fallback(body, world.deps, query, request)).toBe(twiml);
    // A request that moved nobody still hears it could not be connected.
    expect(
      browserWebhook.answerWithin!.fallback(body, world.deps, query, { answer: new FirstAnswer() }),
    ).toContain('could not connect you in time');
  });
});

describe('B3: a hand-back is never undone by a leg rung before it', () => {
  it('refuses a transfer leg pressing 1 while the hand-back is under way, and the caller stays with Aurora', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    const leg = world.lastLeg();
    // The on-call presses 1 just after the hand-back's transaction, before its legs are dropped.
    const redirect = world.voice.redirect.bind(world.voice);
    let pressed: string | undefined;
    world.voice.redirect = async (callSid, twiml) => {
      const outcome = await redirect(callSid, twiml);
      if (pressed === undefined && callSid === CALLER && twiml.includes('Aurora here again')) {
        pressed = '';
        pressed = await world.press('1', leg);
      }
      return outcome;
    };
    expect(await act(world, { action: 'release', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(pressed).toContain('You are no longer needed on this call. Goodbye.');
    expect((await world.members())[leg.sid].state).toBe('left');
    expect(await world.call()).toMatchObject({ mode: 'ai', conference: { caller_in: false } });
    // The caller was never moved into a conference.
    expect(
      world.voice.sent.filter((s) => s.callSid === CALLER && s.twiml?.includes('<Conference')),
    ).toEqual([]);
  });

  it('lets a leg rung while nobody held the call ("Call me") join and take it', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'callme', callId: CALL_ID });
    expect(await world.press('1')).toContain('<Conference');
    expect(await world.call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
  });
});

describe('B4: a late callback of an earlier conference changes nothing', () => {
  it('ignores a participant-leave naming another conference', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(leave(ANA_BROWSER, `CF${'0'.repeat(32)}`), world.deps);
    expect((await world.members())[ANA_BROWSER].state).toBe('joined');
    expect(world.voice.endedConferences).toEqual([]);
  });

  it('ignores a conference-end, before this conference is named, that Twilio timed before the caller was moved in', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    await world.browser(ANA, ANA_BROWSER, 'talk'); // moved in at the test clock's time, no sid yet
    const movedIn = Date.parse((await world.call())!.conference!.started_at!);
    await conferenceEvent(
      {
        callId: CALL_ID,
        event: 'conference-end',
        conferenceSid: `CF${'0'.repeat(32)}`,
        timestamp: new Date(movedIn - 60_000).toUTCString(),
      },
      world.deps,
    );
    expect((await world.call())!.conference!.caller_in).toBe(true);
  });
});
