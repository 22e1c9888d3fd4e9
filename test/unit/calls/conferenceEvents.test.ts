/** The conference's status callback and the caller's way back to Aurora (/twilio/rejoin). */
import { describe, expect, it } from 'vitest';
import { conferenceEvent, rejoin } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { callerTranscription } from '../../../functions/src/core/conference';
import {
  ANA,
  ANA_BROWSER,
  BEN,
  BEN_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  NAME,
  conferenceCall,
} from '../../helpers/conference';

const event = (name: string, callSid?: string, sid = CONFERENCE) => ({
  callId: CALL_ID,
  event: name,
  conferenceSid: sid,
  ...(callSid ? { callSid } : {}),
});

describe('the conference status callback (/twilio/conference)', () => {
  it('keeps the ConferenceSid Twilio reports, from the start or from the first human to join', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    expect((await world.call())!.conference!.sid).toBeUndefined();
    world.voice.conferences.set(NAME, CONFERENCE); // Twilio lists it running under the call's name
    await conferenceEvent(event('participant-join', ANA_BROWSER), world.deps);
    expect((await world.call())!.conference!.sid).toBe(CONFERENCE);
    await conferenceEvent(event('conference-start'), world.deps); // out of order: changes nothing
    expect((await world.call())!.conference!.sid).toBe(CONFERENCE);
  });

  it('ends the conference when the last supervisor leaves it, and the caller goes back to the supervisor who holds the call', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps); // a replay
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    // Her voice left; she still holds the call, so the caller reads her typed words: never "with ana" as if she were still talking.
    expect((await world.notes()).filter((n) => n.startsWith('ana@site.example left'))).toEqual([
      'ana@site.example left the voice call; ana@site.example still holds the call on the dashboard (typed words).',
    ]);
    const back = await world.ended();
    expect(back).toContain(`<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`);
    expect(back).toContain('The other call has ended. Stay on the line, we are still with you.');
    expect(back).toContain(`/twilio/turn?call=${CALL_ID}`);
    expect(back).not.toContain('<Hangup');
    expect((await world.call())!).toMatchObject({
      mode: 'human',
      conference: { caller_in: false },
    });
    expect((await world.notes()).at(-1)).toBe(
      'The voice conference ended; the caller is back with ana@site.example.',
    );
    // Aurora does not answer the caller's next words: the supervisor still holds the call.
    expect(
      await takeTurn(
        { callSid: CALLER, speech: 'hello?', silentTurns: 0, callHint: CALL_ID },
        world.deps,
      ),
    ).not.toContain('<Say>');
  });

  it('keeps the conference going while another human is in it with the caller', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    // Ben speaks up (unmuted): the caller hears him.
    await controlCall({ action: 'mute', callId: CALL_ID, muted: false }, BEN, world.deps);
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example left the call; the caller is with ben@site.example.',
    );
  });

  it('ends the conference when the last human the caller hears leaves, though others listen muted: the listeners drop with it', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example left the voice call; ana@site.example still holds the call on the dashboard (typed words).',
    );
    await world.ended();
    expect(await world.members()).toMatchObject({
      [ANA_BROWSER]: { state: 'left' },
      [BEN_BROWSER]: { state: 'left', muted: true },
    });
    expect((await world.call())!.conference!.caller_in).toBe(false);
    expect((await world.notes()).at(-1)).toBe(
      'The voice conference ended; the caller is back with ana@site.example.',
    );
  });

  it('returns a caller who joins with only a muted listener left (the supervisor who brought them dropped meanwhile)', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    await world.browser(BEN, BEN_BROWSER, 'listen');
    world.voice.gone.add(ANA_BROWSER); // Ana's browser dropped before the caller arrived
    await world.started();
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('ignores the caller leaving (the conference ends with them) and legs it never heard of', async () => {
    const world = await conferenceCall();
    await world.talk();
    const before = await world.call();
    await conferenceEvent(event('participant-leave', CALLER), world.deps);
    await conferenceEvent(event('participant-leave', `CA${'7'.repeat(32)}`), world.deps);
    await conferenceEvent(event('participant-speech-start', ANA_BROWSER), world.deps);
    expect(await world.call()).toEqual(before);
  });

  describe('the caller hanging up in the conference', () => {
    const HUNG_UP = 'The caller hung up during the voice conference.';
    /** Twilio's callbacks when the caller hangs up: their leave (completed), every other leg's, the end. */
    const callerLeaves = (deps: Parameters<typeof conferenceEvent>[1]) =>
      conferenceEvent(
        { ...event('participant-leave', CALLER), participantCallStatus: 'completed' },
        deps,
      );
    const othersLeave = async (deps: Parameters<typeof conferenceEvent>[1]) => {
      await conferenceEvent(
        { ...event('participant-leave', ANA_BROWSER), participantCallStatus: 'in-progress' },
        deps,
      );
      await conferenceEvent(event('conference-end'), deps);
    };
    const statusCompleted = (deps: Parameters<typeof conferenceEvent>[1]) =>
      handleStatus({ callSid: CALLER, callStatus: 'completed' }, deps);

    it('notes that the caller hung up, from their own participant-leave (ParticipantCallStatus completed): out of the conference, every leg dropped with them, and nobody said to be with them', async () => {
      const world = await conferenceCall();
      await world.talk();
      const before = (await world.notes()).length;
      world.voice.gone.add(CALLER);
      await callerLeaves(world.deps);
      await othersLeave(world.deps);
      await statusCompleted(world.deps);
      expect((await world.notes()).slice(before)).toEqual([HUNG_UP]);
      expect(world.voice.endedConferences).toEqual([]); // it ended with the caller: nothing to end
      expect((await world.call())!.conference).toMatchObject({
        caller_in: false,
        members: { [ANA_BROWSER]: { state: 'left' } },
      });
    });

    it('says the same when the caller’s status callback comes before the conference’s callbacks', async () => {
      const world = await conferenceCall();
      await world.talk();
      const before = (await world.notes()).length;
      world.voice.gone.add(CALLER);
      await statusCompleted(world.deps);
      expect((await world.call())!.conference).toMatchObject({
        caller_in: false,
        members: { [ANA_BROWSER]: { state: 'left' } },
      });
      await callerLeaves(world.deps);
      await othersLeave(world.deps);
      expect((await world.notes()).slice(before)).toEqual([HUNG_UP]);
      expect(world.voice.endedConferences).toEqual([]);
    });

    it('never says the caller is back with anyone when a leg’s leave, or the conference’s end, is handled before the caller’s own leave', async () => {
      for (const first of ['leg', 'end'] as const) {
        const world = await conferenceCall();
        await world.talk();
        const before = (await world.notes()).length;
        // Twilio's conference ended with the caller, who has hung up.
        world.voice.gone.add(CALLER);
        world.voice.endedConferences.push(CONFERENCE);
        world.voice.conferences.clear();
        if (first === 'leg') await othersLeave(world.deps);
        else await conferenceEvent(event('conference-end'), world.deps);
        await callerLeaves(world.deps);
        await othersLeave(world.deps);
        const said = (await world.notes()).slice(before);
        expect(said, first).toEqual([HUNG_UP]);
        expect((await world.call())!.conference!.caller_in).toBe(false);
      }
    });
  });

  it('records mute and unmute', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(event('participant-mute', ANA_BROWSER), world.deps);
    expect((await world.members())[ANA_BROWSER].muted).toBe(true);
    await conferenceEvent(event('participant-unmute', ANA_BROWSER), world.deps);
    expect((await world.members())[ANA_BROWSER].muted).toBe(false);
  });

  it('puts the caller out of the conference in the record when it ends; the end of an earlier one changes nothing', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(event('conference-end', undefined, `CF${'0'.repeat(32)}`), world.deps);
    expect((await world.call())!.conference!.caller_in).toBe(true);
    await conferenceEvent(event('conference-end'), world.deps);
    expect((await world.call())!.conference).toMatchObject({
      caller_in: false,
      members: { [ANA_BROWSER]: { state: 'left' } },
    });
  });

  it('returns a caller who joins after the leg that brought them in dropped (no participant-leave will come for it)', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    world.voice.gone.add(ANA_BROWSER); // the browser dropped before it reached the conference
    world.voice.conferences.set((await world.call())!.conference!.name, CONFERENCE);
    await conferenceEvent(event('participant-join', CALLER), world.deps);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
  });

  it('moves a caller left alone back directly when Twilio cannot end the conference', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.voice.refuseNext = new AuroraError('Ending the conference failed: HTTP 503', {
      retryable: true,
    });
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    const back = world.voice.sent.at(-1)!;
    expect(back.callSid).toBe(CALLER);
    expect(back.twiml).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`,
    );
    expect(back.twiml).toContain('<Gather');
    expect((await world.call())!.conference!.caller_in).toBe(false);
  });
});

describe('the caller’s way back (/twilio/rejoin)', () => {
  it('brings the caller back to Aurora after a hand-back, listened to in their language', async () => {
    const world = await conferenceCall();
    await world.talk();
    await controlCall({ action: 'release', callId: CALL_ID }, ANA, world.deps);
    const back = await world.ended();
    expect(back).toContain('Aurora here again. I am listening.');
    expect(back).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop><Gather`,
    );
    // Aurora answers again.
    expect(
      await takeTurn(
        { callSid: CALLER, speech: 'there is smoke', silentTurns: 0, callHint: CALL_ID },
        world.deps,
      ),
    ).toContain('<Say>');
  });

  it('records nothing twice when Twilio repeats the request, and answers it the same way', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.ended();
    const notes = (await world.notes()).length;
    expect(
      await rejoin({ callSid: CALLER, callHint: CALL_ID, callStatus: 'in-progress' }, world.deps),
    ).toContain('<Gather');
    expect(await world.notes()).toHaveLength(notes);
  });

  it('says nothing to a caller who hung up, and notes it', async () => {
    const world = await conferenceCall();
    await world.talk();
    expect(
      await rejoin({ callSid: CALLER, callHint: CALL_ID, callStatus: 'completed' }, world.deps),
    ).toBe('<?xml version="1.0" encoding="UTF-8"?><Response/>');
    expect((await world.notes()).at(-1)).toBe('The caller hung up during the voice conference.');
  });

  it('listens to a caller still on the line whatever the records say: an unknown call, an unreadable database', async () => {
    const world = await conferenceCall();
    const unknown = await rejoin(
      { callSid: `CA${'8'.repeat(32)}`, callStatus: 'in-progress' },
      world.deps,
    );
    expect(unknown).toContain('<Gather');
    expect(unknown).not.toContain('<Hangup');
    world.deps.live = {
      ...world.live,
      get: () => Promise.reject(new Error('database down')),
    } as never;
    const unread = await rejoin(
      { callSid: CALLER, callHint: CALL_ID, callStatus: 'in-progress' },
      world.deps,
    );
    expect(unread).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`,
    );
    expect(unread).toContain('<Gather');
  });

  it('lets a listening supervisor and others join again later: the next human in brings the caller back', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    await world.ended();
    const twiml = await world.browser(ANA, `CA${'6'.repeat(32)}`, 'talk');
    expect(twiml).toContain('<Conference');
    expect(world.voice.sent.at(-1)!.twiml).toContain('<Say>Connecting you now.');
    expect((await world.call())!.conference).toMatchObject({ caller_in: true });
    expect((await world.call())!.conference!.sid).toBeUndefined();
    void BEN;
  });
});

describe('the end of listening to Aurora', () => {
  it('ends the conference when the last listener leaves a call nobody holds; the caller is back in her Gather without a word, as she never left', async () => {
    const world = await conferenceCall();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await world.browser(ANA, ANA_BROWSER, 'listen');
    await world.started();
    // One of two listeners leaves: Aurora still answers the caller there.
    await conferenceEvent(event('participant-leave', ANA_BROWSER), world.deps);
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example stopped listening; the caller is still with Aurora.',
    );
    await conferenceEvent(event('participant-leave', BEN_BROWSER), world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.notes()).at(-1)).toBe(
      'ben@site.example stopped listening; the caller is still with Aurora.',
    );
    const notes = (await world.notes()).length;
    const back = await world.ended();
    expect(back).toContain(`<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`);
    expect(back).toContain(`/twilio/turn?call=${CALL_ID}`);
    expect(back).not.toContain('<Say');
    // No "back with Aurora": the listeners' leaving said it all.
    expect(await world.notes()).toHaveLength(notes);
    expect((await world.call())!).toMatchObject({ mode: 'ai', conference: { caller_in: false } });
  });
});

describe('I8 (seed 4242): late callbacks of an ended conference, after the next one started', () => {
  it("neither the first conference's late start nor the caller's late join points the call at it; the last human leaving the live one ends it", async () => {
    const world = await conferenceCall();
    const first = CONFERENCE;
    const second = `CF${'e'.repeat(32)}`;
    const secondLeg = `CA${'6'.repeat(32)}`;
    // Talk: the conference starts; its conference-start and the caller's join are held back.
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    world.voice.conferences.set(NAME, first);
    await conferenceEvent(event('participant-join', ANA_BROWSER, first), world.deps);
    // Ana hangs up: the leaving rule ends it, and the caller is back at a Gather.
    await conferenceEvent(event('participant-leave', ANA_BROWSER, first), world.deps);
    expect(world.voice.endedConferences).toEqual([first]);
    await world.ended();
    // The caller's held-back join of the first conference: they are not in it.
    await conferenceEvent(event('participant-join', CALLER, first), world.deps);
    expect((await world.call())!.conference).toMatchObject({ caller_in: false });
    // Talk again: a second conference, its callbacks on time.
    await world.browser(ANA, secondLeg, 'talk');
    world.voice.conferences.set(NAME, second);
    await conferenceEvent(event('conference-start', undefined, second), world.deps);
    await conferenceEvent(event('participant-join', CALLER, second), world.deps);
    await conferenceEvent(event('participant-join', secondLeg, second), world.deps);
    // The first conference's held-back start arrives.
    await conferenceEvent(event('conference-start', undefined, first), world.deps);
    expect((await world.call())!.conference).toMatchObject({ caller_in: true, sid: second });
    // Ana hangs up again: the caller must not be left alone in the second conference.
    await conferenceEvent(event('participant-leave', secondLeg, second), world.deps);
    expect(world.voice.endedConferences).toEqual([first, second]);
  });

  it('handles a leave of the conference Twilio lists running even when the record names another, and corrects the record', async () => {
    const world = await conferenceCall();
    await world.talk();
    const live = `CF${'e'.repeat(32)}`;
    // The record names an ended conference (however it came to); Twilio runs `live`.
    await world.live.update({ [`active_calls/${CALL_ID}/conference/sid`]: `CF${'d'.repeat(32)}` });
    world.voice.conferences.set(NAME, live);
    await conferenceEvent(event('participant-leave', ANA_BROWSER, live), world.deps);
    expect((await world.members())[ANA_BROWSER].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([live]);
  });

  it('still drops a leave of a conference Twilio does not list running when the record names another', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(
      event('participant-leave', ANA_BROWSER, `CF${'d'.repeat(32)}`),
      world.deps,
    );
    expect((await world.members())[ANA_BROWSER].state).toBe('joined');
    expect(world.voice.endedConferences).toEqual([]);
  });
});
