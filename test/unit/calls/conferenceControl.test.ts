/** The voice actions of callControl (issue 24): Call me, Transfer, Mute, Leave, and a hand-back while humans talk. */
import { describe, expect, it } from 'vitest';
import { announce, conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { CONFERENCE_NOTES, callerTranscription } from '../../../functions/src/core/conference';
import { CallAction } from '@aurora/model';
import type { Admin } from '../../../functions/src/core/callControl';
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

const BASE = 'https://aurora.example.com';
const act = (
  world: Awaited<ReturnType<typeof conferenceCall>>,
  action: CallAction,
  admin: Admin = ANA,
) => controlCall(action, admin, world.deps);

describe('Call me', () => {
  it('rings the admin’s registered phone without taking the call: Aurora keeps the caller until the phone presses 1, which takes the call and moves the caller in', async () => {
    const world = await conferenceCall();
    expect(await act(world, { action: 'callme', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    // Nothing taken, nothing said to the caller: Aurora still answers them while the phone rings.
    expect(await world.call()).toMatchObject({ mode: 'ai' });
    expect((await world.call())!.admin_id).toBeUndefined();
    expect(world.voice.sent).toEqual([]);
    const leg = world.lastLeg();
    expect(leg).toMatchObject({
      to: ANA_PHONE,
      statusCallback: `${BASE}/twilio/leg-status?call=${CALL_ID}&role=supervisor&who=ana%40site.example`,
      ringSeconds: 25,
    });
    expect(leg.timeLimitSeconds).toBeUndefined();
    expect(leg.twiml).toContain(
      `<Gather numDigits="1" action="${BASE}/twilio/leg?call=${CALL_ID}&amp;role=supervisor&amp;who=ana%40site.example">` +
        '<Say>Aurora: your call with Priya Nair is ready. Press 1 to join.</Say></Gather><Say>Goodbye.</Say><Hangup/>',
    );
    expect((await world.members())[leg.sid]).toEqual({
      role: 'supervisor',
      who: ANA.id,
      via: 'phone',
      to: ANA_PHONE,
      state: 'ringing',
      muted: false,
      at: '2025-10-04T14:30:00+05:30',
    });
    expect((await world.notes()).at(-1)).toBe(
      `ana@site.example is ringing their phone (${ANA_PHONE}) to talk with the caller.`,
    );
    expect(await world.notes()).not.toContain('ana@site.example took over the call.');

    // The press takes the call (holder and acknowledgement, as a take would), then moves the caller in.
    expect(await world.press('1')).toContain('<Conference muted="false"');
    expect(await world.call()).toMatchObject({
      mode: 'human',
      admin_id: ANA.id,
      acknowledged_by: ANA.id,
      conference: { caller_in: true, members: { [leg.sid]: { state: 'joined' } } },
    });
    expect(world.voice.sent).toEqual([
      { callSid: CALLER, twiml: expect.stringContaining('<Conference') },
    ]);
    expect((await world.notes()).slice(-2)).toEqual([
      'ana@site.example took over the call.',
      'ana@site.example joined the call by phone.',
    ]);
  });

  it('leaves the call untaken when the phone is never answered, and says the caller is still with Aurora', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'callme', callId: CALL_ID });
    await world.legEnds('no-answer');
    expect(await world.call()).toMatchObject({ mode: 'ai' });
    expect((await world.call())!.admin_id).toBeUndefined();
    expect(world.voice.sent).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example did not answer; the caller is still with Aurora.',
    );
  });

  it('joins the phone as a supervisor beside another admin who took the call while it rang', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'callme', callId: CALL_ID });
    await act(world, { action: 'take', callId: CALL_ID }, BEN);
    expect(await world.press('1')).toContain('<Conference muted="false"');
    expect(await world.call()).toMatchObject({
      mode: 'human',
      admin_id: BEN.id,
      conference: { caller_in: true },
    });
    expect(await world.notes()).not.toContain('ana@site.example took over the call.');
    expect((await world.notes()).at(-1)).toBe('ana@site.example joined the call by phone.');
  });

  it('undoes the take when the caller cannot be moved in after the press: Aurora answers again', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'callme', callId: CALL_ID });
    world.voice.refuseNext = new AuroraError('Updating the call failed: HTTP 500', {
      retryable: true,
    });
    expect(await world.press('1')).toContain(
      '<Say>The caller could not be connected: Updating the call failed: HTTP 500. Goodbye.</Say><Hangup/>',
    );
    const call = (await world.call())!;
    expect(call).toMatchObject({ mode: 'ai', conference: { caller_in: false } });
    expect(call.admin_id).toBeUndefined();
    expect(call.acknowledged_by).toBeUndefined();
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example could not be connected to the caller (Updating the call failed: HTTP 500); the caller is still with Aurora.',
    );
    expect(await world.notes()).not.toContain('ana@site.example took over the call.');
  });

  it('refuses without a registered phone, on a call another admin holds, and twice over', async () => {
    const world = await conferenceCall();
    expect(await act(world, { action: 'callme', callId: CALL_ID }, BEN)).toMatchObject({
      ok: false,
      code: 'failed-precondition',
      message: expect.stringContaining('No phone is registered for you'),
    });
    expect(await act(world, { action: 'callme', callId: CALL_ID }, { id: ANA.id })).toMatchObject({
      ok: false,
      message: expect.stringContaining('No phone is registered for you'),
    });
    await act(world, { action: 'take', callId: CALL_ID }, BEN);
    await world.live.update({ [`admins/${BEN.uid}/phone`]: '+15550170002' });
    expect(await act(world, { action: 'callme', callId: CALL_ID })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'ben@site.example has taken this call.',
    });
    expect(await act(world, { action: 'callme', callId: CALL_ID }, BEN)).toMatchObject({
      ok: true,
    });
    expect(await act(world, { action: 'callme', callId: CALL_ID }, BEN)).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'Your phone is already ringing or on this call.',
    });
    expect(world.voice.dialled).toHaveLength(1);
  });

  it('says the phone was not rung, and that nothing changed on the call, when Twilio refuses the leg', async () => {
    const world = await conferenceCall();
    const dial = world.voice.dial.bind(world.voice);
    world.voice.dial = async () => {
      throw new AuroraError('Ringing ***0001 failed: Twilio error 21215: Geo permissions', {
        retryable: false,
      });
    };
    expect(await act(world, { action: 'callme', callId: CALL_ID })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message:
        'Ringing ***0001 failed: Twilio error 21215: Geo permissions. Nothing changed on the call.',
    });
    expect(await world.call()).toMatchObject({ mode: 'ai' });
    expect((await world.call())!.conference).toBeUndefined();
    world.voice.dial = dial;
  });
});

