import { describe, expect, it } from 'vitest';
import {
  CONFERENCE_NOTES,
  LEG_LINES,
  auroraAnswersInConference,
  browserRefusal,
  callerBackNote,
  callerIntoConference,
  callerIsWith,
  callerCompanyAt,
  callerLeftAlone,
  type ConferenceParticipant,
  conferenceChange,
  callerTranscription,
  conferenceName,
  holderWhoLeft,
  humanHeardIn,
  conferenceUrls,
  humanLeg,
  legEndedNote,
  legScreening,
  ownLegs,
  stopCallerTranscription,
} from '../../../functions/src/core/conference';
import { MAX_UPDATE_TWIML_CHARS } from '../../../functions/src/core/twiml';
import type { CallConference, ConferenceMember, LiveCall } from '@aurora/model';
import VoiceResponse from 'twilio/lib/twiml/VoiceResponse';
import { aLiveCall, callSid } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const BASE = 'https://aurora.example.com';
const NAME = conferenceName(CALL_ID);
const AT = '2025-10-04T14:31:00+05:30';
const LATER = '2025-10-04T14:32:00+05:30';
const LEG = callSid(0xb1);
const PHONE = callSid(0xc1);
const XML = '<?xml version="1.0" encoding="UTF-8"?>';
const Q = `call=${CALL_ID}`;

const member = (overrides: Partial<ConferenceMember> = {}): ConferenceMember => ({
  role: 'supervisor',
  who: 'ana@site.example',
  via: 'browser',
  state: 'joined',
  muted: false,
  at: AT,
  ...overrides,
});
const withConference = (conference: Partial<CallConference>, call: Partial<LiveCall> = {}) =>
  aLiveCall({ conference: { name: NAME, caller_in: false, ...conference }, ...call });

describe('the conference name', () => {
  it('is the same for every leg of a call, and holds no phone number (Twilio asks for no personal data in it)', () => {
    expect(NAME).toMatch(/^aurora-[0-9a-f]{32}$/);
    expect(conferenceName(CALL_ID)).toBe(NAME);
    expect(conferenceName('call_15550100002_20251004_143000')).not.toBe(NAME);
    expect(NAME).not.toContain('15550100001');
  });
});

