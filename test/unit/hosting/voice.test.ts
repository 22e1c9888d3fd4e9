import { describe, expect, it } from 'vitest';
import type { ConferenceMember, LiveCall } from '@aurora/model';
import {
  auroraAnswersInConference,
  browserLeg,
  callerCompany,
  callerLine,
  callerUnheard,
  e164,
  knownOnCallNumbers,
  listenBlocked,
  memberLine,
  membersOf,
  MICROPHONE_DENIED_TEXT,
  myLiveLegs,
  myMuted,
  muteLabel,
  notConnectedReason,
  refusalText,
  speakerLabel,
  talkBlocked,
  voiceErrorText,
  voiceProblemText,
  voiceStateText,
} from '../../../hosting/src/core/voice';

const ANA = 'ana@site.example';
const BEN = 'ben@site.example';
const ON_CALL = '+15550190001';

const member = (extra: Partial<ConferenceMember> = {}): ConferenceMember => ({
  role: 'supervisor',
  who: ANA,
  via: 'browser',
  state: 'joined',
  muted: false,
  at: '2026-03-01T10:00:00.000+05:30',
  ...extra,
});

type VoiceCall = Pick<
  LiveCall,
  'mode' | 'admin_id' | 'conference' | 'status' | 'escalation' | 'purging'
>;
const call = (extra: Partial<VoiceCall> = {}): VoiceCall => ({
  mode: 'ai',
  status: 'ACTIVE',
  ...extra,
});
const inConference = (members: Record<string, ConferenceMember>, extra: Partial<VoiceCall> = {}) =>
  call({
    mode: 'human',
    admin_id: ANA,
    conference: { name: 'aurora-call_1', caller_in: true, members },
    ...extra,
  });
const withMember = (m: ConferenceMember, extra: Partial<VoiceCall> = {}) =>
  inConference({ CAleg: m }, extra);
/** The caller in the conference with these legs and nobody holding the call: Aurora answers there. */
const auroraInConference = (members: Record<string, ConferenceMember>) =>
  inConference(members, { mode: 'ai', admin_id: undefined });
const line = (m: ConferenceMember, c: VoiceCall, me = ANA) =>
  memberLine({ ...m, sid: 'CAleg' }, c, me);