describe('Transfer', () => {
  it('rings an allowed number with Aurora’s brief of the call, within the bridge’s time limit', async () => {
    const world = await conferenceCall();
    await takeTurn(
      {
        callSid: CALLER,
        speech: 'there is a fire in the paint store',
        silentTurns: 0,
        callHint: CALL_ID,
      },
      world.deps,
    );
    await act(world, { action: 'take', callId: CALL_ID });
    expect(await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' })).toEqual({
      ok: true,
      reached: true,
    });
    const leg = world.lastLeg();
    expect(leg).toMatchObject({
      to: '+15550190001',
      ringSeconds: 25,
      timeLimitSeconds: 3600,
      statusCallback: `${BASE}/twilio/leg-status?call=${CALL_ID}&role=oncall&who=%2B15550190001`,
    });
    expect(leg.twiml).toMatch(
      /<Say>Aurora safety line: an unconfirmed critical call from Priya Nair\. They said: there is a fire in the paint store\. Aurora told them: [^<]+\. Supervisor ana has the call now\. Press 1 to join\.<\/Say>/,
    );
    expect((await world.members())[leg.sid]).toMatchObject({
      role: 'oncall',
      who: '+15550190001',
      state: 'ringing',
    });
    expect((await world.notes()).at(-1)).toBe(
      "ana@site.example is ringing +15550190001 to hand the call over; they hear Aurora's brief first.",
    );
  });

  it('needs the call held, an allowed number (no toll fraud), and not one already ringing', async () => {
    const world = await conferenceCall();
    expect(await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'Take the call first.',
    });
    await act(world, { action: 'take', callId: CALL_ID });
    expect(
      await act(world, { action: 'transfer', callId: CALL_ID, to: '+882345678901' }),
    ).toMatchObject({
      ok: false,
      code: 'permission-denied',
    });
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    expect(await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: '+15550190001 is already ringing or on this call.',
    });
    expect(world.voice.dialled).toHaveLength(1);
  });

  it('is a warm transfer: the on-call joins the supervisor and the caller, the supervisor leaves them talking, and the caller goes back when the on-call hangs up', async () => {
    const world = await conferenceCall();
    await world.talk();
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    const sent = world.voice.sent.length;
    expect(await world.press('1')).toContain('<Conference muted="false"');
    expect(world.voice.sent).toHaveLength(sent); // the caller is in already
    expect(await act(world, { action: 'leave', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.sent.at(-1)).toEqual({ callSid: ANA_BROWSER, hangUp: true });
    expect(world.voice.endedConferences).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example left the call; the caller is with +15550190001.',
    );
    await conferenceEvent(
      {
        callId: CALL_ID,
        event: 'participant-leave',
        conferenceSid: CONFERENCE,
        callSid: ANA_BROWSER,
      },
      world.deps,
    );
    expect(world.voice.endedConferences).toEqual([]);
    world.clock.advance(30_000);
    await world.legEnds('completed');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    // Not the line of the supervisor who left: Aurora has the caller again (review finding A8).
    expect(await world.ended()).toContain('Aurora here again.');
  });
});