describe('the TwiML of each leg', () => {
  it('moves the caller in: a line, their words transcribed, and a conference that ends when they leave, then back to /twilio/rejoin', () => {
    expect(
      callerIntoConference({
        callId: CALL_ID,
        baseUrl: BASE,
        name: NAME,
        line: 'Connecting you now. Stay on the line.',
        voice: {},
        languageCode: 'en-US',
      }),
    ).toBe(
      `${XML}<Response><Say>Connecting you now. Stay on the line.</Say>` +
        `<Start><Transcription name="${callerTranscription(CALL_ID)}" track="inbound_track" statusCallbackUrl="${BASE}/twilio/transcription?${Q}&amp;speaker=caller" languageCode="en-US"/></Start>` +
        `<Dial action="${BASE}/twilio/rejoin?${Q}"><Conference startConferenceOnEnter="true" endConferenceOnExit="true" beep="false" statusCallback="${BASE}/twilio/conference?${Q}" statusCallbackEvent="start end join leave mute">${NAME}</Conference></Dial></Response>`,
    );
  });

  it("speaks the caller's line in their language's voice and transcribes them in it", () => {
    const twiml = callerIntoConference({
      callId: CALL_ID,
      baseUrl: BASE,
      name: NAME,
      line: 'Le estoy conectando. No cuelgue.',
      voice: { voice: 'Polly.Lucia', language: 'es-ES' },
      languageCode: 'es-ES',
    });
    expect(twiml).toContain('<Say voice="Polly.Lucia" language="es-ES">Le estoy conectando.');
    expect(twiml).toContain('languageCode="es-ES"');
  });

  it('joins a human leg labelled by who speaks, muted when listening in, without ending the conference on leaving', () => {
    expect(
      humanLeg({
        callId: CALL_ID,
        baseUrl: BASE,
        name: NAME,
        legSid: LEG,
        role: 'supervisor',
        who: 'ana@site.example',
        muted: true,
      }),
    ).toBe(
      `${XML}<Response><Start><Transcription name="leg-${LEG}" track="inbound_track" statusCallbackUrl="${BASE}/twilio/transcription?${Q}&amp;speaker=supervisor&amp;who=ana%40site.example"/></Start>` +
        `<Dial><Conference muted="true" startConferenceOnEnter="true" endConferenceOnExit="false" beep="false" statusCallback="${BASE}/twilio/conference?${Q}" statusCallbackEvent="start end join leave mute">${NAME}</Conference></Dial></Response>`,
    );
    expect(
      humanLeg({
        callId: CALL_ID,
        baseUrl: BASE,
        name: NAME,
        legSid: PHONE,
        role: 'oncall',
        who: '+15550190001',
        muted: false,
      }),
    ).toContain('speaker=oncall&amp;who=%2B15550190001"/></Start><Dial><Conference muted="false"');
  });

  it('screens a phone leg: the prompt, one key posted to /twilio/leg naming who it is, else goodbye', () => {
    expect(
      legScreening({
        callId: CALL_ID,
        baseUrl: BASE,
        role: 'oncall',
        who: '+15550190001',
        prompt: 'Aurora safety line: a CRITICAL call from Priya Nair.',
      }),
    ).toBe(
      `${XML}<Response><Gather numDigits="1" action="${BASE}/twilio/leg?${Q}&amp;role=oncall&amp;who=%2B15550190001">` +
        '<Say>Aurora safety line: a CRITICAL call from Priya Nair. Press 1 to join.</Say></Gather>' +
        '<Say>Goodbye.</Say><Hangup/></Response>',
    );
  });

  it('shortens a prompt that would not fit in the 4,000 characters of inline TwiML, never refusing it', () => {
    const prompt = `Aurora safety line: a CRITICAL call. ${'smoke & fire '.repeat(600)}`;
    const twiml = legScreening({
      callId: CALL_ID,
      baseUrl: BASE,
      role: 'oncall',
      who: '+15550190001',
      prompt,
    });
    expect(twiml.length).toBeLessThanOrEqual(MAX_UPDATE_TWIML_CHARS);
    expect(twiml).toContain('<Say>Aurora safety line: a CRITICAL call. smoke &amp; fire');
    expect(twiml).toContain('Press 1 to join.</Say></Gather><Say>Goodbye.</Say><Hangup/>');
    // Still a long prompt: only what was over was cut.
    expect(twiml.length).toBeGreaterThan(MAX_UPDATE_TWIML_CHARS - 100);
  });

  it('stops the caller transcription by its name before Aurora listens again', () => {
    const response = new VoiceResponse();
    stopCallerTranscription(CALL_ID)(response);
    expect(response.toString()).toBe(
      `${XML}<Response><Stop><Transcription name="${callerTranscription(CALL_ID)}"/></Stop></Response>`,
    );
  });

  it("names the call, the leg's role and who it is in every URL, URL-encoded", () => {
    const urls = conferenceUrls(BASE, CALL_ID);
    expect(urls.legStatus('supervisor', 'ana+ops@site.example')).toBe(
      `${BASE}/twilio/leg-status?${Q}&role=supervisor&who=ana%2Bops%40site.example`,
    );
    expect(urls.transcription('caller')).toBe(`${BASE}/twilio/transcription?${Q}&speaker=caller`);
  });
});

