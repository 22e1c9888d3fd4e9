/** The transcript goes on while humans talk: real-time transcription callbacks on a call (calls/transcription.ts). */
import { describe, expect, it } from 'vitest';
import { controlCall } from '../../../functions/src/calls/controlCall';
import { escalateCall } from '../../../functions/src/calls/escalateCall';
import { handleStatus } from '../../../functions/src/calls/endCall';
import { startCall } from '../../../functions/src/calls/startCall';
import { recordWords } from '../../../functions/src/calls/recordWords';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import {
  recordTranscription,
  type TranscriptionCallback,
} from '../../../functions/src/calls/transcription';
import { transcriptKey, utteranceClaim } from '../../../functions/src/core/transcription';
import type { Speaker } from '../../../functions/src/core/transcription';
import { type LiveCall, type LiveMessage, orderedMessages } from '@aurora/model';
import { watchedCall } from '../../helpers/calls';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';
import { liveRecords } from '../../helpers/memoryDb';
import { announce, conferenceEvent } from '../../../functions/src/calls/conferenceEvents';
import { offlineResponder } from '../../../functions/src/assistant/offlineResponder';
import { AuroraError } from '../../../functions/src/core/errors';
import { conferenceName } from '../../../functions/src/core/conference';
import {
  ANA as ANA_ADMIN,
  ANA_BROWSER,
  BEN,
  BEN_BROWSER,
  CALLER as CONF_CALLER,
  CALL_ID as CONF_CALL_ID,
  CONFERENCE,
  CONV_ID as CONF_CONV,
  conferenceCall,
} from '../../helpers/conference';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV = 'conv_15550100001_20251004_143000';
const CALLER_SID = `GT${'c'.repeat(32)}`;
const ANA_SID = `GT${'a'.repeat(32)}`;
const ANA = 'ana@site.example';
/** The supervisor's browser leg: a CallSid of its own, not the caller's. */
const ANA_LEG = callSid(0xa1);

type Said = {
  speaker?: Speaker;
  who?: string;
  words?: string;
  sequence?: number;
  /** How long before now Twilio says the words were spoken. */
  agoMs?: number;
  final?: boolean;
  callId?: string;
};

/** A watched call a supervisor (ana) has taken, and a way to post what Twilio transcribes on it. */
async function heldCall() {
  const world = await watchedCall();
  await world.write(() =>
    controlCall({ action: 'take', callId: CALL_ID }, { id: ANA }, world.deps),
  );
  // The caller is in the call's conference (their conference transcription runs only there).
  await world.live.update({
    [`active_calls/${CALL_ID}/conference`]: {
      name: conferenceName(CALL_ID),
      caller_in: true,
      caller_joined_at: '2025-10-04T14:30:30+05:30',
    },
  });
  world.clock.advance(60_000); // a minute into the call: 14:31:00 at the site
  const logged: Array<{ level: string; message: string; data?: object }> = [];
  world.deps.log = {
    info: (message, data) => logged.push({ level: 'info', message, data }),
    warn: (message, data) => logged.push({ level: 'warn', message, data }),
    error: (message, data) => logged.push({ level: 'error', message, data }),
  };
  return { ...world, logged, ...transcriber(world, world.write) };
}

/** Ana's leg is in the call's conference with the caller, heard (joined, not muted): a human leg's words are recorded only then. */
const seatAna = (live: ReturnType<typeof memoryDeps>['live']) =>
  live.update({
    [`active_calls/${CALL_ID}/conference`]: {
      name: conferenceName(CALL_ID),
      caller_in: true,
      caller_joined_at: '2025-10-04T14:30:30+05:30',
      members: {
        [ANA_LEG]: {
          role: 'supervisor',
          who: ANA,
          via: 'browser',
          state: 'joined',
          muted: false,
          at: '2025-10-04T14:30:30+05:30',
        },
      },
    },
  });

/** Posts what Twilio transcribes on CALL_ID (through `write`, which fans the call's change out). */
function transcriber(
  world: ReturnType<typeof memoryDeps>,
  write = <T>(work: () => Promise<T>) => work(),
) {
  const callback = ({
    speaker = 'caller',
    who = speaker === 'caller' ? undefined : ANA,
    words = 'hello',
    sequence = 1,
    agoMs = 300,
    final = true,
    callId = CALL_ID,
  }: Said): TranscriptionCallback => ({
    callId,
    speaker,
    who,
    event: {
      kind: 'content',
      callSid: speaker === 'caller' ? callSid(1) : ANA_LEG,
      transcriptionSid: speaker === 'caller' ? CALLER_SID : ANA_SID,
      sequence,
      at: new Date(world.clock().getTime() - agoMs).toISOString(),
      final,
      transcript: words,
      track: 'inbound_track',
    },
  });
  const transcribe = (said: Said = {}) =>
    write(() => recordTranscription(callback(said), world.deps));
  const messages = async () =>
    orderedMessages({
      call_id: CALL_ID,
      messages: ((await world.live.get(`active_conversations/${CONV}/messages`)) ?? {}) as Record<
        string,
        LiveMessage
      >,
    });
  const call = async () => (await world.live.get(`active_calls/${CALL_ID}`)) as LiveCall;
  return { callback, transcribe, messages, call };
}