/** The on-call person joined by phone and talking (not muted): a voice the caller hears besides the supervisors'. */
const ON_CALL_LEG = 'CA' + '0c'.repeat(16);
const seatOnCall = (world: Awaited<ReturnType<typeof conferenceCall>>) =>
  world.live.update({
    [`active_calls/${CALL_ID}/conference/members/${ON_CALL_LEG}`]: {
      role: 'oncall',
      who: '+15550190001',
      via: 'phone',
      to: '+15550190001',
      state: 'joined',
      muted: false,
      at: '2025-10-04T14:30:00+05:30',
    },
  });

describe('Mute and Leave', () => {
  it('mutes and unmutes the admin’s own legs through the Participants API, finding the conference by name when Twilio has not reported it', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    await world.browser(ANA, ANA_BROWSER, 'talk');
    await seatOnCall(world); // someone else the caller hears: Ana is not their only voice
    world.voice.conferences.set(NAME, CONFERENCE);
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.mutes).toEqual([
      { conferenceSid: CONFERENCE, callSid: ANA_BROWSER, muted: true },
    ]);
    expect((await world.call())!.conference).toMatchObject({
      sid: CONFERENCE,
      members: { [ANA_BROWSER]: { muted: true } },
    });
    await act(world, { action: 'mute', callId: CALL_ID, muted: false });
    expect((await world.members())[ANA_BROWSER].muted).toBe(false);
  });

  it('lets a listening supervisor barge in and leave while another admin holds the call; nobody mutes or drops anyone else', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: false }, BEN)).toMatchObject({
      ok: true,
    });
    expect(world.voice.mutes.at(-1)).toEqual({
      conferenceSid: CONFERENCE,
      callSid: BEN_BROWSER,
      muted: false,
    });
    expect(await act(world, { action: 'leave', callId: CALL_ID }, BEN)).toMatchObject({ ok: true });
    expect((await world.members())[BEN_BROWSER].state).toBe('left');
    expect((await world.members())[ANA_BROWSER].state).toBe('joined');
    // Leaving again has nothing to do: done, not an error.
    expect(await act(world, { action: 'leave', callId: CALL_ID }, BEN)).toEqual({
      ok: true,
      reached: true,
    });
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true }, BEN)).toMatchObject({
      ok: false,
    });
  });

  it('is idempotent: a leave after Twilio’s participant-leave recorded the browser leaving (the dashboard hangs up first) is done, noted once; only an admin who never had a leg is refused', async () => {
    const world = await conferenceCall();
    await world.talk();
    await conferenceEvent(
      {
        callId: CALL_ID,
        event: 'participant-leave',
        conferenceSid: CONFERENCE,
        callSid: ANA_BROWSER,
        participantCallStatus: 'completed',
      },
      world.deps,
    );
    const notes = await world.notes();
    expect(await act(world, { action: 'leave', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(await world.notes()).toEqual(notes);
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect(await act(world, { action: 'leave', callId: CALL_ID }, BEN)).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'You are not talking or listening on this call.',
    });
  });

  it('ends the conference when the last supervisor leaves, so the caller goes back to someone', async () => {
    const world = await conferenceCall();
    await world.talk();
    await act(world, { action: 'leave', callId: CALL_ID });
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example left the voice call; ana@site.example still holds the call on the dashboard (typed words).',
    );
  });

  it('says the phone was left before it joined, and that the caller is still with Aurora', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'callme', callId: CALL_ID });
    const leg = world.lastLeg();
    expect(await act(world, { action: 'leave', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.sent.at(-1)).toEqual({ callSid: leg.sid, hangUp: true });
    expect((await world.notes()).at(-1)).toBe(
      'ana@site.example left before their phone joined the call; the caller is still with Aurora.',
    );
    // Twilio's callback for the canceled leg changes nothing more.
    const notes = (await world.notes()).length;
    await world.legEnds('canceled', leg);
    expect(await world.notes()).toHaveLength(notes);
  });

  it('does not read an admin ending the call in the conference as the caller hanging up', async () => {
    const world = await conferenceCall();
    await world.talk();
    const before = (await world.notes()).length;
    expect(await act(world, { action: 'end', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    await conferenceEvent(
      {
        callId: CALL_ID,
        event: 'participant-leave',
        conferenceSid: CONFERENCE,
        callSid: CALLER,
        participantCallStatus: 'completed',
      },
      world.deps,
    );
    await handleStatus({ callSid: CALLER, callStatus: 'completed' }, world.deps);
    expect((await world.notes()).slice(before)).toEqual(['ana@site.example ended the call.']);
    expect((await world.call())!.conference).toMatchObject({
      caller_in: false,
      members: { [ANA_BROWSER]: { state: 'left' } },
    });
  });

  it('reports a leave Twilio refused as not done, and leaves the leg as it was', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.voice.refuseNext = new AuroraError('Updating the call failed: HTTP 500', {
      retryable: true,
    });
    expect(await act(world, { action: 'leave', callId: CALL_ID })).toMatchObject({
      ok: false,
      code: 'unavailable',
    });
    expect((await world.members())[ANA_BROWSER].state).toBe('joined');
    expect(world.voice.endedConferences).toEqual([]);
  });
});