describe('conferenceChange', () => {
  it('lists a phone leg ringing once, then records how it ended; a replay changes nothing', () => {
    const ringing = conferenceChange(
      aLiveCall(),
      CALL_ID,
      { kind: 'ringing', leg: PHONE, role: 'oncall', who: '+15550190001', to: '+15550190001' },
      AT,
    )!;
    expect(ringing.conference).toEqual({
      name: NAME,
      caller_in: false,
      members: {
        [PHONE]: {
          role: 'oncall',
          who: '+15550190001',
          via: 'phone',
          to: '+15550190001',
          state: 'ringing',
          muted: false,
          at: AT,
        },
      },
    });
    const call = aLiveCall(ringing);
    expect(
      conferenceChange(
        call,
        CALL_ID,
        { kind: 'ringing', leg: PHONE, role: 'oncall', who: '+15550190001', to: '+15550190001' },
        LATER,
      ),
    ).toBeUndefined();
    for (const outcome of ['busy', 'no-answer', 'declined', 'failed'] as const) {
      const ended = conferenceChange(call, CALL_ID, { kind: 'ended', leg: PHONE, outcome }, LATER)!;
      expect(ended.conference.members![PHONE]).toMatchObject({ state: outcome, at: LATER });
      // A second status callback (or one out of order) does not change how it ended.
      expect(
        conferenceChange(
          aLiveCall(ended),
          CALL_ID,
          { kind: 'ended', leg: PHONE, outcome: 'busy' },
          LATER,
        ),
      ).toBeUndefined();
    }
  });

  it('brings the caller in with the first human, in a conference Twilio has not named yet', () => {
    const call = withConference({ sid: 'CF_old', members: {} });
    const joined = conferenceChange(
      call,
      CALL_ID,
      {
        kind: 'joined',
        leg: LEG,
        role: 'supervisor',
        who: 'ana@site.example',
        via: 'browser',
        muted: false,
      },
      AT,
    )!;
    expect(joined.conference).toEqual({
      name: NAME,
      caller_in: true,
      // When the caller was moved in: an end of an earlier conference reported after it is ignored.
      started_at: AT,
      members: { [LEG]: member() },
    });
    // A second human joins the caller where they are.
    const second = conferenceChange(
      aLiveCall(joined),
      CALL_ID,
      {
        kind: 'joined',
        leg: PHONE,
        role: 'oncall',
        who: '+15550190001',
        via: 'phone',
        muted: false,
      },
      LATER,
    )!;
    expect(second.conference.caller_in).toBe(true);
    expect(Object.keys(second.conference.members!)).toEqual([LEG, PHONE]);
    // The same request again (Twilio retried it) changes nothing.
    expect(
      conferenceChange(
        aLiveCall(joined),
        CALL_ID,
        {
          kind: 'joined',
          leg: LEG,
          role: 'supervisor',
          who: 'ana@site.example',
          via: 'browser',
          muted: false,
        },
        LATER,
      ),
    ).toBeUndefined();
  });

  it('never joins a leg that already ended (a key pressed after a hand-back hung it up)', () => {
    const call = withConference({ members: { [PHONE]: member({ via: 'phone', state: 'left' }) } });
    expect(
      conferenceChange(
        call,
        CALL_ID,
        {
          kind: 'joined',
          leg: PHONE,
          role: 'supervisor',
          who: 'ana@site.example',
          via: 'phone',
          muted: false,
        },
        LATER,
      ),
    ).toBeUndefined();
  });

  it('records a joined leg that ends as left, whatever its call status says', () => {
    const call = withConference({ caller_in: true, members: { [LEG]: member() } });
    expect(
      conferenceChange(call, CALL_ID, { kind: 'ended', leg: LEG, outcome: 'declined' }, LATER)!
        .conference.members![LEG],
    ).toEqual(member({ state: 'left', at: LATER }));
  });

  it('lists a leg it never heard of as it ended, when the callback says who it was; ignores the caller and unknown legs', () => {
    const call = withConference({});
    expect(
      conferenceChange(
        call,
        CALL_ID,
        {
          kind: 'ended',
          leg: PHONE,
          outcome: 'no-answer',
          member: { role: 'oncall', who: '+15550190001', via: 'phone', to: '+15550190001' },
        },
        AT,
      )!.conference.members![PHONE],
    ).toMatchObject({ state: 'no-answer', who: '+15550190001' });
    expect(
      conferenceChange(call, CALL_ID, { kind: 'ended', leg: callSid(1), outcome: 'left' }, AT),
    ).toBeUndefined();
    expect(
      conferenceChange(aLiveCall(), CALL_ID, { kind: 'ended', leg: PHONE, outcome: 'left' }, AT),
    ).toBeUndefined();
  });

  it('never writes an undefined value (the Realtime Database refuses a write holding one)', () => {
    const call = withConference({ caller_in: true, members: { [LEG]: member() } });
    const events = [
      {
        kind: 'ended',
        leg: PHONE,
        outcome: 'declined',
        member: { role: 'oncall', who: '+15550190001', via: 'phone', to: undefined },
      },
      {
        kind: 'joined',
        leg: PHONE,
        role: 'supervisor',
        who: 'ana@site.example',
        via: 'phone',
        to: undefined,
        muted: false,
      },
      { kind: 'conference-ended' },
      { kind: 'move-failed', leg: LEG },
    ] as const;
    for (const event of events) {
      const fields = conferenceChange(call, CALL_ID, event, LATER)!;
      expect(JSON.parse(JSON.stringify(fields)), event.kind).toStrictEqual(fields);
    }
  });

  it('records muting of a joined leg, once', () => {
    const call = withConference({ caller_in: true, members: { [LEG]: member() } });
    const muted = conferenceChange(call, CALL_ID, { kind: 'muted', leg: LEG, muted: true }, LATER)!;
    expect(muted.conference.members![LEG]).toEqual(member({ muted: true }));
    expect(
      conferenceChange(aLiveCall(muted), CALL_ID, { kind: 'muted', leg: LEG, muted: true }, LATER),
    ).toBeUndefined();
  });

  it('keeps the ConferenceSid Twilio reports, once', () => {
    const call = withConference({ caller_in: true });
    const started = conferenceChange(
      call,
      CALL_ID,
      { kind: 'conference-started', sid: 'CF1' },
      AT,
    )!;
    expect(started.conference.sid).toBe('CF1');
    expect(
      conferenceChange(aLiveCall(started), CALL_ID, { kind: 'conference-started', sid: 'CF1' }, AT),
    ).toBeUndefined();
    expect(
      conferenceChange(aLiveCall(), CALL_ID, { kind: 'conference-started', sid: 'CF1' }, AT),
    ).toBeUndefined();
  });

  it('never lets a late event of an earlier conference replace the current one (I8, seed 4242)', () => {
    const current = withConference({ sid: 'CF2', caller_in: true });
    const start = (sid: string, running?: string | null) =>
      conferenceChange(
        current,
        CALL_ID,
        { kind: 'conference-started', sid, ...(running === undefined ? {} : { running }) },
        AT,
      );
    // Twilio not asked: the sid recorded stays.
    expect(start('CF1')).toBeUndefined();
    // Twilio lists CF2 running, or none: CF1 has ended.
    expect(start('CF1', 'CF2')).toBeUndefined();
    expect(start('CF1', null)).toBeUndefined();
    // Twilio lists CF3 running: the record named a stale one.
    expect(start('CF3', 'CF3')!.conference.sid).toBe('CF3');
    // The caller's late join of an ended conference: they are not in it.
    const out = withConference({ caller_in: false });
    expect(
      conferenceChange(out, CALL_ID, { kind: 'caller-joined', sid: 'CF1', running: null }, AT),
    ).toBeUndefined();
    expect(
      conferenceChange(out, CALL_ID, { kind: 'caller-joined', sid: 'CF1', running: 'CF1' }, AT)!
        .conference,
    ).toMatchObject({ caller_in: true, sid: 'CF1' });
    expect(
      conferenceChange(current, CALL_ID, { kind: 'caller-joined', sid: 'CF1' }, AT),
    ).toBeUndefined();
  });

  it('puts the caller out and every joined leg left when the conference ends; the end of an earlier conference changes nothing', () => {
    const call = withConference({
      sid: 'CF2',
      caller_in: true,
      members: { [LEG]: member(), [PHONE]: member({ via: 'phone', state: 'ringing' }) },
    });
    expect(
      conferenceChange(call, CALL_ID, { kind: 'conference-ended', sid: 'CF1' }, LATER),
    ).toBeUndefined();
    const ended = conferenceChange(call, CALL_ID, { kind: 'conference-ended', sid: 'CF2' }, LATER)!;
    expect(ended.conference).toEqual({
      name: NAME,
      caller_in: false,
      caller_left_at: LATER,
      members: {
        [LEG]: member({ state: 'left', at: LATER }),
        // Still ringing: it may yet join, bringing the caller back in.
        [PHONE]: member({ via: 'phone', state: 'ringing' }),
      },
    });
    expect(
      conferenceChange(aLiveCall(ended), CALL_ID, { kind: 'conference-ended' }, LATER),
    ).toBeUndefined();
  });

  it('records the caller in when their own join says so, and undoes a join whose move Twilio refused', () => {
    const call = withConference({ caller_in: false });
    expect(
      conferenceChange(call, CALL_ID, { kind: 'caller-joined', sid: 'CF3' }, AT)!.conference,
    ).toMatchObject({ caller_in: true, sid: 'CF3' });
    const claimed = withConference({ caller_in: true, members: { [LEG]: member() } });
    expect(
      conferenceChange(claimed, CALL_ID, { kind: 'move-failed', leg: LEG }, LATER)!.conference,
    ).toEqual({
      name: NAME,
      caller_in: false,
      members: { [LEG]: member({ state: 'failed', at: LATER }) },
    });
  });
});

