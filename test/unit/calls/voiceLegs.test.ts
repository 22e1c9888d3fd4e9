/** The human legs of a call's conference: a supervisor's browser, a phone leg's key press, and how a phone leg ended. */
import { describe, expect, it } from 'vitest';
import { browserLeg } from '../../../functions/src/calls/voiceLegs';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { AuroraError } from '../../../functions/src/core/errors';
import { callerTranscription } from '../../../functions/src/core/conference';
import {
  ANA,
  ANA_BROWSER,
  ANA_PHONE,
  BEN,
  BEN_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  NAME,
  conferenceCall,
} from '../../helpers/conference';

const HANG_UP = /<Say>[^<]*<\/Say><Hangup\/><\/Response>$/;

describe('a supervisor’s browser leg (/twilio/browser)', () => {
  it('talks: the caller is moved into the conference with their words transcribed, and the supervisor joins it', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const twiml = await world.browser(ANA, ANA_BROWSER, 'talk');
    expect(twiml).toContain(`<Transcription name="leg-${ANA_BROWSER}" track="inbound_track"`);
    expect(twiml).toContain('speaker=supervisor&amp;who=ana%40site.example');
    expect(twiml).toContain(
      `<Conference muted="false" startConferenceOnEnter="true" endConferenceOnExit="false"`,
    );
    expect(twiml).toContain(`>${NAME}</Conference>`);
    const moved = world.voice.sent.at(-1)!;
    expect(moved.callSid).toBe(CALLER);
    expect(moved.twiml).toContain('<Say>Connecting you now. Stay on the line.</Say>');
    expect(moved.twiml).toContain(`<Transcription name="${callerTranscription(CALL_ID)}"`);
    expect(moved.twiml).toContain(
      `<Dial action="https://aurora.example.com/twilio/rejoin?call=${CALL_ID}">`,
    );
    expect((await world.call())!.conference).toMatchObject({
      name: NAME,
      caller_in: true,
      members: {
        [ANA_BROWSER]: {
          role: 'supervisor',
          who: ANA.id,
          via: 'browser',
          state: 'joined',
          muted: false,
        },
      },
    });
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example joined the call by voice from the dashboard.',
    );
  });

  it('answers a repeated request for a leg already in the conference the same, moving the caller only once', async () => {
    const world = await conferenceCall();
    const first = await world.talk();
    const sent = world.voice.sent.length;
    const notes = (await world.notes()).length;
    expect(await world.browser(ANA, ANA_BROWSER, 'talk')).toBe(first);
    expect(world.voice.sent).toHaveLength(sent);
    expect(await world.notes()).toHaveLength(notes);
  });

  it('refuses a browser whose uid is not in the admin directory, and one that says nobody, touching nothing', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const before = structuredClone(world.live.tree);
    for (const from of ['client:uid_eve', 'client:../admins', '+15550100001']) {
      const twiml = await browserLeg(
        { legSid: BEN_BROWSER, from, callId: CALL_ID, mode: 'listen' },
        world.deps,
      );
      expect(twiml).toContain('This line is for supervisors only. Goodbye.');
      expect(twiml).toMatch(HANG_UP);
    }
    expect(world.live.tree).toEqual(before);
  });

  it('lets only the supervisor who holds the call talk', async () => {
    const world = await conferenceCall();
    expect(await world.browser(ANA, ANA_BROWSER, 'talk')).toContain(
      '<Say>Take the call on the dashboard first.</Say><Hangup/>',
    );
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const sent = world.voice.sent.length;
    expect(await world.browser(BEN, BEN_BROWSER, 'talk')).toContain(
      '<Say>ana@site.example has this call. Take it on the dashboard first.</Say><Hangup/>',
    );
    expect(world.voice.sent).toHaveLength(sent);
    expect((await world.call())!.conference).toBeUndefined();
  });

  it('lets any supervisor listen in, muted, beside somebody talking with the caller; more than one may listen', async () => {
    const world = await conferenceCall();
    await world.talk();
    const sent = world.voice.sent.length;
    const twiml = await world.browser(BEN, BEN_BROWSER, 'listen');
    expect(twiml).toContain('<Conference muted="true"');
    expect(world.voice.sent).toHaveLength(sent); // the caller is in already
    expect((await world.members())[BEN_BROWSER]).toMatchObject({
      who: BEN.id,
      state: 'joined',
      muted: true,
    });
    expect((await world.notes()).at(-1)).toBe('ben@site.example is listening in (muted).');
  });

  it('tells the supervisor why, and leaves the caller where they were, when Twilio refuses to move the caller', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const sent = world.voice.sent.length;
    world.voice.refuseNext = new AuroraError(
      'Updating the call failed: Twilio error 20003: Authenticate',
    );
    const twiml = await world.browser(ANA, ANA_BROWSER, 'talk');
    expect(twiml).toContain(
      '<Say>The caller could not be connected: Updating the call failed: Twilio error 20003: Authenticate. Goodbye.</Say><Hangup/>',
    );
    expect(world.voice.sent).toHaveLength(sent);
    expect((await world.call())!).toMatchObject({
      mode: 'human',
      admin_id: ANA.id,
      conference: { caller_in: false, members: { [ANA_BROWSER]: { state: 'failed' } } },
    });
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example could not be connected to the caller (Updating the call failed: Twilio error 20003: Authenticate); the caller is still with ana@site.example.',
    );
    // Tried again, it connects.
    expect(await world.browser(ANA, callSid2(), 'talk')).toContain('<Conference');
  });

  it('does not move the caller with too little of the webhook’s time left (the leg would hang up after they were moved)', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const sent = world.voice.sent.length;
    const twiml = await browserLeg(
      {
        legSid: ANA_BROWSER,
        from: `client:${ANA.uid}`,
        callId: CALL_ID,
        mode: 'talk',
        deadline: performance.now() + 1000,
      },
      world.deps,
    );
    expect(twiml).toMatch(HANG_UP);
    expect(world.voice.sent).toHaveLength(sent);
    expect((await world.call())!.conference).toMatchObject({ caller_in: false });
  });

  it('says the call has ended to a browser joining a call that ended, or whose caller hung up meanwhile', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    world.voice.gone.add(CALLER);
    expect(await world.browser(ANA, ANA_BROWSER, 'talk')).toContain(
      '<Say>The call has ended. Goodbye.</Say>',
    );
    expect((await world.members())[ANA_BROWSER]).toMatchObject({ state: 'failed' });
    // Nobody is with a caller who hung up: the note says only why.
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example could not be connected to the caller (the caller has hung up).',
    );
    await handleStatus({ callSid: CALLER, callStatus: 'completed' }, world.deps);
    expect(await world.browser(ANA, BEN_BROWSER, 'talk')).toContain(
      '<Say>The call has ended. Goodbye.</Say>',
    );
  });
});