describe('who is on the call, in words', () => {
  it('says an on-call person is hearing the brief, then that they joined', () => {
    const ringing = member({
      role: 'oncall',
      who: ON_CALL,
      via: 'phone',
      to: ON_CALL,
      state: 'ringing',
    });
    expect(line(ringing, withMember(ringing))).toBe(
      `On-call ${ON_CALL} is being called: they hear Aurora's brief of the call, then press 1 to join`,
    );
    const joined = { ...ringing, state: 'joined' as const };
    expect(line(joined, withMember(joined))).toBe(`On-call ${ON_CALL} joined: heard by the caller`);
  });

  it('says who the caller is still with when the on-call person does not join: never alone', () => {
    for (const [state, verb] of [
      ['no-answer', 'did not answer'],
      ['declined', 'declined'],
      ['busy', 'was busy'],
      ['failed', 'could not be called'],
    ] as const) {
      const oncall = member({ role: 'oncall', who: ON_CALL, via: 'phone', state });
      // Ana talks from her browser: the caller is with her.
      const talking = inConference({ CAleg: oncall, CAana: member() });
      expect(memberLine({ ...oncall, sid: 'CAleg' }, talking, ANA)).toBe(
        `On-call ${ON_CALL} ${verb} — the caller is still with you`,
      );
      // Ben reads the same call: the caller is with Ana.
      expect(memberLine({ ...oncall, sid: 'CAleg' }, talking, BEN)).toBe(
        `On-call ${ON_CALL} ${verb} — the caller is still with ${ANA}`,
      );
    }
    // A transfer from a call nobody holds: the caller stayed with Aurora.
    const unanswered = member({ role: 'oncall', who: ON_CALL, via: 'phone', state: 'no-answer' });
    expect(
      line(
        unanswered,
        call({ conference: { name: 'n', caller_in: false, members: { CAleg: unanswered } } }),
      ),
    ).toBe(`On-call ${ON_CALL} did not answer — the caller is still with Aurora`);
  });

  it("names this supervisor's own legs as theirs, and another supervisor's as theirs", () => {
    const phone = member({ via: 'phone', to: '+15550100077', state: 'ringing' });
    expect(line(phone, withMember(phone))).toBe(
      'Your phone (+15550100077) is ringing: answer and press 1 to join',
    );
    expect(line(phone, withMember(phone), BEN)).toBe(
      `${ANA}'s phone (+15550100077) is ringing: answer and press 1 to join`,
    );
    const listening = member({ muted: true });
    expect(line(listening, withMember(listening))).toBe(
      'Your browser joined, muted: listening without being heard',
    );
    expect(line({ ...listening, state: 'left' }, withMember(listening))).toBe(
      'Your browser left the call',
    );
  });

  it('orders the legs: on the call, then ringing, then the ended ones, oldest first', () => {
    const c = inConference({
      CAa: member({ state: 'left', at: '2026-03-01T10:00:00.000+05:30' }),
      CAb: member({
        role: 'oncall',
        who: ON_CALL,
        state: 'ringing',
        at: '2026-03-01T10:00:02.000+05:30',
      }),
      CAc: member({ who: BEN, at: '2026-03-01T10:00:03.000+05:30' }),
      CAd: member({ at: '2026-03-01T10:00:01.000+05:30' }),
    });
    expect(membersOf(c).map((m) => m.sid)).toEqual(['CAd', 'CAc', 'CAb', 'CAa']);
    expect(myLiveLegs(c, ANA).map((m) => m.sid)).toEqual(['CAd']);
    expect(membersOf(call())).toEqual([]);
  });

  it('knows whether this supervisor is heard: muted only when every joined leg of theirs is', () => {
    expect(myMuted(call(), ANA)).toBeNull();
    expect(
      myMuted(inConference({ CAr: member({ state: 'ringing', via: 'phone' }) }), ANA),
    ).toBeNull();
    expect(myMuted(inConference({ CAa: member({ muted: true }) }), ANA)).toBe(true);
    expect(
      myMuted(inConference({ CAa: member({ muted: true }), CAb: member({ via: 'phone' }) }), ANA),
    ).toBe(false);
    expect(myMuted(inConference({ CAb: member({ who: BEN, muted: false }) }), ANA)).toBeNull();
  });
});