describe('review fixes (part A)', () => {
  it("names the caller's transcription with the conference's digest, never the call id and its number (A5)", () => {
    expect(callerTranscription(CALL_ID)).toBe(`caller-${NAME.slice('aurora-'.length)}`);
    expect(callerTranscription(CALL_ID)).not.toContain('15550100001');
    const twiml = stopCallerTranscription(CALL_ID);
    const response = new VoiceResponse();
    twiml(response);
    expect(response.toString()).not.toContain('15550100001');
  });

  it('puts only a key in the AnnounceUrl, never the typed words (A6)', () => {
    expect(conferenceUrls(BASE, CALL_ID).announce('-Oabc123DEF456ghi789')).toBe(
      `${BASE}/twilio/announce?${Q}&key=-Oabc123DEF456ghi789`,
    );
  });

  it('drops typed words not yet spoken when the conference ends, and records when the caller left (A3, A6)', () => {
    const call = withConference({
      sid: 'CF2',
      caller_in: true,
      caller_joined_at: AT,
      announcements: { k1: 'Stay low' },
      members: { [LEG]: member() },
    });
    const ended = conferenceChange(call, CALL_ID, { kind: 'conference-ended' }, LATER)!;
    expect(ended.conference.announcements).toBeUndefined();
    expect(ended.conference.caller_left_at).toBe(LATER);
    expect(ended.conference.caller_joined_at).toBe(AT); // a human's last words before the end are still judged by it
  });

  it("records when the caller's own participant-join came, even after the conference's start named it; a new conference forgets it (A4)", () => {
    const brought = conferenceChange(
      withConference({}),
      CALL_ID,
      {
        kind: 'joined',
        leg: LEG,
        role: 'supervisor',
        who: 'ana@site.example',
        via: 'browser',
        muted: false,
      },
      AT,
    )!;
    expect(brought.conference.caller_in).toBe(true);
    expect(brought.conference.caller_joined_at).toBeUndefined();
    const started = conferenceChange(
      aLiveCall(brought),
      CALL_ID,
      { kind: 'conference-started', sid: 'CF1' },
      AT,
    )!;
    const joined = conferenceChange(
      aLiveCall(started),
      CALL_ID,
      { kind: 'caller-joined', sid: 'CF1' },
      LATER,
    )!;
    expect(joined.conference).toMatchObject({
      caller_in: true,
      sid: 'CF1',
      caller_joined_at: LATER,
    });
    expect(
      conferenceChange(aLiveCall(joined), CALL_ID, { kind: 'caller-joined', sid: 'CF1' }, LATER),
    ).toBeUndefined();
    const again = conferenceChange(
      withConference({ caller_in: false, caller_joined_at: AT, caller_left_at: AT, members: {} }),
      CALL_ID,
      {
        kind: 'joined',
        leg: PHONE,
        role: 'oncall',
        who: '+15550190001',
        via: 'phone',
        muted: false,
      },
      LATER,
    )!;
    expect(again.conference.caller_joined_at).toBeUndefined();
    // When the caller last left is kept: if this move in fails, their late words from before
    // it are still theirs (core/transcription.ts callerOutBecause); their next leave replaces it.
    expect(again.conference.caller_left_at).toBe(AT);
  });

  it('finds the holder whose voice had left the caller with someone who has gone too; not one who typed, left last, or is still on (A8)', () => {
    const ONCALL = callSid(0xd1);
    const held = { mode: 'human' as const, admin_id: 'ana@site.example' };
    const oncall = (at: string) =>
      member({ role: 'oncall', who: '+15550190001', via: 'phone', state: 'left', at });
    const afterTransfer = withConference(
      { members: { [LEG]: member({ state: 'left', at: AT }), [ONCALL]: oncall(LATER) } },
      held,
    );
    expect(holderWhoLeft(afterTransfer)).toBe('ana@site.example');
    // She left last (the leaving rule ended it): she keeps the call and types.
    const leftLast = withConference(
      { members: { [LEG]: member({ state: 'left', at: LATER }), [ONCALL]: oncall(AT) } },
      held,
    );
    expect(holderWhoLeft(leftLast)).toBeNull();
    // Both left within the same second (a quick warm transfer): which went first is unknown, so
    // Aurora has the caller again rather than a supervisor who may be gone.
    const sameSecond = withConference(
      { members: { [LEG]: member({ state: 'left', at: AT }), [ONCALL]: oncall(AT) } },
      held,
    );
    expect(holderWhoLeft(sameSecond)).toBe('ana@site.example');
    // Never joined by voice (typing), or still on it, or the call handed back already.
    expect(
      holderWhoLeft(withConference({ members: { [ONCALL]: oncall(LATER) } }, held)),
    ).toBeNull();
    expect(
      holderWhoLeft(
        withConference({ members: { [LEG]: member(), [ONCALL]: oncall(LATER) } }, held),
      ),
    ).toBeNull();
    expect(holderWhoLeft({ ...afterTransfer, mode: 'ai' })).toBeNull();
  });
});