describe('recordTranscription', () => {
  it("writes the caller's final words as the caller's, spoken, while a supervisor holds the call", async () => {
    const { transcribe, messages, call, live } = await heldCall();
    await live.update({ [`active_calls/${CALL_ID}/quiet_since`]: '2025-10-04T14:30:30+05:30' });
    expect(await transcribe({ words: '  I am in the  store room ' })).toBe('recorded');
    expect((await messages()).at(-1)).toEqual({
      role: 'user',
      content: 'I am in the store room',
      timestamp: '2025-10-04T14:30:59+05:30', // when Twilio says it was spoken
      sources: '',
      spoken: true,
    });
    const after = await call();
    expect(after.quiet_since).toBeUndefined(); // the caller spoke
    expect(after.turn_started_at).toBeUndefined(); // the marker that held the purge off is cleared
    expect(after.mode).toBe('human');
  });

  it('labels a supervisor’s words as theirs and the on-call person’s as on-call, by whom', async () => {
    const { transcribe, messages, live } = await heldCall();
    await seatAna(live);
    await transcribe({ speaker: 'supervisor', words: 'Stay low, help is coming' });
    await transcribe({ speaker: 'oncall', who: '+15550190001', words: 'On my way', sequence: 2 });
    expect((await messages()).slice(-2)).toEqual([
      expect.objectContaining({ role: 'admin', by: ANA, spoken: true }),
      expect.objectContaining({ role: 'oncall', by: '+15550190001', content: 'On my way' }),
    ]);
  });

  it('raises a held call nobody acknowledged at CRITICAL on the caller’s words, and its escalation is timed and sent', async () => {
    const { transcribe, call, queue, alerts, clock, deps, sms, write } = await heldCall();
    expect((await call()).acknowledged_urgency).toBe('NORMAL'); // taking it acknowledged it as it was
    expect(queue.escalations).toEqual([]);

    await transcribe({ words: 'there is a fire in the paint store' });
    expect(await call()).toMatchObject({ urgency: 'CRITICAL', mode: 'human', admin_id: ANA });
    expect(queue.escalations).toHaveLength(1);
    expect(queue.escalations[0].task).toMatchObject({ callId: CALL_ID });
    expect((await alerts('uid_ben'))![`${CALL_ID}~critical`]).toMatchObject({ kind: 'critical' });

    clock.advance(60_000);
    expect(await write(() => escalateCall(queue.escalations[0].task, deps))).toBe('escalated');
    expect(sms.sent.map((m) => m.to)).toEqual(['+15550190001', '+15550190002']);
  });

  it('never changes urgency on a supervisor’s or the on-call person’s words', async () => {
    const { transcribe, call, queue, live } = await heldCall();
    await seatAna(live);
    expect(
      await transcribe({
        speaker: 'supervisor',
        words: 'is there a fire? is anyone not breathing?',
      }),
    ).toBe('recorded');
    await transcribe({
      speaker: 'oncall',
      who: '+15550190001',
      words: 'there is a fire in the paint store',
      sequence: 2,
    });
    expect((await call()).urgency).toBe('NORMAL');
    expect(queue.escalations).toEqual([]);
  });

  it('records a replayed or duplicated callback once: a replay writes nothing at all', async () => {
    const { transcribe, messages, live } = await heldCall();
    await Promise.all([transcribe({ words: 'help' }), transcribe({ words: 'help' })]);
    expect((await messages()).filter((m) => m.content === 'help')).toHaveLength(1);
    const tree = JSON.stringify(live.tree);
    expect(await transcribe({ words: 'help' })).toBe('replay');
    expect(JSON.stringify(live.tree)).toBe(tree);
  });

  it("writes callbacks that arrive out of order in their transcription's order, among the other lines", async () => {
    const { transcribe, messages, deps, clock, live } = await heldCall();
    // Typed words go into the running conference (its AnnounceUrl).
    await live.update({ [`active_calls/${CALL_ID}/conference/sid`]: CONFERENCE });
    await transcribe({ words: 'second', sequence: 3, agoMs: 1000 });
    await controlCall({ action: 'say', callId: CALL_ID, text: 'typed later' }, { id: ANA }, deps);
    await transcribe({ words: 'first', sequence: 2, agoMs: 4000 });
    const said = (await messages()).map((m) => m.content);
    expect(said.slice(-3)).toEqual(['first', 'second', 'typed later']);
    // The same instant: the sequence decides.
    clock.advance(1000);
    await transcribe({ words: 'b', sequence: 9, agoMs: 10 });
    await transcribe({ words: 'a', sequence: 8, agoMs: 10 });
    expect((await messages()).map((m) => m.content).slice(-2)).toEqual(['a', 'b']);
  });

  it("cuts words past a Gather's cap and still records them", async () => {
    const { transcribe, messages, logged } = await heldCall();
    await transcribe({ words: 'fire '.repeat(700) });
    const last = (await messages()).at(-1)!;
    expect(last.content.length).toBeLessThanOrEqual(2000);
    expect(last.content).toMatch(/^fire fire .* fire…$/);
    expect(logged).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'transcribed words over the cap: cut' }),
    );
    expect(JSON.stringify(logged)).not.toContain('fire fire'); // transcripts are never logged
  });

  it('ignores interim results and transcription-started or -stopped', async () => {
    const { transcribe, live, deps } = await heldCall();
    const tree = JSON.stringify(live.tree);
    expect(await transcribe({ words: 'there is a fi', final: false })).toBe('ignored');
    const started = {
      callId: CALL_ID,
      speaker: 'caller' as const,
      event: {
        kind: 'other' as const,
        event: 'transcription-started',
        callSid: callSid(1),
        transcriptionSid: CALLER_SID,
      },
    };
    expect(await recordTranscription(started, deps)).toBe('ignored');
    expect(JSON.stringify(live.tree)).toBe(tree);
  });

  it('writes the message of an utterance claimed before whose write was lost, without settling its words again', async () => {
    const { transcribe, messages, call, live, clock } = await heldCall();
    // A first attempt claimed it (the caller's "fire" settled then) and its message write failed.
    const key = utteranceClaim(CALLER_SID, 5);
    const messageKey = transcriptKey(clock().getTime() - 300, CALLER_SID, 5);
    await live.update({ [`active_calls/${CALL_ID}/answered/${key}`]: messageKey });
    expect(await transcribe({ words: 'there is a fire in the paint store', sequence: 5 })).toBe(
      'recorded',
    );
    expect(await live.get(`active_conversations/${CONV}/messages/${messageKey}`)).toMatchObject({
      content: 'there is a fire in the paint store',
    });
    expect((await call()).urgency).toBe('NORMAL'); // settled by the first attempt, not again
    expect((await messages()).filter((m) => m.spoken)).toHaveLength(1);
  });

  it(
    "queues a claimed line the database refused, so the caller's words are kept if Twilio does not post again",
    { timeout: 20_000 },
    async () => {
      const { transcribe, messages, live, queue, deps } = await heldCall();
      const update = live.update.bind(live);
      let failing = true;
      live.update = async (changes) => {
        if (failing && Object.keys(changes).some((path) => path.includes(`${CONV}/messages/`)))
          throw new Error('database unavailable');
        return update(changes);
      };
      await expect(transcribe({ words: 'he is not breathing', sequence: 7 })).rejects.toThrow(
        'database unavailable',
      );
      failing = false;
      expect(queue.words).toHaveLength(1);
      const { task } = queue.words[0];
      expect(task.lines.map((line) => [line.role, line.content])).toEqual([
        ['user', 'he is not breathing'],
      ]);
      expect(await recordWords(task, deps)).toBe('recorded');
      // Twilio's post, should it come after all, finds the words written.
      expect(await transcribe({ words: 'he is not breathing', sequence: 7 })).toBe('replay');
      expect((await messages()).filter((m) => m.content === 'he is not breathing')).toHaveLength(1);
    },
  );

  it('notes a failed transcription once, at error level, so the supervisors know words may be missing', async () => {
    const { deps, messages, logged, live } = await heldCall();
    const error = (sequence: number): TranscriptionCallback => ({
      callId: CALL_ID,
      speaker: 'caller',
      event: {
        kind: 'error',
        callSid: callSid(1),
        transcriptionSid: CALLER_SID,
        sequence,
        error: 'Provider unavailable',
        code: '32655',
      },
    });
    expect(await recordTranscription(error(4), deps)).toBe('recorded');
    const tree = JSON.stringify(live.tree);
    expect(await recordTranscription(error(4), deps)).toBe('replay');
    expect(await recordTranscription(error(6), deps)).toBe('replay'); // reported again: still one line
    expect(JSON.stringify(live.tree)).toBe(tree);
    const notes = (await messages()).filter((m) =>
      m.content.startsWith('Live transcription failed'),
    );
    expect(notes).toEqual([
      expect.objectContaining({
        role: 'system',
        content:
          "Live transcription failed: Provider unavailable (the caller's line, Twilio error 32655); words spoken now may be missing.",
      }),
    ]);
    expect(logged.filter((l) => l.level === 'error')).toHaveLength(3);
  });

  it('never creates a call: words for a call neither live nor archived are logged and dropped', async () => {
    const world = memoryDeps();
    const errors: string[] = [];
    world.deps.log = { info() {}, warn() {}, error: (message) => errors.push(message) };
    const { transcribe } = transcriber(world);
    expect(await transcribe({ words: 'there is a fire in the paint store' })).toBe('dropped');
    expect(
      await transcribe({ speaker: 'supervisor', words: 'hello?', callId: 'call_1555_x' }),
    ).toBe('dropped');
    expect(liveRecords(world.live.tree)).toEqual({});
    expect(world.archive.plans.size).toBe(0);
    expect(errors).toEqual([
      'transcription for a call that is neither live nor archived: dropped',
      'transcription for a call that is neither live nor archived: dropped',
    ]);
  });

  it("appends to an archived call's transcript once, raising its urgency, and alerts the admins to a late emergency", async () => {
    const world = memoryDeps();
    const { deps, live, archive, queue } = world;
    await live.update({ admins: { uid_ana: { email: ANA } } });
    await startCall({ callSid: callSid(1), from: '+15550100001' }, deps);
    await takeTurn(
      { callSid: callSid(1), speech: 'hello', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    await handleStatus({ callSid: callSid(1), callStatus: 'completed' }, deps);
    await queue.runAll(deps);
    expect(await live.get('active_calls')).toBeNull(); // archived and purged
    const { transcribe } = transcriber(world);

    expect(await transcribe({ words: 'there is a fire in the paint store' })).toBe('archived');
    await transcribe({ words: 'there is a fire in the paint store' }); // Twilio posts it again
    // A supervisor's leg: whether the caller heard it cannot be asked of a purged call.
    expect(await transcribe({ speaker: 'supervisor', words: 'Get out now', sequence: 2 })).toBe(
      'unheard',
    );
    const plan = [...archive.plans.values()][0];
    expect(plan.conversation.messages.at(-1)).toEqual(
      expect.objectContaining({ role: 'user', content: 'there is a fire in the paint store' }),
    );
    expect(plan.call.urgency).toBe('CRITICAL');
    expect(await live.get(`admin_alerts/uid_ana/${CALL_ID}~critical-late`)).toMatchObject({
      kind: 'critical',
    });
    expect(await live.get('active_calls')).toBeNull(); // nothing live was brought back
    expect(await live.get('active_conversations')).toBeNull();
  });
});