describe('where the caller is', () => {
  it('is with Aurora, or with the supervisor who holds the call and types', () => {
    expect(callerLine(call(), ANA)).toBe('The caller is with Aurora.');
    const held = call({ mode: 'human', admin_id: ANA });
    expect(callerLine(held, ANA)).toBe('The caller is with you: Aurora reads out what you type.');
    expect(callerLine(held, BEN)).toBe(
      `The caller is with ${ANA}, who types what Aurora reads out.`,
    );
    expect(callerLine(call({ status: 'ENDED' }), ANA)).toBe('The call has ended.');
  });

  it('is in the conference with the humans who joined, "you" first', () => {
    const c = inConference({
      CAb: member({ who: BEN, at: '2026-03-01T10:00:00.000+05:30' }),
      CAo: member({
        role: 'oncall',
        who: ON_CALL,
        via: 'phone',
        at: '2026-03-01T10:00:01.000+05:30',
      }),
      CAa: member({ at: '2026-03-01T10:00:02.000+05:30' }),
      CAr: member({ role: 'oncall', who: '+15550190002', state: 'ringing' }),
    });
    expect(callerLine(c, ANA)).toBe(
      `The caller is in the conference with you, ${BEN} and on-call ${ON_CALL}.`,
    );
    expect(callerCompany(c, ANA, 'CAa')).toBe(`${BEN} and on-call ${ON_CALL}`);
  });

  it('tells those the caller hears from those only listening, and says when the caller hears nobody', () => {
    const c = inConference({
      CAa: member({ muted: true }),
      CAb: member({ who: BEN }),
      CAc: member({ role: 'oncall', who: ON_CALL, via: 'phone', muted: true }),
    });
    expect(callerLine(c, ANA)).toBe(
      `The caller is in the conference with ${BEN}. You and on-call ${ON_CALL} are listening, muted.`,
    );
    expect(callerLine(c, BEN)).toBe(
      `The caller is in the conference with you. ${ANA} and on-call ${ON_CALL} are listening, muted.`,
    );
    expect(callerUnheard(c)).toBe(false);
    // Ben leaves: Ana only listens, muted, and the caller hears nobody.
    const unheard = inConference(
      { CAa: member({ muted: true }), CAb: member({ who: BEN, state: 'left' }) },
      { admin_id: BEN },
    );
    expect(callerUnheard(unheard)).toBe(true);
    expect(callerLine(unheard, ANA)).toBe(
      `The caller is in the conference, but nobody there is talking to them: You are listening, muted. Speak up, or leave so they go back to ${BEN}.`,
    );
    expect(callerCompany(unheard, BEN)).toBe(`${ANA}, listening muted: nobody is talking`);
    // One person on two legs, heard on one of them, is talking.
    const twoLegs = inConference({ CAa: member({ muted: true }), CAp: member({ via: 'phone' }) });
    expect(callerLine(twoLegs, ANA)).toBe('The caller is in the conference with you.');
  });

  it('is with Aurora in the conference while nobody holds the call and supervisors only listen', () => {
    const c = auroraInConference({
      CAa: member({ muted: true }),
      CAb: member({ who: BEN, muted: true }),
    });
    expect(auroraAnswersInConference(c)).toBe(true);
    expect(callerLine(c, ANA)).toBe(
      `The caller is in the conference with Aurora, who answers them. You and ${BEN} are listening, muted.`,
    );
    // Aurora answers them: not a caller who hears nobody.
    expect(callerUnheard(c)).toBe(false);
    expect(callerCompany(c, BEN)).toBe('Aurora');
    // A leg that did not join: the caller is still with Aurora, not "nobody is talking".
    const unanswered = member({ role: 'oncall', who: ON_CALL, via: 'phone', state: 'no-answer' });
    expect(
      memberLine(
        { ...unanswered, sid: 'CAo' },
        auroraInConference({ CAa: member({ muted: true }), CAo: unanswered }),
        BEN,
      ),
    ).toBe(`On-call ${ON_CALL} did not answer — the caller is still with Aurora`);
    // Held, or not in the conference: not Aurora's conference.
    expect(auroraAnswersInConference(inConference({ CAa: member({ muted: true }) }))).toBe(false);
    expect(auroraAnswersInConference(call())).toBe(false);
    expect(auroraAnswersInConference(null)).toBe(false);
  });

  it('goes back to the holder, else Aurora, when nobody is in the conference with them', () => {
    const empty = inConference({ CAa: member({ state: 'left' }) });
    expect(callerCompany(empty, BEN)).toBe(ANA);
    expect(callerLine(empty, ANA)).toBe(
      'The caller is in the conference; if nobody joins, they go back to you.',
    );
    expect(callerCompany({ ...empty, mode: 'ai', admin_id: undefined }, ANA)).toBe('Aurora');
  });
});

describe('who said a transcript line', () => {
  it('names on-call staff and supervisors who spoke, and keeps the plain labels otherwise', () => {
    expect(speakerLabel({ role: 'oncall', by: ON_CALL, spoken: true })).toBe(
      `On-call (${ON_CALL})`,
    );
    expect(speakerLabel({ role: 'oncall' })).toBe('On-call');
    expect(speakerLabel({ role: 'admin', by: ANA, spoken: true })).toBe(
      `Supervisor ${ANA} (voice)`,
    );
    expect(speakerLabel({ role: 'admin', spoken: true })).toBe('Supervisor (voice)');
    expect(speakerLabel({ role: 'admin' })).toBe('Supervisor');
    expect(speakerLabel({ role: 'user', spoken: true })).toBe('Caller');
    expect(speakerLabel({ role: 'assistant' })).toBe('Aurora');
  });
});

