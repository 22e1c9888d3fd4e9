/**
 * Aurora's replies in the conference never talk over a supervisor, and a reply never said leaves
 * no question open (review of 4f54ed0): a take withdraws a reply Twilio has yet to ask for, and
 * /twilio/announce says nothing of hers while someone holds the call; a speak-up records the
 * speaker's leg unmuted with its take; the participant-list leaving rule keeps a listened call;
 * a reply out of the webhook's time is not said.
 */
import { describe, expect, it } from 'vitest';
import { offlineResponder } from '../../../functions/src/assistant/offlineResponder';
import { announce, conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { controlCall } from '../../../functions/src/calls/controlCall';
import {
  recordTranscription,
  type TranscriptionCallback,
} from '../../../functions/src/calls/transcription';
import { AuroraError } from '../../../functions/src/core/errors';
import {
  CONFERENCE_NOTES,
  type ConferenceParticipant,
  callerCompanyAt,
  callerLeftAlone,
} from '../../../functions/src/core/conference';
import {
  ANA,
  ANA_BROWSER,
  BEN,
  BEN_BROWSER,
  CALLER,
  CALL_ID,
  CONFERENCE,
  conferenceCall,
} from '../../helpers/conference';
import { refusing } from '../../helpers/memoryDb';

const CALLER_TRANSCRIPTION = `GT${'c'.repeat(32)}`;
const TAKEN_NOT_SAID = CONFERENCE_NOTES.replyNotSpoken(
  'a supervisor took the call before it was played',
);

/** The caller, connected to the conference as Twilio lists them (their leaving ends it). */
const caller: ConferenceParticipant = {
  callSid: CALLER,
  muted: false,
  hold: false,
  endConferenceOnExit: true,
  status: 'connected',
};
/** Ben's browser, listening muted, as Twilio lists it. */
const listener: ConferenceParticipant = {
  callSid: BEN_BROWSER,
  muted: true,
  hold: false,
  endConferenceOnExit: false,
  status: 'connected',
};

/** Ben listens to a call nobody holds; the caller speaks; Aurora's reply waits for Twilio to ask for it. */
async function listened() {
  const world = await conferenceCall();
  await world.browser(BEN, BEN_BROWSER, 'listen');
  await world.started();
  world.clock.advance(5_000);
  let sequence = 0;
  const callerSays = (words: string, extra: Partial<TranscriptionCallback> = {}) =>
    recordTranscription(
      {
        callId: CALL_ID,
        speaker: 'caller',
        event: {
          kind: 'content',
          callSid: CALLER,
          transcriptionSid: CALLER_TRANSCRIPTION,
          sequence: ++sequence,
          at: new Date(world.clock().getTime() - 300).toISOString(),
          final: true,
          transcript: words,
          track: 'inbound_track',
        },
        ...extra,
      },
      world.deps,
    );
  /** Twilio asks for the AnnounceUrl it accepted last (/twilio/announce). */
  const twilioAsks = () =>
    announce(
      {
        callId: CALL_ID,
        key: new URL(world.voice.announcements.at(-1)!.url).searchParams.get('key')!,
      },
      world.deps,
    );
  return { ...world, callerSays, twilioAsks };
}

describe("Aurora's reply waiting for Twilio when a supervisor takes the call", () => {
  it('is not said after a listener speaks up: the take withdraws it, and the transcript says it was not spoken', async () => {
    const world = await listened();
    expect(await world.callerSays('I smell gas')).toBe('recorded');
    expect(world.voice.announcements).toHaveLength(1);
    const reply = (await world.transcript()).at(-1)!;
    expect(reply.role).toBe('assistant');
    expect(
      await controlCall({ action: 'mute', callId: CALL_ID, muted: false }, BEN, world.deps),
    ).toEqual({ ok: true, reached: true });
    // The take removed her words in its own transaction (only the key is left, to record it).
    expect(Object.values((await world.call())!.conference!.announcements ?? {})).toEqual([]);
    const twiml = await world.twilioAsks();
    expect(twiml).not.toContain(reply.content);
    expect(twiml).not.toContain('<Say>');
    expect((await world.notes()).at(-1)).toBe(TAKEN_NOT_SAID);
    expect((await world.call())!.conference!.aurora_announcements).toBeUndefined();
  });

  it('is not said after a take from the dashboard either (every take path withdraws it)', async () => {
    const world = await listened();
    await world.callerSays('I smell gas');
    await controlCall({ action: 'take', callId: CALL_ID }, ANA, world.deps);
    expect(await world.twilioAsks()).not.toContain('<Say>');
    expect(await world.notes()).toContain(TAKEN_NOT_SAID);
  });

  it('is not said while someone holds the call, even with its words still kept', async () => {
    const world = await listened();
    await world.callerSays('I smell gas');
    // A holder recorded by a path that kept the words (as a take before this fix did).
    await world.live.update({
      [`active_calls/${CALL_ID}/mode`]: 'human',
      [`active_calls/${CALL_ID}/admin_id`]: ANA.id,
    });
    expect(await world.twilioAsks()).not.toContain('<Say>');
    expect((await world.notes()).at(-1)).toBe(TAKEN_NOT_SAID);
    expect((await world.call())!.conference!.announcements).toBeUndefined();
  });

  it("still says a supervisor's typed words while they hold the call", async () => {
    const world = await listened();
    await controlCall({ action: 'mute', callId: CALL_ID, muted: false }, BEN, world.deps);
    await controlCall({ action: 'say', callId: CALL_ID, text: 'Help is coming.' }, BEN, world.deps);
    expect(await world.twilioAsks()).toContain('Help is coming.');
  });
});

describe('a reply never said', () => {
  it('leaves no key question open: the caller never heard it (Twilio refused the announcement)', async () => {
    const world = await listened();
    world.voice.refuseNext = new AuroraError('Announcing failed: Twilio error 20003');
    await world.callerSays('gary collapsed in the canteen');
    const reply = (await world.transcript()).filter((m) => m.role === 'assistant').at(-1)!;
    expect(reply.content).toMatch(/awake/); // the reply asked the key question…
    expect((await world.notes()).at(-1)).toMatch(/^Not spoken/);
    expect((await world.call())!.question).toBeUndefined(); // …which the caller never heard
  });

  it('keeps the question of a reply that was announced', async () => {
    const world = await listened();
    await world.callerSays('gary collapsed in the canteen');
    expect((await world.call())!.question).toMatchObject({ id: 'awake' });
  });

  it('is not announced once the webhook has no time left, and the transcript says so', async () => {
    const world = await listened();
    expect(await world.callerSays('I smell gas', { deadline: performance.now() - 1 })).toBe(
      'recorded',
    );
    expect(world.voice.announcements).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      CONFERENCE_NOTES.replyNotSpoken(
        'no time was left to say it before the webhook answered Twilio',
      ),
    );
    expect((await world.call())!.turn_started_at).toBeUndefined();
  });

  it("stops retrying the reply's write at the deadline", async () => {
    const world = await listened();
    let composed = false;
    world.deps.responder = {
      respond: async (input) => {
        composed = true;
        return offlineResponder.respond(input);
      },
    };
    const update = world.live.update.bind(world.live);
    // The caller's words are written; every write after the reply is composed is refused.
    world.live.update = async (changes) => {
      if (composed) throw new Error('database unavailable');
      return update(changes);
    };
    const started = performance.now();
    await world.callerSays('I smell gas', { deadline: performance.now() + 300 });
    // Unbounded, the reply's write is tried six times over about five seconds.
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe('speaking up from listening to Aurora', () => {
  it("records the speaker's leg unmuted with the take: the caller is never alone by the record meanwhile", async () => {
    const world = await listened();
    const mute = world.voice.muteMember.bind(world.voice);
    let aloneWhileUnmuting: boolean | undefined;
    world.voice.muteMember = async (sid, leg, muted) => {
      aloneWhileUnmuting = callerLeftAlone((await world.call())!);
      return mute(sid, leg, muted);
    };
    await controlCall({ action: 'mute', callId: CALL_ID, muted: false }, BEN, world.deps);
    expect(aloneWhileUnmuting).toBe(false);
    expect((await world.members())[BEN_BROWSER].muted).toBe(false);
  });

  it('records the leg muted again, and the take undone, when Twilio does not unmute it', async () => {
    const world = await listened();
    world.voice.refuseNext = new AuroraError('Updating the participant failed: Twilio error 20003');
    await controlCall({ action: 'mute', callId: CALL_ID, muted: false }, BEN, world.deps);
    const call = (await world.call())!;
    expect(call.mode).toBe('ai');
    expect(call.conference!.members![BEN_BROWSER]).toMatchObject({ muted: true });
    expect(call.conference!.members![BEN_BROWSER].unmuted_at).toBeUndefined();
    expect(callerLeftAlone(call)).toBe(false); // Aurora answers; Ben listens on
  });
});

describe("callerCompanyAt: Twilio's participant list when the record cannot be written", () => {
  it('keeps a call nobody holds going for a muted listener: Aurora answers there', () => {
    expect(callerCompanyAt([caller, listener], undefined, false)).toBe('with-someone');
    expect(callerCompanyAt([caller, listener], BEN_BROWSER, false)).toBe('alone');
    expect(callerCompanyAt([caller], undefined, false)).toBe('alone');
  });

  it('counts muted listeners as no company beside a holder, and when it is not known who holds it', () => {
    expect(callerCompanyAt([caller, listener], undefined, true)).toBe('alone');
    expect(callerCompanyAt([caller, listener])).toBe('alone');
  });
});

describe("a listener's leave the database refuses to record, on a call nobody holds", () => {
  it('leaves the conference running while another muted listener is with the caller (Aurora answers)', async () => {
    const world = await conferenceCall();
    await world.browser(ANA, ANA_BROWSER, 'listen');
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await world.started();
    const live = world.live;
    const refusingTransactions = refusing(live, 'transact', 100);
    world.voice.participantsIn.set(CONFERENCE, [caller, listener]);
    await expect(
      conferenceEvent(
        {
          callId: CALL_ID,
          event: 'participant-leave',
          conferenceSid: CONFERENCE,
          callSid: ANA_BROWSER,
          participantCallStatus: 'completed',
        },
        { ...world.deps, live: refusingTransactions },
      ),
    ).rejects.toThrow('database unavailable');
    expect(world.voice.endedConferences).toEqual([]);
  });
});
