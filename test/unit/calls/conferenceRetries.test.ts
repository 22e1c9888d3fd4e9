/**
 * I8 rows 2 and 6 of the safety simulation (test/simulation/regressions.test.ts): the caller is
 * never left alone in the conference because the database refused once. The last human's
 * participant-leave retries its transaction, and when every try is refused asks Twilio's
 * participant list whether the caller is alone; a browser leg's retried Voice URL request (same
 * CallSid) for a leg that already moved the caller in answers the same conference TwiML.
 */
import { describe, expect, it } from 'vitest';
import { conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import type { ConferenceParticipant } from '../../../functions/src/core/conference';
import { AuroraError } from '../../../functions/src/core/errors';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import {
  RecentLegAnswers,
  browserWebhook,
} from '../../../functions/src/triggers/conferenceWebhooks';
import {
  ANA,
  ANA_BROWSER,
  BEN_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  conferenceCall,
} from '../../helpers/conference';
import { refusing } from '../../helpers/memoryDb';

/** A human leg's participant-leave of the conference (Twilio's callback). */
const leave = (leg: string, deps: Parameters<typeof conferenceEvent>[1]) =>
  conferenceEvent(
    {
      callId: CALL_ID,
      event: 'participant-leave',
      conferenceSid: CONFERENCE,
      callSid: leg,
      participantCallStatus: 'completed',
    },
    deps,
  );

/** A connected participant as Twilio lists it: the caller alone ends the conference on exit. */
const participant = (callSid: string, muted = false): ConferenceParticipant => ({
  callSid,
  endConferenceOnExit: callSid === CALLER,
  muted,
  hold: false,
  status: 'connected',
});

describe('I8 row 2: the last human leaving while the database refuses once', () => {
  it('retries the participant-leave transaction and returns the caller to Aurora', async () => {
    const world = await conferenceCall();
    await world.talk();
    const deps = { ...world.deps, live: refusing(world.live, 'transact', 1) };
    await leave(ANA_BROWSER, deps);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });
});

describe("I8: the last human's leave that the database refuses to record at all", () => {
  /** A talking conference, then a database refusing every transaction; errors logged are kept. */
  async function refusedLeave() {
    const world = await conferenceCall();
    await world.talk();
    const errors: string[] = [];
    const deps = {
      ...world.deps,
      live: refusing(world.live, 'transact', 100),
      log: { info() {}, warn() {}, error: (message: string) => errors.push(message) },
    };
    return { world, deps, errors };
  }

  it('ends the conference when Twilio lists the caller alone, and still answers 500 (the leave is unrecorded)', async () => {
    const { world, deps } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [participant(CALLER)]);
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('ends it when only a muted listener is left with the caller', async () => {
    const { world, deps } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [
      participant(CALLER),
      participant(BEN_BROWSER, true),
    ]);
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('leaves the conference running while another unmuted human is with the caller', async () => {
    const { world, deps } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [participant(CALLER), participant(BEN_BROWSER)]);
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([]);
  });

  it('does nothing when the caller is no longer in it (their own leave, or the conference over)', async () => {
    const { world, deps } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [participant(BEN_BROWSER, true)]);
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([]);
  });

  it('lets the 500 stand, and logs it, when Twilio cannot list the participants either', async () => {
    const { world, deps, errors } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [participant(CALLER)]);
    world.voice.refuseNext = new AuroraError('Twilio error 20003: Authenticate');
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([]);
    expect(errors).toContain(
      'a leave could not be recorded nor checked with Twilio; the sweeper re-checks',
    );
  });

  it('moves the caller back with a call update when Twilio will not end the conference', async () => {
    const { world, deps } = await refusedLeave();
    world.voice.participantsIn.set(CONFERENCE, [participant(CALLER)]);
    world.voice.endConference = () => Promise.reject(new AuroraError('Twilio error 20500'));
    const moves = world.voice.sent.length;
    await expect(leave(ANA_BROWSER, deps)).rejects.toThrow('database unavailable');
    const moved = world.voice.sent.slice(moves);
    expect(moved).toHaveLength(1);
    expect(moved[0]).toMatchObject({ callSid: CALLER });
    expect(moved[0]!.twiml).toContain('<Gather');
    expect(moved[0]!.twiml).toContain('<Stop><Transcription');
  });
});