describe('what a supervisor may do by voice, and why not', () => {
  it('offers Listen on any live call nobody holds, the caller in a conference or still with Aurora, and says why not otherwise', () => {
    expect(listenBlocked(call(), ANA)).toBeNull();
    expect(
      listenBlocked(auroraInConference({ CAb: member({ who: BEN, muted: true }) }), ANA),
    ).toBeNull();
    // A supervisor talks with the caller in the conference: Listen in.
    expect(listenBlocked(inConference({}, { admin_id: BEN }), ANA)).toBeNull();
    // A supervisor holds the call and types, the caller not in a conference: no voice to hear.
    expect(listenBlocked(call({ mode: 'human', admin_id: BEN }), ANA)).toBe(
      `${BEN} holds this call and types to the caller: there is no voice to listen to until someone talks.`,
    );
    expect(listenBlocked(call({ mode: 'human', admin_id: ANA }), ANA)).toBe(
      'You hold this call and type to the caller: there is no voice to listen to. Talk to speak with them.',
    );
    expect(listenBlocked(inConference({}, { status: 'ENDED' }), ANA)).toBe('The call has ended.');
    // Its purge has begun: the functions refuse every leg.
    expect(listenBlocked(call({ purging: true }), ANA)).toBe('The call has ended.');
  });

  it('offers Talk unless another supervisor holds the call', () => {
    expect(talkBlocked(call(), ANA)).toBeNull();
    expect(talkBlocked(call({ mode: 'human', admin_id: ANA }), ANA)).toBeNull();
    expect(talkBlocked(call({ mode: 'human', admin_id: BEN }), ANA)).toBe(
      `${BEN} holds this call. Listen in, then Speak up to be heard.`,
    );
    expect(talkBlocked(call({ purging: true }), ANA)).toBe('The call has ended.');
  });

  it("offers the on-call numbers the call's escalation texted, once each", () => {
    expect(knownOnCallNumbers(call())).toEqual([]);
    const recipient = { state: 'sent' as const, attempts: 1 };
    expect(
      knownOnCallNumbers(
        call({
          escalation: {
            recipients: {
              a: { to: ON_CALL, ...recipient },
              b: { to: '+15550190002', ...recipient },
              c: { to: ON_CALL, ...recipient },
            },
          },
        }),
      ),
    ).toEqual([ON_CALL, '+15550190002']);
  });

  it('reads a typed number as E.164, or refuses it', () => {
    expect(e164(' +1 (555) 019-0001 ')).toBe(ON_CALL);
    expect(e164('+1.555.019.0001')).toBe(ON_CALL);
    expect(e164('5550190001')).toBeNull();
    expect(e164('+0555019')).toBeNull();
    expect(e164('')).toBeNull();
  });
});