describe('a phone leg’s key press (/twilio/leg)', () => {
  it('joins on 1, bringing the caller in, and says so in the transcript', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'callme', callId: CALL_ID }, ANA, world.deps);
    const twiml = await world.press('1');
    expect(twiml).toContain(`<Transcription name="leg-${world.lastLeg().sid}"`);
    expect(twiml).toContain('<Conference muted="false"');
    expect(world.voice.sent.at(-1)).toMatchObject({
      callSid: CALLER,
      twiml: expect.stringContaining('<Conference'),
    });
    expect((await world.members())[world.lastLeg().sid]).toMatchObject({
      role: 'supervisor',
      who: ANA.id,
      via: 'phone',
      to: ANA_PHONE,
      state: 'joined',
    });
    expect((await world.notes()).at(-1)).toBe('ana@site.example joined the call by phone.');
  });

  it('says goodbye to any other key, or none (a voicemail box), and records the leg declined; the caller stays with the supervisor', async () => {
    for (const digits of ['2', undefined]) {
      const world = await conferenceCall();
      await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
      await controlCall(
        { action: 'transfer', callId: CALL_ID, to: '+15550190001' },
        ANA,
        world.deps,
      );
      const sent = world.voice.sent.length;
      expect(await world.press(digits)).toContain('<Say>Goodbye.</Say><Hangup/>');
      expect((await world.members())[world.lastLeg().sid]).toMatchObject({ state: 'declined' });
      expect(world.voice.sent).toHaveLength(sent);
      expect((await world.notes()).at(-1)).toBe(
        '+15550190001 did not accept the call; the caller is still with ana@site.example.',
      );
    }
  });

  it('turns away a leg no longer wanted (handed back meanwhile) and a leg of a call that has ended', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await controlCall({ action: 'transfer', callId: CALL_ID, to: '+15550190001' }, ANA, world.deps);
    const leg = world.lastLeg();
    await controlCall({ action: 'release', callId: CALL_ID }, ANA, world.deps);
    const sent = world.voice.sent.length;
    expect(await world.press('1', leg)).toContain(
      '<Say>You are no longer needed on this call. Goodbye.</Say><Hangup/>',
    );
    expect(world.voice.sent).toHaveLength(sent);
    expect((await world.call())!.conference!.caller_in).toBe(false);

    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await controlCall({ action: 'transfer', callId: CALL_ID, to: '+15550190002' }, ANA, world.deps);
    await handleStatus({ callSid: CALLER, callStatus: 'completed' }, world.deps);
    expect(await world.press('1')).toContain('<Say>The call has ended. Goodbye.</Say><Hangup/>');
  });
});