describe('who is where', () => {
  const joinedCall = withConference(
    {
      caller_in: true,
      members: {
        [LEG]: member(),
        [PHONE]: member({ role: 'oncall', who: '+15550190001', via: 'phone' }),
      },
    },
    { mode: 'human', admin_id: 'ana@site.example' },
  );

  it('says who the caller is with: the humans in the conference, else the holder, else Aurora', () => {
    expect(callerIsWith(joinedCall)).toBe('ana@site.example and +15550190001');
    expect(
      callerIsWith(
        withConference({ caller_in: false }, { mode: 'human', admin_id: 'ben@site.example' }),
      ),
    ).toBe('ben@site.example');
    expect(callerIsWith(withConference({ caller_in: true, members: {} }))).toBe('Aurora');
    expect(callerLeftAlone(joinedCall)).toBe(false);
    expect(
      callerLeftAlone(
        withConference({ caller_in: true, members: { [LEG]: member({ state: 'left' }) } }),
      ),
    ).toBe(true);
    expect(callerLeftAlone(withConference({ caller_in: false }))).toBe(false);
  });

  it('counts only the humans the caller hears: muted listeners are no company', () => {
    const listenersOnly = withConference(
      {
        caller_in: true,
        members: {
          [LEG]: member({ state: 'left' }),
          [PHONE]: member({ who: 'ben@site.example', muted: true }),
        },
      },
      { mode: 'human', admin_id: 'ana@site.example' },
    );
    expect(callerLeftAlone(listenersOnly)).toBe(true);
    expect(callerIsWith(listenersOnly)).toBe('ana@site.example');
    const oneHeard = withConference({
      caller_in: true,
      members: { [LEG]: member(), [PHONE]: member({ who: 'ben@site.example', muted: true }) },
    });
    expect(callerLeftAlone(oneHeard)).toBe(false);
    expect(callerIsWith(oneHeard)).toBe('ana@site.example');
  });

  it("finds an admin's own legs in the states asked for", () => {
    expect(
      ownLegs(joinedCall.conference, 'ana@site.example', ['joined']).map(([leg]) => leg),
    ).toEqual([LEG]);
    expect(ownLegs(joinedCall.conference, 'ben@site.example', ['joined'])).toEqual([]);
  });

  it('says in the transcript where the caller is after a leg ends', () => {
    expect(CONFERENCE_NOTES.ended('+15550190001', 'no-answer', 'ana@site.example')).toBe(
      '+15550190001 did not answer; the caller is still with ana@site.example.',
    );
    expect(CONFERENCE_NOTES.ended('+15550190001', 'busy', 'Aurora')).toBe(
      '+15550190001 was busy; the caller is still with Aurora.',
    );
    expect(CONFERENCE_NOTES.ended('ana@site.example', 'left', '+15550190001')).toBe(
      'ana@site.example left the call; the caller is with +15550190001.',
    );
  });

  describe('the note for a leg that ended never names its person as the caller’s company', () => {
    const held = { mode: 'human' as const, admin_id: 'ana@site.example' };
    const ana = { who: 'ana@site.example', via: 'browser' as const };

    it('says the holder whose voice left still holds the call by typed words, whether the caller is back or not yet', () => {
      for (const callerIn of [true, false]) {
        const call = withConference(
          { caller_in: callerIn, members: { [LEG]: member({ state: 'left' }) } },
          held,
        );
        expect(legEndedNote(ana, 'left', call)).toBe(
          'ana@site.example left the voice call; ana@site.example still holds the call on the dashboard (typed words).',
        );
      }
      const phone = withConference(
        { caller_in: false, members: { [PHONE]: member({ via: 'phone', state: 'no-answer' }) } },
        held,
      );
      expect(legEndedNote({ ...ana, via: 'phone' }, 'no-answer', phone)).toBe(
        'ana@site.example did not answer; ana@site.example still holds the call on the dashboard (typed words).',
      );
    });

    it('names who else the caller hears, else the holder, else Aurora', () => {
      const withOnCall = withConference(
        {
          caller_in: true,
          members: {
            [LEG]: member({ state: 'left' }),
            [PHONE]: member({ role: 'oncall', who: '+15550190001', via: 'phone' }),
          },
        },
        held,
      );
      expect(legEndedNote(ana, 'left', withOnCall)).toBe(
        'ana@site.example left the call; the caller is with +15550190001.',
      );
      const onCallGone = withConference({ caller_in: false }, held);
      expect(legEndedNote({ who: '+15550190001', via: 'phone' }, 'left', onCallGone)).toBe(
        '+15550190001 left the call; the caller is with ana@site.example.',
      );
      expect(legEndedNote(ana, 'no-answer', withConference({ caller_in: false }))).toBe(
        'ana@site.example did not answer; the caller is still with Aurora.',
      );
    });

    it('says a person still on the call by another leg is talking by that one', () => {
      const twoLegs = withConference(
        {
          caller_in: true,
          members: {
            [LEG]: member(),
            [PHONE]: member({ via: 'phone', state: 'left' }),
            [callSid(0xd1)]: member({ role: 'oncall', who: '+15550190001', via: 'phone' }),
          },
        },
        held,
      );
      expect(legEndedNote({ ...ana, via: 'phone' }, 'left', twoLegs)).toBe(
        'ana@site.example left the call (phone); ana@site.example is still talking with the caller by voice from the dashboard, and so is +15550190001.',
      );
    });
  });
});