describe('Hand back and take while humans talk', () => {
  it('hands back by ending the conference: the caller’s <Dial action> brings them to Aurora', async () => {
    const world = await conferenceCall();
    await world.talk();
    const sent = world.voice.sent.length;
    expect(await act(world, { action: 'release', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect(world.voice.sent).toHaveLength(sent); // not pulled out by an update: the conference's end does it
    expect(await world.call()).toMatchObject({ mode: 'ai' });
    expect(await world.ended()).toContain('Aurora here again.');
  });

  it('hands back during a transfer: the ringing leg is hung up, and the caller is with Aurora', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    const leg = world.lastLeg();
    expect(await act(world, { action: 'release', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.sent.slice(-2)).toEqual([
      { callSid: CALLER, twiml: expect.stringContaining('Aurora here again.') },
      { callSid: leg.sid, hangUp: true },
    ]);
    expect((await world.members())[leg.sid].state).toBe('left');
    // Twilio's callback for the canceled leg changes nothing more.
    const notes = (await world.notes()).length;
    await world.legEnds('canceled', leg);
    expect(await world.notes()).toHaveLength(notes);
  });

  it('keeps the transfer ringing when Twilio refuses the hand-back (nothing changed on the call)', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    const leg = world.lastLeg();
    world.voice.refuseNext = new AuroraError('Updating the call failed: HTTP 500', {
      retryable: true,
    });
    expect(await act(world, { action: 'release', callId: CALL_ID })).toMatchObject({
      ok: false,
      code: 'unavailable',
    });
    expect(world.voice.gone.has(leg.sid)).toBe(false);
    expect((await world.members())[leg.sid].state).toBe('ringing');
    expect(await world.call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
  });

  it('moves the caller out directly when Twilio cannot end the conference on a hand-back', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.voice.refuseNext = new AuroraError('Ending the conference failed: HTTP 503', {
      retryable: true,
    });
    expect(await act(world, { action: 'release', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    const moved = world.voice.sent.at(-1)!;
    expect(moved.callSid).toBe(CALLER);
    expect(moved.twiml).toContain(
      `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop><Gather`,
    );
    expect(moved.twiml).toContain('Aurora here again.');
    expect((await world.call())!.conference!.caller_in).toBe(false);
  });

  it('does not pull a caller talking with the on-call out of the conference when an admin takes the call', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.live.update({ [`active_calls/${CALL_ID}/mode`]: 'ai' });
    const sent = world.voice.sent.length;
    expect(await act(world, { action: 'take', callId: CALL_ID }, BEN)).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.sent).toHaveLength(sent);
    expect(await world.call()).toMatchObject({ mode: 'human', admin_id: BEN.id });
  });

  it('refuses a cold bridge while the caller is in the conference (a call update would end it)', async () => {
    const world = await conferenceCall();
    await world.talk();
    const sent = world.voice.sent.length;
    expect(await act(world, { action: 'bridge', callId: CALL_ID, to: '+15557654321' })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message:
        'The caller is in the voice conference: a bridge would take them out of it. Transfer the call instead, or hand back first.',
    });
    expect(world.voice.sent).toHaveLength(sent);
  });
});

describe('typed words while the caller is in the conference', () => {
  it('speaks them into the conference (AnnounceUrl), in no call update, and records them once Twilio accepted', async () => {
    const world = await conferenceCall();
    await world.talk();
    const sent = world.voice.sent.length;
    const text = ' Stay low,\u0007 help is coming. ';
    expect(await act(world, { action: 'say', callId: CALL_ID, text })).toEqual({
      ok: true,
      reached: true,
    });
    // Only a key rides in the URL; the words wait on the call under it.
    expect(world.voice.announcements).toEqual([
      {
        conferenceSid: CONFERENCE,
        url: expect.stringMatching(
          new RegExp(`^${BASE}/twilio/announce\\?call=${CALL_ID}&key=[-0-9A-Za-z_]{20}$`),
        ),
      },
    ]);
    const key = new URL(world.voice.announcements[0].url).searchParams.get('key')!;
    expect((await world.call())!.conference!.announcements).toEqual({
      [key]: 'Stay low, help is coming.',
    });
    expect(world.voice.announcements[0].url).not.toContain('Stay');
    expect(world.voice.sent).toHaveLength(sent); // the caller stays in the conference
    expect((await world.transcript()).at(-1)).toMatchObject({
      role: 'admin',
      content: 'Stay low, help is coming.',
    });
    expect((await world.call())!.conference!.caller_in).toBe(true);
  });

  /** The AnnounceUrl's request, with the call's first `failures` database reads refused. */
  async function announceWith(failures: number) {
    const world = await conferenceCall();
    await world.talk();
    await act(world, { action: 'say', callId: CALL_ID, text: 'Stay low, help is coming.' });
    const key = new URL(world.voice.announcements[0].url).searchParams.get('key')!;
    const live = world.deps.live;
    const get = live.get.bind(live);
    let refused = 0;
    live.get = (path: string) =>
      refused++ < failures ? Promise.reject(new Error('unavailable')) : get(path);
    const twiml = await announce({ callId: CALL_ID, key }, world.deps);
    live.get = get;
    return { world, twiml };
  }

  it('says the typed words when the announcement’s read of the call fails once (tried again)', async () => {
    const { world, twiml } = await announceWith(1);
    expect(twiml).toContain('Stay low, help is coming.');
    expect((await world.transcript()).map((m) => m.content)).not.toContainEqual(
      expect.stringMatching(/^Not spoken/),
    );
  });

  it('corrects the record when the call cannot be read at all: the typed words may not have been heard', async () => {
    const { world, twiml } = await announceWith(99);
    expect(twiml).not.toContain('Stay low');
    const transcript = await world.transcript();
    expect(transcript.at(-2)).toMatchObject({
      role: 'admin',
      content: 'Stay low, help is coming.',
    });
    expect(transcript.at(-1)).toMatchObject({
      role: 'system',
      content: CONFERENCE_NOTES.notAnnounced,
    });
  });

  it('finds the conference by its name when Twilio has not reported its sid yet', async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    await world.browser(ANA, ANA_BROWSER, 'talk');
    world.voice.conferences.set(NAME, CONFERENCE);
    expect(await act(world, { action: 'say', callId: CALL_ID, text: 'Hello' })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.announcements.map((a) => a.conferenceSid)).toEqual([CONFERENCE]);
  });

  it('records nothing, and keeps no words, when Twilio refuses, the conference has ended or none runs', async () => {
    const world = await conferenceCall();
    await world.talk();
    const before = (await world.transcript()).length;
    const say = (text: string) => act(world, { action: 'say', callId: CALL_ID, text });

    world.voice.refuseNext = new AuroraError(
      'Speaking into the conference failed: Twilio error 21402: AnnounceUrl is not valid',
      { retryable: false },
    );
    expect(await say('Stay there.')).toEqual({
      ok: false,
      code: 'failed-precondition',
      message:
        'Speaking into the conference failed: Twilio error 21402: AnnounceUrl is not valid. Nothing changed on the call.',
    });

    world.voice.endedConferences.push(CONFERENCE);
    expect(await say('Stay there.')).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'The voice conference has just ended: nothing was said. Try again.',
    });

    await world.live.update({ [`active_calls/${CALL_ID}/conference/sid`]: null });
    world.voice.conferences.clear();
    expect(await say('Stay there.')).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: "The call's conference is not running.",
    });
    expect(await world.transcript()).toHaveLength(before);
    expect(world.voice.announcements).toEqual([]);
    expect((await world.call())!.conference!.announcements).toBeUndefined();
  });
});