describe('words the caller never heard', () => {
  /**
   * Ana talks with the caller; Ben listens in, muted. `say` posts a final utterance of one leg's
   * transcription (Timestamp `agoMs` before now); `spoken` is what the transcript holds of it.
   */
  async function conference() {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    const logged: Array<{ level: string; message: string; data?: object }> = [];
    world.deps.log = {
      info: (message, data) => logged.push({ level: 'info', message, data }),
      warn: (message, data) => logged.push({ level: 'warn', message, data }),
      error: (message, data) => logged.push({ level: 'error', message, data }),
    };
    let sequence = 0;
    const say = (leg: string, words: string, agoMs = 300) => {
      const speaker: Speaker =
        leg === CONF_CALLER
          ? 'caller'
          : leg === ANA_BROWSER || leg === BEN_BROWSER
            ? 'supervisor'
            : 'oncall';
      const who =
        leg === ANA_BROWSER ? ANA_ADMIN.id : leg === BEN_BROWSER ? BEN.id : '+15550190001';
      return recordTranscription(
        {
          callId: CONF_CALL_ID,
          speaker,
          ...(speaker === 'caller' ? {} : { who }),
          event: {
            kind: 'content',
            callSid: leg,
            transcriptionSid: `GT${leg.slice(2)}`,
            sequence: ++sequence,
            at: new Date(world.clock().getTime() - agoMs).toISOString(),
            final: true,
            transcript: words,
            track: 'inbound_track',
          },
        },
        world.deps,
      );
    };
    const spoken = async () =>
      (await world.transcript()).filter((m) => m.spoken).map((m) => m.content);
    return { ...world, logged, say, spoken };
  }

  it("writes nothing of a muted listener's words and logs why at info, never the words; the caller's and the talking supervisor's are written", async () => {
    const world = await conference();
    expect(await world.say(BEN_BROWSER, 'she sounds drunk to me')).toBe('unheard');
    expect(await world.say(ANA_BROWSER, 'Priya, stay where you are')).toBe('recorded');
    expect(await world.say(CONF_CALLER, 'there is smoke in the paint store')).toBe('recorded');
    expect(await world.spoken()).toEqual([
      'Priya, stay where you are',
      'there is smoke in the paint store',
    ]);
    expect(world.logged).toContainEqual({
      level: 'info',
      message: 'transcribed words the caller could not hear: not recorded',
      data: { callId: CONF_CALL_ID, speaker: 'supervisor', why: 'muted' },
    });
    expect(JSON.stringify(world.logged)).not.toContain('drunk');
  });

  it('writes a listener’s words once they unmute (barging in), and drops them again once muted', async () => {
    const world = await conference();
    const mute = (muted: boolean) =>
      controlCall({ action: 'mute', callId: CONF_CALL_ID, muted }, BEN, world.deps);
    expect(await mute(false)).toEqual({ ok: true, reached: true });
    // Words said after the unmute (within its second, they are taken for said before it).
    world.clock.advance(2_000);
    expect(await world.say(BEN_BROWSER, 'Priya, this is Ben, walk to the east door')).toBe(
      'recorded',
    );
    // Twilio's own participant-mute event says so as well as the mute action.
    await conferenceEvent(
      {
        callId: CONF_CALL_ID,
        event: 'participant-mute',
        conferenceSid: CONFERENCE,
        callSid: BEN_BROWSER,
      },
      world.deps,
    );
    expect(await world.say(BEN_BROWSER, 'ok I am muted again, get the van')).toBe('unheard');
    expect(await world.spoken()).toEqual(['Priya, this is Ben, walk to the east door']);
  });

  it('drops a listener’s words said while muted whose callback arrives after they unmuted (I9)', async () => {
    const world = await conference();
    world.clock.advance(2_000); // Ben, muted, says it now; he unmutes; its callback comes after
    const saidAt = world.clock().getTime();
    world.clock.advance(1_000);
    await controlCall({ action: 'mute', callId: CONF_CALL_ID, muted: false }, BEN, world.deps);
    world.clock.advance(1_500);
    const ago = world.clock().getTime() - saidAt;
    expect(await world.say(BEN_BROWSER, 'Ana, I will take it from here', ago)).toBe('unheard');
    expect(await world.say(BEN_BROWSER, 'Priya, this is Ben')).toBe('recorded');
    expect(await world.spoken()).toEqual(['Priya, this is Ben']);
    expect(world.logged).toContainEqual(
      expect.objectContaining({
        data: { callId: CONF_CALL_ID, speaker: 'supervisor', why: 'muted' },
      }),
    );
  });

  it('drops words of a leg that is not in the conference: never a member, still ringing, or gone; keeps those said before it left', async () => {
    const world = await conference();
    expect(await world.say(callSid(0xee), 'who is this')).toBe('unheard');
    await controlCall(
      { action: 'transfer', callId: CONF_CALL_ID, to: '+15550190001' },
      ANA_ADMIN,
      world.deps,
    );
    const ringing = world.lastLeg().sid;
    expect(await world.say(ringing, 'hello? who is calling')).toBe('unheard');
    // Ana leaves at 14:30:00 at the site; her last words' callback arrives three seconds later.
    await conferenceEvent(
      {
        callId: CONF_CALL_ID,
        event: 'participant-leave',
        conferenceSid: CONFERENCE,
        callSid: ANA_BROWSER,
      },
      world.deps,
    );
    world.clock.advance(3_000);
    expect(await world.say(ANA_BROWSER, 'I am handing you back to Aurora', 3_500)).toBe('recorded');
    expect(await world.say(ANA_BROWSER, 'right, where is my coffee', 500)).toBe('unheard');
    expect(await world.spoken()).toEqual(['I am handing you back to Aurora']);
    expect(
      world.logged.map((l) => (l.data as { why?: string } | undefined)?.why).filter(Boolean),
    ).toEqual(['not-a-member', 'not-joined', 'not-joined']);
  });
});