describe('listening to Aurora: the caller in the conference with nobody holding the call', () => {
  const listener = member({ who: 'ben@site.example', muted: true });
  const listened = withConference({
    caller_in: true,
    started_at: AT,
    members: { [LEG]: listener },
  });
  const held = { mode: 'human', admin_id: 'ana@site.example' } as const;

  it('has Aurora answer the caller only while they are in the conference and nobody holds the call', () => {
    expect(auroraAnswersInConference(listened)).toBe(true);
    expect(auroraAnswersInConference(withConference({ caller_in: false }))).toBe(false);
    expect(auroraAnswersInConference(aLiveCall())).toBe(false);
    expect(
      auroraAnswersInConference(
        withConference({ caller_in: true, members: { [LEG]: listener } }, held),
      ),
    ).toBe(false);
  });

  it('keeps the conference going for a muted listener when nobody holds the call, and ends it when the last one leaves', () => {
    expect(callerLeftAlone(listened)).toBe(false);
    const twoListening = withConference({
      caller_in: true,
      members: { [LEG]: listener, [PHONE]: member({ who: 'cho@site.example', muted: true }) },
    });
    expect(callerLeftAlone(twoListening)).toBe(false);
    const lastLeft = withConference({
      caller_in: true,
      members: { [LEG]: { ...listener, state: 'left' } },
    });
    expect(callerLeftAlone(lastLeft)).toBe(true);
  });

  it('ends it as before when someone holds the call: muted listeners are no company beside a holder with no voice there', () => {
    expect(
      callerLeftAlone(withConference({ caller_in: true, members: { [LEG]: listener } }, held)),
    ).toBe(true);
    expect(
      callerLeftAlone(
        withConference(
          { caller_in: true, members: { [LEG]: listener, [PHONE]: member({ via: 'phone' }) } },
          held,
        ),
      ),
    ).toBe(false);
  });

  it('tells whether a human voice reached the caller in the latest conference: joined unmuted, or unmuted later, since the move in', () => {
    expect(humanHeardIn(listened.conference)).toBe(false);
    expect(
      humanHeardIn(withConference({ caller_in: true, members: { [LEG]: member() } }).conference),
    ).toBe(true);
    const spokeUp = { ...listener, unmuted_at: LATER, muted: false };
    expect(humanHeardIn({ ...listened.conference!, members: { [LEG]: spokeUp } })).toBe(true);
    // Spoke up, then muted again: still heard.
    expect(
      humanHeardIn({ ...listened.conference!, members: { [LEG]: { ...spokeUp, muted: true } } }),
    ).toBe(true);
    // A member heard in an earlier conference of the call, before the caller was moved in again.
    const earlier = member({ state: 'left', at: AT });
    expect(
      humanHeardIn({ ...listened.conference!, started_at: LATER, members: { [PHONE]: earlier } }),
    ).toBe(false);
    // A phone leg rung and declined was never in it.
    expect(
      humanHeardIn({
        ...listened.conference!,
        members: { [PHONE]: member({ state: 'declined' }) },
      }),
    ).toBe(false);
  });

  it('notes no return when Aurora was the voice all along, and that nobody spoke when a holder took the call by typing', () => {
    const over = {
      ...listened.conference!,
      caller_in: false,
      members: { [LEG]: { ...listener, state: 'left' as const } },
    };
    expect(callerBackNote(withConference(over))).toBeNull();
    expect(callerBackNote(withConference(over, held))).toBe(
      'The voice conference ended (nobody spoke in it); the caller is with ana@site.example.',
    );
    const talked = { ...over, members: { [LEG]: member({ state: 'left' }) } };
    expect(callerBackNote(withConference(talked))).toBe(
      'The voice conference ended; the caller is back with Aurora.',
    );
  });

  it('says a muted listener who leaves stopped listening, the caller still with Aurora (or the holder)', () => {
    const left = withConference({
      caller_in: true,
      members: { [LEG]: { ...listener, state: 'left' } },
    });
    expect(legEndedNote(listener, 'left', left)).toBe(
      'ben@site.example stopped listening; the caller is still with Aurora.',
    );
    expect(legEndedNote(listener, 'left', { ...left, ...held })).toBe(
      'ben@site.example stopped listening; the caller is still with ana@site.example.',
    );
    // Someone the caller hears is still there: as before.
    const withAna = withConference({
      caller_in: true,
      members: { [LEG]: { ...listener, state: 'left' }, [PHONE]: member({ via: 'phone' }) },
    });
    expect(legEndedNote(listener, 'left', withAna)).toBe(
      'ben@site.example left the call; the caller is with ana@site.example.',
    );
  });
});