describe('I8 (seed 1): a leave the database refused, then the last leg leaving', () => {
  it('checks with Twilio the legs the record still counts as company, and ends the conference when they have gone', async () => {
    const world = await conferenceCall();
    await world.talk();
    // Ana's second browser leg (Talk again): the caller hears both.
    const second = `CA${'9'.repeat(32)}`;
    await world.browser(ANA, second, 'talk');
    // The first leg hangs up while the database refuses: unrecorded, and Twilio does not send it again.
    world.voice.gone.add(ANA_BROWSER);
    world.voice.participantsIn.set(CONFERENCE, [participant(CALLER), participant(second)]);
    await expect(
      leave(ANA_BROWSER, { ...world.deps, live: refusing(world.live, 'transact', 100) }),
    ).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.members())[ANA_BROWSER].state).toBe('joined'); // stale
    // The second leg hangs up: the record says the first is still with the caller; Twilio says it has gone.
    world.voice.gone.add(second);
    await leave(second, world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect((await world.members())[second].state).toBe('left');
  });

  it('asks Twilio nothing when the record already says the caller is alone', async () => {
    const world = await conferenceCall();
    await world.talk();
    let asked = 0;
    const status = world.voice.status.bind(world.voice);
    world.voice.status = (sid: string) => {
      asked++;
      return status(sid);
    };
    await leave(ANA_BROWSER, world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect(asked).toBe(0);
  });
});

describe('I8 row 6: Twilio asks the browser Voice URL again for a leg that moved the caller in', () => {
  const body = {
    CallSid: ANA_BROWSER,
    From: `client:${ANA.uid}`,
    callId: CALL_ID,
    mode: 'talk' as const,
  };
  const run = (deps: Parameters<typeof browserWebhook.run>[1]) =>
    browserWebhook.run(body, deps, new URLSearchParams(), {}, { answer: new FirstAnswer() });

  it('answers the retry with the same conference TwiML even when the database cannot be read', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const first = await run(world.deps);
    expect(first).toContain('<Conference');
    expect(world.voice.sent.at(-1)).toMatchObject({ callSid: CALLER }); // the caller was moved
    const moves = world.voice.sent.length;
    // The same database (this instance's), now refusing every read.
    world.live.get = () => Promise.reject(new Error('database unavailable'));
    const retry = await run(world.deps);
    expect(retry).toBe(first);
    expect(retry).not.toContain('<Hangup');
    expect(world.voice.sent.length).toBe(moves); // the caller is not moved twice
  });

  it('still refuses a different leg (another CallSid) that the database cannot vouch for', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await run(world.deps);
    const other = { ...body, CallSid: `CA${'9'.repeat(32)}` };
    await expect(
      browserWebhook.run(
        other,
        { ...world.deps, live: refusing(world.live, 'get', 10) },
        new URLSearchParams(),
        {},
        { answer: new FirstAnswer() },
      ),
    ).rejects.toThrow('database unavailable');
  });
});

describe('RecentLegAnswers', () => {
  it('forgets an answer after its time, and the oldest beyond its size', () => {
    let now = 0;
    const recent = new RecentLegAnswers(1000, 2, () => now);
    recent.remember('a', 'A');
    recent.remember('b', 'B');
    recent.remember('c', 'C');
    expect(recent.recall('a')).toBeUndefined();
    expect(recent.recall('b')).toBe('B');
    now = 1000;
    expect(recent.recall('c')).toBeUndefined();
  });
});