describe('CallAction (voice actions)', () => {
  it('accepts well-formed voice actions and rejects the rest', () => {
    for (const good of [
      { action: 'callme', callId: CALL_ID },
      { action: 'transfer', callId: CALL_ID, to: '+15550190001' },
      { action: 'mute', callId: CALL_ID, muted: true },
      { action: 'leave', callId: CALL_ID },
    ])
      expect(CallAction.safeParse(good).success, JSON.stringify(good)).toBe(true);
    for (const bad of [
      { action: 'transfer', callId: CALL_ID, to: '5550190001' },
      { action: 'mute', callId: CALL_ID },
      { action: 'callme', callId: '../admins' },
    ])
      expect(CallAction.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
  });
});

describe('review fixes (part A)', () => {
  it('refuses to mute the only voice the caller hears, and mutes once someone else talks with them (A1)', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen'); // a muted listener is no company
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'You are the only one the caller can hear: hand back to Aurora or leave instead.',
    });
    expect(world.voice.mutes).toEqual([]);
    expect((await world.members())[ANA_BROWSER].muted).toBe(false);
    await seatOnCall(world);
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true })).toEqual({
      ok: true,
      reached: true,
    });
  });

  it('refuses a mute Twilio could not do because the leg is gone, and says which of two legs was muted (A2)', async () => {
    const world = await conferenceCall();
    await world.talk();
    await seatOnCall(world);
    world.voice.gone.add(ANA_BROWSER);
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true })).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'Your voice from the dashboard was not muted: Twilio says it has left the call.',
    });
    expect((await world.members())[ANA_BROWSER].muted).toBe(false);

    // Ana on two legs: her browser is muted, then Twilio says her phone is gone.
    world.voice.gone.delete(ANA_BROWSER);
    await act(world, { action: 'callme', callId: CALL_ID });
    const phone = world.lastLeg();
    await world.press('1');
    const muteMember = world.voice.muteMember.bind(world.voice);
    world.voice.muteMember = async (sid, leg, muted) =>
      leg === phone.sid ? 'gone' : muteMember(sid, leg, muted);
    const answer = await act(world, { action: 'mute', callId: CALL_ID, muted: true });
    expect(answer).toEqual({
      ok: false,
      code: 'failed-precondition',
      message:
        'Your voice from the dashboard is muted, but your phone is not: Twilio says it has left the call.',
    });
    expect((await world.members())[ANA_BROWSER].muted).toBe(true);
    expect((await world.members())[phone.sid].muted).toBe(false);
  });

  it('refuses typed words of only control characters before anything is sent (A7)', async () => {
    const world = await conferenceCall();
    await act(world, { action: 'take', callId: CALL_ID });
    const sent = world.voice.sent.length;
    const before = (await world.transcript()).length;
    expect(
      await act(world, { action: 'say', callId: CALL_ID, text: '\u0007\u0001 \u001b' }),
    ).toEqual({
      ok: false,
      code: 'failed-precondition',
      message: 'There are no words to speak: say something. Nothing was sent.',
    });
    expect(world.voice.sent).toHaveLength(sent);
    expect(await world.transcript()).toHaveLength(before);
  });

  it("stops the caller's transcription when typed words or a take move a caller who was in the conference back to a Gather (A3)", async () => {
    const world = await conferenceCall();
    await world.talk();
    // The conference has ended in the record, but the caller's <Dial action> has not come yet.
    await conferenceEvent(
      { callId: CALL_ID, event: 'conference-end', conferenceSid: CONFERENCE },
      world.deps,
    );
    const stop = `<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`;
    expect(await act(world, { action: 'say', callId: CALL_ID, text: 'Stay there' })).toMatchObject({
      ok: true,
    });
    expect(world.voice.sent.at(-1)!.twiml).toContain(stop);
    await act(world, { action: 'release', callId: CALL_ID });
    expect(world.voice.sent.at(-1)!.twiml).toContain(stop);
    await act(world, { action: 'take', callId: CALL_ID }, BEN);
    expect(world.voice.sent.at(-1)!.twiml).toContain(stop);
    // A call never in a conference has no transcription to stop.
    const plain = await conferenceCall();
    await act(plain, { action: 'take', callId: CALL_ID });
    expect(plain.voice.sent.at(-1)!.twiml).not.toContain('<Stop>');
  });

  it('gives the caller back to Aurora, not to a holder who had left them with the on-call person, and keeps a typing holder’s call (A8)', async () => {
    const world = await conferenceCall();
    await world.talk();
    await act(world, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    await world.press('1');
    await act(world, { action: 'leave', callId: CALL_ID });
    world.clock.advance(60_000); // the caller talks with the on-call person a minute
    await world.legEnds('completed');
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect(await world.ended()).toContain('Aurora here again.');
    expect(await world.call()).toMatchObject({ mode: 'ai' });
    expect(await world.notes()).toContain(
      'ana@site.example had left the call; Aurora has the caller again.',
    );
    expect(await world.notes()).not.toContain(
      'The voice conference ended; the caller is back with ana@site.example.',
    );

    // A holder who typed and never joined by voice keeps the call when the on-call hangs up.
    const typing = await conferenceCall();
    await act(typing, { action: 'take', callId: CALL_ID });
    await act(typing, { action: 'transfer', callId: CALL_ID, to: '+15550190001' });
    await typing.press('1');
    await typing.started();
    typing.clock.advance(60_000);
    await typing.legEnds('completed');
    expect(await typing.ended()).toContain('The other call has ended. Stay on the line');
    expect(await typing.call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
  });
});