describe('browserRefusal', () => {
  const held = aLiveCall({ mode: 'human', admin_id: 'ana@site.example' });
  it('lets the holder talk, and nobody else', () => {
    expect(browserRefusal(held, 'ana@site.example', 'talk')).toBeNull();
    expect(browserRefusal(held, 'ben@site.example', 'talk')).toBe(
      LEG_LINES.notHolding('ana@site.example'),
    );
    expect(browserRefusal(aLiveCall(), 'ana@site.example', 'talk')).toBe(
      'Take the call on the dashboard first.',
    );
  });

  it('lets anyone listen to a live call, in the conference or not, but not to a holder typing to a caller outside it; nobody to an ended call', () => {
    // Aurora answers a call nobody holds: a listener's join brings the caller into the conference.
    expect(browserRefusal(aLiveCall(), 'ben@site.example', 'listen')).toBeNull();
    expect(
      browserRefusal(withConference({ caller_in: true }), 'ben@site.example', 'listen'),
    ).toBeNull();
    expect(
      browserRefusal(
        withConference({ caller_in: true }, { mode: 'human', admin_id: 'ana@site.example' }),
        'ben@site.example',
        'listen',
      ),
    ).toBeNull();
    // Moved in beside a holder with no voice there, the caller would be returned at once (the leaving rule).
    expect(browserRefusal(held, 'ben@site.example', 'listen')).toBe(
      LEG_LINES.holderTyping('ana@site.example'),
    );
    expect(browserRefusal({ ...held, purging: true }, 'ben@site.example', 'listen')).toBe(
      LEG_LINES.ended,
    );
    expect(browserRefusal({ ...held, status: 'ENDED' }, 'ana@site.example', 'talk')).toBe(
      LEG_LINES.ended,
    );
  });
});

