/**
 * I8 rows 2 and 6 of the safety simulation (test/simulation/regressions.test.ts): the caller is
 * never left alone in the conference because the database refused once. The last human's
 * participant-leave retries its transaction; a browser leg's retried Voice URL request (same
 * CallSid) for a leg that already moved the caller in answers the same conference TwiML.
 */
import { describe, expect, it } from 'vitest';
import { conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import type { LiveDb } from '../../../functions/src/ports';
import {
  RecentLegAnswers,
  browserWebhook,
} from '../../../functions/src/triggers/conferenceWebhooks';
import {
  ANA,
  ANA_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  conferenceCall,
} from '../../helpers/conference';

/** The database refusing the next `count` operations of one kind (the others go on). */
function refusing(live: LiveDb, op: 'get' | 'transact', count: number): LiveDb {
  let left = count;
  const refuse = () => left-- > 0;
  return {
    get: (path) =>
      op === 'get' && refuse() ? Promise.reject(new Error('database unavailable')) : live.get(path),
    update: (changes) => live.update(changes),
    transact: (path, next) =>
      op === 'transact' && refuse()
        ? Promise.reject(new Error('database unavailable'))
        : live.transact(path, next),
  };
}

describe('I8 row 2: the last human leaving while the database refuses once', () => {
  it('retries the participant-leave transaction and returns the caller to Aurora', async () => {
    const world = await conferenceCall();
    await world.talk();
    const deps = { ...world.deps, live: refusing(world.live, 'transact', 1) };
    await conferenceEvent(
      {
        callId: CALL_ID,
        event: 'participant-leave',
        conferenceSid: CONFERENCE,
        callSid: ANA_BROWSER,
        participantCallStatus: 'completed',
      },
      deps,
    );
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
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