describe("the supervisor's own voice, in words", () => {
  const on = { callId: 'call_1' };
  const talk = { phase: 'open' as const, mode: 'talk' as const, ...on };
  const listen = { phase: 'open' as const, mode: 'listen' as const, ...on };
  // Ana talking from her browser, the caller not moved in yet.
  const joinedAlone = (m: ConferenceMember) =>
    inConference(
      { CAleg: m },
      { conference: { name: 'n', caller_in: false, members: { CAleg: m } } },
    );

  it('says whether the caller hears them by the call record, not by the SDK connection', () => {
    expect(voiceStateText({ phase: 'idle' }, null, ANA)).toBe('');
    expect(voiceStateText({ phase: 'connecting', mode: 'talk', ...on }, null, ANA)).toBe(
      'Connecting your microphone…',
    );
    // The SDK is open (Twilio answered the TwiML App), but the record has no leg of Ana's yet.
    expect(voiceStateText(talk, call({ mode: 'human', admin_id: ANA }), ANA)).toBe(
      'Connecting you to the caller…',
    );
    // Joined, but the caller is not in the conference yet.
    expect(voiceStateText(talk, joinedAlone(member()), ANA)).toBe('Connecting you to the caller…');
    // Another supervisor's leg, or Ana's phone still ringing, is not Ana's browser with the caller.
    expect(voiceStateText(talk, withMember(member({ who: BEN })), ANA)).toBe(
      'Connecting you to the caller…',
    );
    expect(voiceStateText(talk, withMember(member({ via: 'phone', state: 'ringing' })), ANA)).toBe(
      'Connecting you to the caller…',
    );
    // Joined unmuted with the caller in: only now.
    expect(voiceStateText(talk, withMember(member()), ANA)).toBe('Talking: the caller hears you');
    expect(voiceStateText({ phase: 'closed', ...on }, null, ANA)).toBe('You left the call.');
    expect(voiceStateText({ phase: 'failed', reason: 'No.', ...on }, null, ANA)).toBe('No.');
  });

  it('says a muted listener is not heard, and a listener who spoke up is', () => {
    expect(voiceStateText(listen, withMember(member({ muted: true })), ANA)).toBe(
      'Listening: the caller cannot hear you',
    );
    expect(voiceStateText(listen, withMember(member()), ANA)).toBe('Talking: the caller hears you');
    expect(voiceStateText(talk, withMember(member({ muted: true })), ANA)).toBe(
      'Muted: the caller cannot hear you',
    );
    // Not yet recorded: neither listening nor talking.
    expect(voiceStateText(listen, inConference({}), ANA)).toBe('Connecting you to the caller…');
    expect(browserLeg(inConference({}), ANA)).toBe('absent');
    expect(browserLeg(joinedAlone(member()), ANA)).toBe('waiting');
  });

  it('says a listener hears Aurora answering when nobody holds the call', () => {
    const listening = auroraInConference({ CAleg: member({ muted: true }) });
    expect(voiceStateText(listen, listening, ANA)).toBe(
      'Listening: Aurora is answering; the caller cannot hear you',
    );
    // Once a supervisor holds it, Aurora no longer answers: the plain listening line.
    expect(voiceStateText(listen, { ...listening, mode: 'human', admin_id: BEN }, ANA)).toBe(
      'Listening: the caller cannot hear you',
    );
    // Speaking up took it: heard.
    expect(voiceStateText(listen, auroraInConference({ CAleg: member() }), ANA)).toBe(
      'Talking: the caller hears you',
    );
  });

  it('labels the unmute as taking the call when nobody holds it', () => {
    const listening = auroraInConference({ CAleg: member({ muted: true }) });
    expect(muteLabel(listening, ANA)).toBe('Speak up (take the call)');
    expect(muteLabel({ ...listening, mode: 'human', admin_id: BEN }, ANA)).toBe('Speak up');
    expect(muteLabel({ ...listening, mode: 'human', admin_id: ANA }, ANA)).toBe('Speak up');
    expect(muteLabel(auroraInConference({ CAleg: member() }), ANA)).toBe('Mute');
  });

  it('offers Mute or Speak up only by the record: an asked mute that was refused changes nothing', () => {
    expect(muteLabel(call(), ANA)).toBeNull();
    expect(muteLabel(withMember(member({ state: 'ringing', via: 'phone' })), ANA)).toBeNull();
    expect(muteLabel(withMember(member()), ANA)).toBe('Mute');
    expect(muteLabel(withMember(member({ muted: true })), ANA)).toBe('Speak up');
    // The browser leg ended (Twilio no longer had it, so the mute reached nothing): nothing to mute.
    expect(muteLabel(withMember(member({ state: 'left' })), ANA)).toBeNull();
    expect(voiceStateText(talk, withMember(member({ state: 'left' })), ANA)).toBe(
      'Connecting you to the caller…',
    );
  });

  it('says plainly that Aurora refused the leg, why when the record says, and what still works', () => {
    const closed = { phase: 'closed' as const, farEnd: true, ...on };
    const refusal = refusalText(withMember(member()), ANA, 'talk', null);
    expect(refusal).toBe('Aurora refused to connect your voice.');
    expect(
      voiceStateText(
        { ...closed, reason: 'Twilio ended your audio on this call.' },
        null,
        ANA,
        refusal,
      ),
    ).toBe(refusal);
    expect(refusalText(call({ mode: 'human', admin_id: BEN }), ANA, 'talk', null)).toBe(
      `Aurora refused to connect your voice: ${BEN} holds the call.`,
    );
    expect(refusalText(call(), ANA, 'talk', null)).toBe(
      'Aurora refused to connect your voice: you do not hold the call any more.',
    );
    // Listening is allowed on any live call nobody holds: the record gives no reason.
    expect(refusalText(call(), ANA, 'listen', null)).toBe('Aurora refused to connect your voice.');
    expect(refusalText(call({ mode: 'human', admin_id: BEN }), ANA, 'listen', null)).toBe(
      `Aurora refused to connect your voice: ${BEN} holds the call and types to the caller, so there is no voice to listen to.`,
    );
    expect(refusalText(call({ purging: true }), ANA, 'listen', null)).toBe(
      'Aurora refused to connect your voice: the call has ended.',
    );
    expect(refusalText(call({ status: 'ENDED' }), ANA, 'listen', null)).toBe(
      'Aurora refused to connect your voice: the call has ended.',
    );
    expect(refusalText(null, ANA, 'talk', null)).toBe(
      'Aurora refused to connect your voice: the call has ended.',
    );
    // The transcript's system line names it: that is the reason given.
    expect(
      refusalText(
        call({ mode: 'human', admin_id: ANA }),
        ANA,
        'talk',
        'Aurora could not connect you in time',
      ),
    ).toBe('Aurora refused to connect your voice: Aurora could not connect you in time.');
    expect(voiceProblemText('Aurora refused to connect your voice.', true)).toBe(
      'Aurora refused to connect your voice. Typing still works: write below and Aurora says it to the caller.',
    );
    expect(voiceProblemText('Aurora refused to connect your voice.', false)).toBe(
      'Aurora refused to connect your voice. The transcript still shows every word.',
    );
  });

  it("reads why this supervisor could not be connected from the transcript's system line", () => {
    const note = (content: string, role: 'system' | 'admin' = 'system') =>
      notConnectedReason({ role, content }, ANA);
    expect(
      note(
        `${ANA} could not be connected to the caller (Twilio could not be reached (503)); the caller is still with Aurora.`,
      ),
    ).toBe('Twilio could not be reached (503)');
    expect(
      note(`${ANA} could not be connected to the caller (Aurora could not connect you in time).`),
    ).toBe('Aurora could not connect you in time');
    expect(note(`${BEN} could not be connected to the caller (busy).`)).toBeNull();
    expect(note(`${ANA} could not be connected to the caller (busy).`, 'admin')).toBeNull();
    expect(note(`${ANA} joined the call by voice from the dashboard.`)).toBeNull();
  });

  it("words the SDK's failures by what the supervisor can do", () => {
    expect(voiceErrorText({ code: 31401, message: 'UserMedia Permission Denied Error' })).toBe(
      MICROPHONE_DENIED_TEXT,
    );
    expect(voiceErrorText({ name: 'NotAllowedError', message: 'Permission denied' })).toBe(
      MICROPHONE_DENIED_TEXT,
    );
    expect(voiceErrorText({ code: 31402 })).toMatch(/^No microphone could be used/);
    expect(voiceErrorText({ name: 'NotFoundError' })).toMatch(/^No microphone could be used/);
    expect(voiceErrorText({ code: 20104 })).toMatch(/^Your voice sign-in expired or was refused/);
    expect(voiceErrorText({ code: 31205 })).toMatch(/^Your voice sign-in expired or was refused/);
    expect(voiceErrorText({ code: 53000 })).toMatch(/^The audio connection to Twilio failed/);
    expect(voiceErrorText({ code: 31005 })).toMatch(/^The audio connection to Twilio failed/);
    expect(voiceErrorText({ code: 31001 })).toMatch(/run preflight/);
    expect(voiceErrorText({ code: 31000 })).toBe(
      "The call's audio failed (Twilio error 31000). Try again.",
    );
    expect(voiceErrorText({ message: 'boom' })).toBe("The call's audio failed: boom");
    expect(voiceErrorText({})).toBe("The call's audio failed.");
  });
});