describe('speaking up, taking and handing back while supervisors listen to Aurora', () => {
  /** Ben listens to a call nobody holds: the caller is in the conference, and Aurora answers them there. */
  async function listening() {
    const world = await conferenceCall();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await world.started();
    return world;
  }

  it('takes the call for a listener who speaks up, in the same change as a take, then unmutes them: Aurora stops answering', async () => {
    const world = await listening();
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: false }, BEN)).toEqual({
      ok: true,
      reached: true,
    });
    expect(await world.call()).toMatchObject({
      mode: 'human',
      admin_id: BEN.id,
      acknowledged_by: BEN.id,
    });
    expect(world.voice.mutes).toEqual([
      { conferenceSid: CONFERENCE, callSid: BEN_BROWSER, muted: false },
    ]);
    expect((await world.members())[BEN_BROWSER].muted).toBe(false);
    expect((await world.notes()).at(-1)).toBe('ben@site.example took over the call.');
    // Muting again is refused: he is now the only voice the caller hears, beside no Aurora.
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true }, BEN)).toMatchObject({
      ok: false,
      message: expect.stringContaining('only one the caller can hear'),
    });
  });

  it('undoes the take when Twilio unmutes no leg: Aurora goes on answering', async () => {
    const world = await listening();
    world.voice.refuseNext = new AuroraError('Updating the participant failed: Twilio error 20003');
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: false }, BEN)).toMatchObject({
      ok: false,
    });
    const call = (await world.call())!;
    expect(call.mode).toBe('ai');
    expect(call.admin_id).toBeUndefined();
    expect(await world.notes()).not.toContain('ben@site.example took over the call.');
  });

  it('unmutes beside another admin who holds the call without taking it', async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await act(world, { action: 'mute', callId: CALL_ID, muted: false }, BEN);
    expect(await world.call()).toMatchObject({ mode: 'human', admin_id: ANA.id });
  });

  it('lets a listener mute again while nobody holds the call: Aurora is the voice the caller hears', async () => {
    const world = await listening();
    // Ben's leg is recorded unmuted, as if Twilio's own participant-unmute said so (no take).
    await world.live.update({
      [`active_calls/${CALL_ID}/conference/members/${BEN_BROWSER}/muted`]: false,
    });
    expect(await act(world, { action: 'mute', callId: CALL_ID, muted: true }, BEN)).toEqual({
      ok: true,
      reached: true,
    });
  });

  it('ends the conference when an admin takes the call by typing (the caller would be with a holder who has no voice there); the caller hears a supervisor has joined', async () => {
    const world = await listening();
    expect(await act(world, { action: 'take', callId: CALL_ID })).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    const back = await world.ended();
    expect(back).toContain(`<Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop>`);
    expect(back).toContain(
      'A safety supervisor has joined the call and is listening. Keep talking to us.',
    );
    expect(await world.notes()).toEqual(
      expect.arrayContaining([
        'ana@site.example took over the call.',
        'The voice conference ended (nobody spoke in it); the caller is with ana@site.example.',
      ]),
    );
    expect((await world.call())!).toMatchObject({
      mode: 'human',
      conference: { caller_in: false, members: { [BEN_BROWSER]: { state: 'left' } } },
    });
  });

  it('hands back as before: a speaker who took the call hands back, the conference ends, and Aurora is back', async () => {
    const world = await listening();
    await act(world, { action: 'mute', callId: CALL_ID, muted: false }, BEN);
    expect(await act(world, { action: 'release', callId: CALL_ID }, BEN)).toEqual({
      ok: true,
      reached: true,
    });
    expect(world.voice.endedConferences).toEqual([CONFERENCE]);
    expect(await world.ended()).toContain('Aurora here again. I am listening.');
  });
});