describe('a phone leg’s status callback (/twilio/leg-status)', () => {
  it('records busy, no answer and failure, saying the caller is still with the supervisor; the caller is not touched', async () => {
    for (const [status, note] of [
      ['busy', '+15550190001 was busy; the caller is still with ana@site.example.'],
      ['no-answer', '+15550190001 did not answer; the caller is still with ana@site.example.'],
      ['failed', 'The call to +15550190001 failed; the caller is still with ana@site.example.'],
      [
        'completed',
        '+15550190001 did not accept the call; the caller is still with ana@site.example.',
      ],
    ] as const) {
      const world = await conferenceCall();
      await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
      await controlCall(
        { action: 'transfer', callId: CALL_ID, to: '+15550190001' },
        ANA,
        world.deps,
      );
      const sent = world.voice.sent.length;
      await world.legEnds('in-progress'); // answered: nothing yet
      await world.legEnds(status);
      await world.legEnds(status); // a replay changes nothing twice
      expect((await world.members())[world.lastLeg().sid].state).toBe(
        status === 'completed' ? 'declined' : status,
      );
      expect(world.voice.sent).toHaveLength(sent);
      expect((await world.notes()).filter((n) => n === note)).toHaveLength(1);
    }
  });

  it('says the caller is with Aurora when nobody holds the call', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await controlCall({ action: 'callme', callId: CALL_ID }, ANA, world.deps);
    const leg = world.lastLeg();
    await world.live.update({ [`active_calls/${CALL_ID}/mode`]: 'ai' });
    await world.legEnds('no-answer', leg);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example did not answer; the caller is still with Aurora.',
    );
  });

  it('ends the conference when the last human in it hangs up, so the caller goes back to someone', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await controlCall({ action: 'transfer', callId: CALL_ID, to: '+15550190001' }, ANA, world.deps);
    await world.press('1');
    await world.started();
    await world.legEnds('completed');
    expect((await world.members())[world.lastLeg().sid].state).toBe('left');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.notes()).at(-1)).toBe(
      '+15550190001 left the call; the caller is with ana@site.example.',
    );
  });
});

const callSid2 = () => `CA${'9'.repeat(32)}`;