describe('review fixes (part A)', () => {
  it("records the caller's transcribed words only while they are in the conference, and their last words up to the second they left (A3)", async () => {
    const { transcribe, messages, live, logged } = await heldCall();
    // Back with Aurora since 14:30:50; it is 14:31:00.
    await live.update({
      [`active_calls/${CALL_ID}/conference/caller_in`]: false,
      [`active_calls/${CALL_ID}/conference/caller_left_at`]: '2025-10-04T14:30:50+05:30',
    });
    expect(await transcribe({ words: 'said to the Gather', agoMs: 300 })).toBe('unheard');
    expect(await transcribe({ words: 'said just before', sequence: 2, agoMs: 9_500 })).toBe(
      'recorded',
    );
    expect((await messages()).filter((m) => m.spoken).map((m) => m.content)).toEqual([
      'said just before',
    ]);
    expect(logged).toContainEqual(
      expect.objectContaining({
        level: 'info',
        data: { callId: CALL_ID, speaker: 'caller', why: 'caller-out' },
      }),
    );
  });

  it("keeps, and triages, the caller's words from the conference whose callback comes more than five minutes late (I3/I4)", async () => {
    const { transcribe, messages, live, call } = await heldCall();
    // It is 14:31:00; the caller left the conference at 14:30:50 and said "fire" in it at 14:25:40.
    await live.update({
      [`active_calls/${CALL_ID}/conference/caller_in`]: false,
      [`active_calls/${CALL_ID}/conference/caller_left_at`]: '2025-10-04T14:30:50+05:30',
    });
    const words = 'there is a fire in the paint store';
    expect(await transcribe({ words, agoMs: 320_000 })).toBe('recorded');
    expect((await messages()).filter((m) => m.spoken).map((m) => m.content)).toEqual([words]);
    expect((await call())!.urgency).toBe('CRITICAL');
  });

  it("records the caller's words when Twilio's Timestamp says nothing believable (none, or in the future), even outside the conference", async () => {
    const { transcribe, messages, live } = await heldCall();
    await live.update({
      [`active_calls/${CALL_ID}/conference/caller_in`]: false,
      [`active_calls/${CALL_ID}/conference/caller_left_at`]: '2025-10-04T14:30:50+05:30',
    });
    // A duplicate of a Gather's words is less harm than a lost emergency.
    expect(await transcribe({ words: 'said in the future', agoMs: -60_000 })).toBe('recorded');
    expect((await messages()).filter((m) => m.spoken).map((m) => m.content)).toEqual([
      'said in the future',
    ]);
  });

  it("records no human's words said before the caller's own participant-join: nobody heard them (A4)", async () => {
    const world = await conferenceCall();
    await controlCall({ action: 'take', callId: CONF_CALL_ID }, ANA_ADMIN, world.deps);
    await world.browser(ANA_ADMIN, ANA_BROWSER, 'talk');
    expect((await world.call())!.conference!.caller_in).toBe(true); // brought in, not yet joined
    const say = (words: string, sequence: number) =>
      recordTranscription(
        {
          callId: CONF_CALL_ID,
          speaker: 'supervisor',
          who: ANA_ADMIN.id,
          event: {
            kind: 'content',
            callSid: ANA_BROWSER,
            transcriptionSid: `GT${'d'.repeat(32)}`,
            sequence,
            at: world.clock().toISOString(),
            final: true,
            transcript: words,
            track: 'inbound_track',
          },
        },
        world.deps,
      );
    expect(await say('hello? is anyone there', 1)).toBe('unheard');
    world.clock.advance(5_000);
    await world.started(); // the caller's participant-join
    world.clock.advance(2_000);
    expect(await say('Priya, this is Ana', 2)).toBe('recorded');
    expect((await world.transcript()).filter((m) => m.spoken).map((m) => m.content)).toEqual([
      'Priya, this is Ana',
    ]);
  });
});