describe('review B: late ends and rung legs', () => {
  it('ignores an end, with no sid stored yet, that Twilio timed before the caller was moved in', () => {
    const call = withConference({
      caller_in: true,
      started_at: LATER,
      members: { [LEG]: member() },
    });
    // Twilio's Timestamp (RFC 2822) of an earlier conference's end, a minute before the move in.
    const early = 'Sat, 04 Oct 2025 09:01:00 +0000';
    expect(
      conferenceChange(
        call,
        CALL_ID,
        { kind: 'conference-ended', sid: 'CF_old', endedAt: early },
        LATER,
      ),
    ).toBeUndefined();
    // One timed after it is this conference's end.
    const late = 'Sat, 04 Oct 2025 09:03:00 +0000';
    expect(
      conferenceChange(
        call,
        CALL_ID,
        { kind: 'conference-ended', sid: 'CF_new', endedAt: late },
        LATER,
      )!.conference.caller_in,
    ).toBe(false);
  });

  it('records under whose holding a phone leg was rung', () => {
    const rung = conferenceChange(
      withConference({ members: {} }),
      CALL_ID,
      {
        kind: 'ringing',
        leg: PHONE,
        role: 'oncall',
        who: '+15550170002',
        to: '+15550170002',
        holder: 'ana@site.example',
      },
      AT,
    )!;
    expect(rung.conference.members![PHONE]).toMatchObject({
      state: 'ringing',
      rang_holder: 'ana@site.example',
    });
  });
});

describe("callerCompanyAt: the leaving rule on Twilio's participant list, without the record", () => {
  const CALLER = callSid(1);
  const participant = (overrides: Partial<ConferenceParticipant>): ConferenceParticipant => ({
    callSid: LEG,
    endConferenceOnExit: false,
    muted: false,
    hold: false,
    status: 'connected',
    ...overrides,
  });
  const caller = participant({ callSid: CALLER, endConferenceOnExit: true });

  it('finds the caller alone when nobody else is listed, or only muted or held listeners', () => {
    expect(callerCompanyAt([caller])).toBe('alone');
    expect(callerCompanyAt([caller, participant({ muted: true })])).toBe('alone');
    expect(callerCompanyAt([caller, participant({ hold: true })])).toBe('alone');
  });

  it('finds them with someone while another unmuted human is connected', () => {
    expect(callerCompanyAt([caller, participant({})])).toBe('with-someone');
    expect(
      callerCompanyAt([caller, participant({ muted: true }), participant({ callSid: PHONE })]),
    ).toBe('with-someone');
  });

  it('does not count the leg that has just left, nor one not yet (or no longer) connected', () => {
    expect(callerCompanyAt([caller, participant({})], LEG)).toBe('alone');
    expect(callerCompanyAt([caller, participant({ status: 'connecting' })])).toBe('alone');
    expect(callerCompanyAt([caller, participant({ status: 'complete' })])).toBe('alone');
  });

  it('tells the caller apart by endConferenceOnExit: with no such participant connected, the caller is not in it', () => {
    expect(callerCompanyAt([])).toBe('not-in');
    expect(callerCompanyAt([participant({}), participant({ callSid: PHONE, muted: true })])).toBe(
      'not-in',
    );
    expect(callerCompanyAt([{ ...caller, status: 'complete' }, participant({})])).toBe('not-in');
    expect(callerCompanyAt([caller], CALLER)).toBe('not-in');
  });
});