describe('listening to a call Aurora answers (nobody holds it)', () => {
  it('moves the caller into the conference for a listener, told Aurora is still with them (not that someone joins), and keeps it going once they join', async () => {
    const world = await conferenceCall();
    const twiml = await world.browser(BEN, BEN_BROWSER, 'listen');
    expect(twiml).toContain('<Conference muted="true"');
    const moved = world.voice.sent.at(-1)!;
    expect(moved.callSid).toBe(CALLER);
    // The move cuts off what Aurora was saying: she says she is still there.
    expect(moved.twiml).toContain("<Say>I'm still here with you.</Say>");
    expect(moved.twiml).not.toContain('Connecting you now');
    expect(moved.twiml).toContain(`<Transcription name="${callerTranscription(CALL_ID)}"`);
    expect((await world.call())!).toMatchObject({
      mode: 'ai',
      conference: { caller_in: true, members: { [BEN_BROWSER]: { state: 'joined', muted: true } } },
    });
    expect((await world.notes()).at(-1)).toBe('ben@site.example is listening in (muted).');
    // The caller joins: a muted listener with nobody holding the call keeps them there (Aurora answers).
    await world.started();
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.call())!.conference!.caller_in).toBe(true);
    // A second supervisor listens too; the caller is not moved again.
    const sent = world.voice.sent.length;
    expect(await world.browser(ANA, ANA_BROWSER, 'listen')).toContain('<Conference muted="true"');
    expect(world.voice.sent).toHaveLength(sent);
  });

  it("says it in the caller's language", async () => {
    const world = await conferenceCall();
    await world.live.update({ [`active_calls/${CALL_ID}/language`]: 'es' });
    await world.browser(BEN, BEN_BROWSER, 'listen');
    expect(world.voice.sent.at(-1)!.twiml).toContain('Sigo aquí con usted.');
  });

  it('still says "connecting you" when the phone that joins takes the call ("Call me")', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'callme', callId: CALL_ID }, ANA, world.deps);
    await world.press('1');
    expect(world.voice.sent.at(-1)!.twiml).toContain(
      '<Say>Connecting you now. Stay on the line.</Say>',
    );
  });

  it('refuses to listen to a supervisor typing to a caller outside the conference, touching nothing', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    const sent = world.voice.sent.length;
    const before = structuredClone(world.live.tree);
    expect(await world.browser(BEN, BEN_BROWSER, 'listen')).toContain(
      '<Say>ana@site.example has this call and is typing to the caller: there is no voice to listen to. Goodbye.</Say><Hangup/>',
    );
    expect(world.voice.sent).toHaveLength(sent);
    expect(world.live.tree).toEqual(before);
  });

  // Found by the safety simulation (npm run simulate -- --runs 1500 --seed 777 and --seed 99):
  // Talk while another listens to Aurora is a take, which ends the conference (the caller is then
  // with a holder who has no voice there), then the browser connects before Twilio's callbacks
  // say so. The leg joined an empty conference by its name, and its words were recorded as said
  // to a caller who was on their way back to the holder's typing.
  it('tells a leg to try again when the conference the record has the caller in has just ended at Twilio', async () => {
    const world = await conferenceCall();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await world.started();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    // The conference-end and the caller's <Dial action> have not arrived yet.
    expect((await world.call())!.conference!.caller_in).toBe(true);
    const sent = world.voice.sent.length;
    const twiml = await world.browser(ANA, ANA_BROWSER, 'talk');
    expect(twiml).toContain('<Say>Aurora could not connect you in time. Please try again.</Say>');
    expect(twiml).toMatch(HANG_UP);
    expect(world.voice.sent).toHaveLength(sent);
    expect((await world.members())[ANA_BROWSER]).toMatchObject({ state: 'left' });
    expect((await world.call())!).toMatchObject({ mode: 'human', admin_id: ANA.id });
    // Once Twilio's callbacks are in, Talk moves the caller into a new conference.
    await world.ended();
    expect(await world.browser(ANA, 'CA' + '8'.repeat(32), 'talk')).toContain('<Conference');
    expect(world.voice.sent.at(-1)!.twiml).toContain('Connecting you now.');
  });
});