describe('Aurora answers the caller in the conference while supervisors only listen', () => {
  /**
   * Ben listens to a call nobody holds: the caller is in the conference, and Aurora answers them
   * there. `callerSays` posts the caller's final words; `announced` reads back what Twilio was
   * asked to play into the conference (its AnnounceUrl's key, read by /twilio/announce).
   */
  async function listened() {
    const world = await conferenceCall();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    await world.started();
    world.clock.advance(5_000); // the caller speaks a few seconds after joining
    let sequence = 0;
    const callerSays = (words: string, extra: Partial<TranscriptionCallback> = {}) =>
      recordTranscription(
        {
          callId: CONF_CALL_ID,
          speaker: 'caller',
          event: {
            kind: 'content',
            callSid: CONF_CALLER,
            transcriptionSid: CALLER_SID,
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
    const announced = async () =>
      Promise.all(
        world.voice.announcements.map(({ url }) =>
          announce(
            { callId: CONF_CALL_ID, key: new URL(url).searchParams.get('key')! },
            world.deps,
          ),
        ),
      );
    return { ...world, callerSays, announced };
  }

  it("answers the caller's words by announcing Aurora's reply into the conference, recorded as a turn's reply", async () => {
    const world = await listened();
    expect(await world.callerSays('there is a fire in the paint store')).toBe('recorded');
    const transcript = await world.transcript();
    const [words, reply] = transcript.slice(-2);
    expect(words).toMatchObject({
      role: 'user',
      content: 'there is a fire in the paint store',
      spoken: true,
    });
    expect(reply.role).toBe('assistant');
    expect(reply.content).not.toBe('');
    // Twilio is asked to play it into the running conference; only a key rides in the URL.
    expect(world.voice.announcements).toHaveLength(1);
    expect(world.voice.announcements[0].conferenceSid).toBe(CONFERENCE);
    expect(world.voice.announcements[0].url).not.toContain('fire');
    const [said] = await world.announced();
    expect(said).toContain(`<Say>${reply.content}</Say>`);
    const call = (await world.call())!;
    expect(call.urgency).toBe('CRITICAL');
    expect(call.mode).toBe('ai');
    expect(call.turn_started_at).toBeUndefined(); // the marker the purge waits for is cleared
    expect(call.conference!.announcements).toBeUndefined(); // read, so deleted
  });

  it('answers once: a replayed callback neither records nor announces again', async () => {
    const world = await listened();
    const callback: TranscriptionCallback = {
      callId: CONF_CALL_ID,
      speaker: 'caller',
      event: {
        kind: 'content',
        callSid: CONF_CALLER,
        transcriptionSid: CALLER_SID,
        sequence: 7,
        at: new Date(world.clock().getTime() - 300).toISOString(),
        final: true,
        transcript: 'I smell gas',
        track: 'inbound_track',
      },
    };
    const replies = async () =>
      (await world.transcript()).filter((m) => m.role === 'assistant').length;
    const before = await replies(); // the greeting
    expect(await recordTranscription(callback, world.deps)).toBe('recorded');
    expect(await recordTranscription(callback, world.deps)).toBe('replay');
    expect(world.voice.announcements).toHaveLength(1);
    expect(await replies()).toBe(before + 1);
  });

  it("does not answer while a supervisor holds the call, nor a listener's words", async () => {
    const world = await conferenceCall();
    await world.talk();
    await world.browser(BEN, BEN_BROWSER, 'listen');
    expect(
      await recordTranscription(
        {
          callId: CONF_CALL_ID,
          speaker: 'caller',
          event: {
            kind: 'content',
            callSid: CONF_CALLER,
            transcriptionSid: CALLER_SID,
            sequence: 1,
            at: world.clock().toISOString(),
            final: true,
            transcript: 'there is a fire in the paint store',
            track: 'inbound_track',
          },
        },
        world.deps,
      ),
    ).toBe('recorded');
    expect(world.voice.announcements).toEqual([]);
    expect((await world.transcript()).filter((m) => m.role === 'assistant')).toHaveLength(1); // the greeting
  });

  it('says in the transcript that the reply was not spoken when Twilio refuses the announcement, and keeps no words waiting', async () => {
    const world = await listened();
    // The sid is known (no lookup): the refusal is the announcement's.
    world.voice.refuseNext = new AuroraError('Announcing failed: Twilio error 20003: Authenticate');
    expect(await world.callerSays('I smell gas')).toBe('recorded');
    expect(world.voice.announcements).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      "Not spoken: Aurora's reply above was not said to the caller (Twilio did not take it: Announcing failed: Twilio error 20003: Authenticate).",
    );
    expect((await world.call())!.conference!.announcements).toBeUndefined();
    expect((await world.call())!.turn_started_at).toBeUndefined();
  });

  it('says the reply was not spoken when the conference had just ended', async () => {
    const world = await listened();
    world.voice.endedConferences.push(CONFERENCE);
    await world.callerSays('I smell gas');
    expect((await world.notes()).at(-1)).toBe(
      "Not spoken: Aurora's reply above was not said to the caller (the conference had just ended).",
    );
    expect((await world.call())!.conference!.announcements).toBeUndefined();
  });

  it('does not speak over a supervisor who took the call while Aurora was answering: the reply is recorded as possibly unheard', async () => {
    const world = await listened();
    world.deps.responder = {
      respond: async (input) => {
        await controlCall({ action: 'take', callId: CONF_CALL_ID }, ANA_ADMIN, world.deps);
        return offlineResponder.respond(input);
      },
    };
    await world.callerSays('I smell gas');
    expect(world.voice.announcements).toEqual([]);
    expect((await world.transcript()).at(-1)!.content).toMatch(
      /^May not have been heard: ana@site\.example took the call while Aurora was answering\./,
    );
  });

  it('does not keep the reply once the caller has left the conference meanwhile, and says it was not spoken', async () => {
    const world = await listened();
    world.deps.responder = {
      respond: async (input) => {
        // The last listener leaves while Aurora composes: the caller is back in her Gather.
        await controlCall({ action: 'leave', callId: CONF_CALL_ID }, BEN, world.deps);
        await world.ended();
        return offlineResponder.respond(input);
      },
    };
    await world.callerSays('I smell gas');
    expect(world.voice.announcements).toEqual([]);
    expect((await world.notes()).at(-1)).toBe(
      "Not spoken: Aurora's reply above was not said to the caller (the caller left the conference, or a supervisor took the call, meanwhile).",
    );
  });

  it("gives the responder what is left of the webhook's time, less the time to write and announce the reply", async () => {
    const world = await listened();
    let within: number | undefined;
    world.deps.responder = {
      respond: async (input) => {
        within = input.withinMs;
        return offlineResponder.respond(input);
      },
    };
    await world.callerSays('I smell gas', { deadline: performance.now() + 10_000 });
    expect(within).toBeGreaterThan(7_000);
    expect(within).toBeLessThanOrEqual(8_000);
  });

  it("clears the turn marker and answers nothing when the caller's words could not be written", async () => {
    const world = await listened();
    const update = world.live.update.bind(world.live);
    let failing = true;
    world.live.update = async (changes) => {
      if (failing && Object.keys(changes).some((path) => path.includes(`${CONF_CONV}/messages/`)))
        throw new Error('database unavailable');
      return update(changes);
    };
    await expect(world.callerSays('I smell gas')).rejects.toThrow('database unavailable');
    failing = false;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the composing reply settles
    expect(world.voice.announcements).toEqual([]);
    expect((await world.call())!.turn_started_at).toBeUndefined();
  });

  // Found by the safety simulation's I10 (ring(0), admin(0, 'ana', 'listen'), fault({ port:
  // 'database', op: 'update', count: 6 }), talk(0, …)): the first try could not write the words
  // and answered nothing; Twilio's retry found the claim, wrote them, and answered nothing either,
  // since only a first claim answered. The caller waited in silence for a reply never composed.
  it("answers the caller's words on the retry that records them, when the first try could not", async () => {
    const world = await listened();
    const callback: TranscriptionCallback = {
      callId: CONF_CALL_ID,
      speaker: 'caller',
      event: {
        kind: 'content',
        callSid: CONF_CALLER,
        transcriptionSid: CALLER_SID,
        sequence: 1,
        at: new Date(world.clock().getTime() - 300).toISOString(),
        final: true,
        transcript: 'I smell gas',
        track: 'inbound_track',
      },
    };
    const update = world.live.update.bind(world.live);
    let failing = true;
    world.live.update = async (changes) => {
      if (failing && Object.keys(changes).some((path) => path.includes(`${CONF_CONV}/messages/`)))
        throw new Error('database unavailable');
      return update(changes);
    };
    await expect(recordTranscription(callback, world.deps)).rejects.toThrow('database unavailable');
    failing = false;
    // Twilio posts the callback again (https://www.twilio.com/docs/api/errors/17580).
    expect(await recordTranscription(callback, world.deps)).toBe('recorded');
    expect(world.voice.announcements).toHaveLength(1);
    const transcript = await world.transcript();
    expect(transcript.filter((m) => m.content === 'I smell gas')).toHaveLength(1);
    expect(transcript.at(-1)!.role).toBe('assistant');
    // A third post finds the words written: nothing is answered twice.
    expect(await recordTranscription(callback, world.deps)).toBe('replay');
    expect(world.voice.announcements).toHaveLength(1);
  });
});

describe("the caller's words transcribed late, after they hung up in the conference", () => {
  // Ana talks with the caller, who says "fire" at 14:30:10 and hangs up at 14:30:15; Twilio's
  // transcription callback for the words comes later. Before it, and before the call's status
  // callback, Ana presses Talk again: the join brings the caller in on the record and the move
  // fails (Twilio no longer has the call). The words were said in the conference: theirs to keep.
  it('records them, once, raising urgency, on the live call and in its archive (I3/I4)', async () => {
    const world = await conferenceCall();
    await world.talk();
    world.clock.advance(10_000);
    const saidAt = world.clock().toISOString();
    world.clock.advance(5_000);
    world.voice.gone.add(CONF_CALLER);
    await conferenceEvent(
      { callId: CONF_CALL_ID, event: 'conference-end', conferenceSid: CONFERENCE },
      world.deps,
    );
    world.clock.advance(5_000);
    expect(await world.browser(ANA_ADMIN, callSid(0xb5), 'talk')).toContain('Goodbye');
    expect((await world.call())!.conference).toMatchObject({ caller_in: false });

    const words = 'there is a fire in the paint store';
    const callback: TranscriptionCallback = {
      callId: CONF_CALL_ID,
      speaker: 'caller',
      event: {
        kind: 'content',
        callSid: CONF_CALLER,
        transcriptionSid: CALLER_SID,
        sequence: 1,
        at: saidAt,
        final: true,
        transcript: words,
        track: 'inbound_track',
      },
    };
    expect(await recordTranscription(callback, world.deps)).toBe('recorded');
    expect(await recordTranscription(callback, world.deps)).toBe('replay');
    expect((await world.transcript()).filter((m) => m.content === words)).toHaveLength(1);
    expect((await world.call())!.urgency).toBe('CRITICAL');

    // The call ends and, acknowledged at CRITICAL, is archived with the words once.
    await handleStatus({ callSid: CONF_CALLER, callStatus: 'completed' }, world.deps);
    await controlCall({ action: 'ack', callId: CONF_CALL_ID }, ANA_ADMIN, world.deps);
    await world.queue.runAll(world.deps);
    expect(await world.live.get(`active_calls/${CONF_CALL_ID}`)).toBeNull();
    const plan = [...world.archive.plans.values()][0];
    expect(plan.conversation.messages.filter((m) => m.content === words)).toHaveLength(1);
    expect(plan.call.urgency).toBe('CRITICAL');
  });
});
