import { describe, expect, it } from 'vitest';
import { offlineResponder } from '../../../functions/src/assistant/offlineResponder';
import { startCall } from '../../../functions/src/calls/startCall';
import { takeTurn } from '../../../functions/src/calls/takeTurn';
import { AuroraError } from '../../../functions/src/core/errors';
import { FirstAnswer } from '../../../functions/src/core/firstAnswer';
import { memoryDeps } from '../../helpers/fakes';
import { callSid } from '../../helpers/fixtures';
import type { LiveDb } from '../../../functions/src/ports';
import { liveRecords, liveWith } from '../../helpers/memoryDb';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV_ID = 'conv_15550100001_20251004_143000';

describe('takeTurn', () => {
  async function started() {
    const ctx = memoryDeps();
    await startCall({ callSid: callSid(1), from: '+15550100001' }, ctx.deps);
    ctx.clock.advance(5000);
    return ctx;
  }

  it("records the caller's words and Aurora's reply, raises urgency and clears the turn marker", async () => {
    const { deps, live } = await started();
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: "There's a fire in Zone A", silentTurns: 0 },
      deps,
    );
    expect(twiml).toContain('Leave the area now');
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    expect(call.urgency).toBe('CRITICAL');
    expect(call.last_message_at).toBe('2025-10-04T14:30:05+05:30');
    expect(call.turn_started_at).toBeUndefined();
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages.slice(1)).toEqual([
      {
        role: 'user',
        content: "There's a fire in Zone A",
        timestamp: '2025-10-04T14:30:05+05:30',
        sources: '',
      },
      {
        role: 'assistant',
        content: expect.stringContaining('Leave the area'),
        timestamp: '2025-10-04T14:30:05+05:30',
        sources: 'Fire and Explosion Response (EP-01)',
      },
    ]);
  });

  it("reads the call named in the action URL, but never another CallSid's call", async () => {
    const { deps, live } = await started();
    await startCall({ callSid: callSid(2), from: '+15550100009' }, deps);
    const other = 'call_15550100009_20251004_143005';
    await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0, callHint: other }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
    expect(await live.get(`active_calls/${other}/urgency`)).toBe('NORMAL');
    await takeTurn({ callSid: callSid(1), speech: 'gas', silentTurns: 0, callHint: CALL_ID }, deps);
    expect(
      Object.keys((await live.get(`active_conversations/${CONV_ID}/messages`)) as object),
    ).toHaveLength(5);
  });

  it('gives the responder the earlier turns and the caller, and records which fallback answered', async () => {
    const { deps, live } = await started();
    const seen: unknown[] = [];
    deps.responder = {
      respond: async (input) => {
        seen.push({
          history: input.history.map((m) => m.role),
          caller: input.caller.name,
          utterance: input.utterance,
        });
        return {
          text: 'Leave now and call emergency services.',
          urgency: 'CRITICAL',
          sources: [],
          fallback: 'fallback-model',
          handoff: seen.length > 1,
        };
      },
    };
    await takeTurn({ callSid: callSid(1), speech: 'fire', silentTurns: 0 }, deps);
    await takeTurn({ callSid: callSid(1), speech: 'it is spreading', silentTurns: 0 }, deps);
    expect(seen).toEqual([
      { history: ['assistant'], caller: 'Priya Nair', utterance: 'fire' },
      {
        history: ['assistant', 'user', 'assistant'],
        caller: 'Priya Nair',
        utterance: 'it is spreading',
      },
    ]);
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages.at(-1)).toMatchObject({ role: 'assistant', fallback: 'fallback-model' });
    expect(await live.get(`active_calls/${CALL_ID}/handoff_requested`)).toBe(true);
  });

  it('never lowers urgency', async () => {
    const { deps, live } = await started();
    await takeTurn({ callSid: callSid(1), speech: 'fire!', silentTurns: 0 }, deps);
    await takeTurn({ callSid: callSid(1), speech: 'what do I do now', silentTurns: 0 }, deps);
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
  });

  it('reprompts on silence, then says goodbye and hangs up', async () => {
    const { deps } = await started();
    const first = await takeTurn({ callSid: callSid(1), speech: '  ', silentTurns: 0 }, deps);
    expect(first).toContain('I did not hear anything');
    expect(first).toContain(`/twilio/turn?call=${CALL_ID}&amp;silent=1&amp;g=`);
    const last = await takeTurn({ callSid: callSid(1), speech: '', silentTurns: 2 }, deps);
    expect(last).toContain('<Hangup/>');
  });

  it('answers an unknown call without recording anything', async () => {
    const { deps, live } = memoryDeps();
    const twiml = await takeTurn({ callSid: callSid(9), speech: 'gas leak', silentTurns: 0 }, deps);
    expect(twiml).toContain('Move upwind');
    expect(liveRecords(live.tree)).toEqual({});
  });

  it('still answers when the responder and the database fail', async () => {
    const { deps, live } = await started();
    deps.responder = { respond: () => Promise.reject(new Error('model down')) };
    live.failNextUpdates = 2;
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'someone is bleeding', silentTurns: 0 },
      deps,
    );
    expect(twiml).toContain('Call emergency services now');
  });

  it("only records the caller's words while a human has the call", async () => {
    const { deps, live } = await started();
    await live.update({ [`active_calls/${CALL_ID}/mode`]: 'human' });
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'are you there?', silentTurns: 0 },
      deps,
    );
    expect(twiml).not.toContain('<Say>');
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages).toHaveLength(2);
  });

  it('never hangs up on, or speaks over, a silent caller while a human holds the call, and shows the holder the silence', async () => {
    const { deps, live, clock } = await started();
    await live.update({
      [`active_calls/${CALL_ID}/mode`]: 'human',
      [`active_calls/${CALL_ID}/admin_id`]: 'ana@site.example',
    });
    for (const silentTurns of [0, 1, 2, 3, 7]) {
      const twiml = await takeTurn(
        { callSid: callSid(1), speech: '', silentTurns, callHint: CALL_ID },
        deps,
      );
      expect(twiml).not.toContain('<Hangup');
      expect(twiml).not.toContain('<Say>');
      expect(twiml).toContain('<Gather');
      clock.advance(5000);
    }
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    expect(call.quiet_since).toBe('2025-10-04T14:30:05+05:30');
    expect(call.status).toBe('ACTIVE');
    expect(
      Object.values((await live.get(`active_conversations/${CONV_ID}/messages`)) as object),
    ).toHaveLength(1); // no reprompts spoken

    await takeTurn(
      { callSid: callSid(1), speech: 'help, my leg is stuck', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(await live.get(`active_calls/${CALL_ID}/quiet_since`)).toBeNull();
  });

  it('records an answer a take-over overtook as one the caller may not have heard, in one write', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { deps, live } = await started();
    deps.responder = {
      respond: async () => (
        await gate,
        {
          text: 'Leave the area now.',
          urgency: 'CRITICAL',
          sources: ['Fire and Explosion Response (EP-01)'],
          handoff: true,
        }
      ),
    };
    const turn = takeTurn(
      {
        callSid: callSid(1),
        speech: 'the panel is on fire',
        silentTurns: 0,
        callHint: CALL_ID,
      },
      deps,
    );
    await new Promise((r) => setTimeout(r, 0));
    // The supervisor takes the call while the responder is still thinking.
    await live.update({
      [`active_calls/${CALL_ID}/mode`]: 'human',
      [`active_calls/${CALL_ID}/admin_id`]: 'ana@site.example',
    });
    // Every message is written once, as it stays: the dashboard listens for new messages only.
    const writtenRoles: string[] = [];
    const update = live.update.bind(live);
    live.update = async (changes) => {
      for (const [path, value] of Object.entries(changes))
        if (path.includes('/messages/')) writtenRoles.push((value as { role: string }).role);
      return update(changes);
    };
    release();
    const twiml = await turn;
    // Twilio drops it once the supervisor's redirect lands; if the take-over is refused, the caller still hears it.
    expect(twiml).toContain('Leave the area now');
    expect(writtenRoles).toEqual(['system']);
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({ role: 'user', content: 'the panel is on fire' }),
      expect.objectContaining({
        role: 'system',
        content:
          'May not have been heard: ana@site.example took the call while Aurora was answering. Aurora answered: Leave the area now.',
      }),
    ]);
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    expect(call.urgency).toBe('CRITICAL'); // the caller's words still raise the call
    expect(call.turn_started_at).toBeUndefined();
    expect(call.handoff_requested).toBeUndefined(); // a supervisor already holds it
    expect(call.mode).toBe('human');
  });

  // A listener joined a call nobody held while Aurora composed the turn's answer: the join moved
  // the caller into the conference (a call update, which replaces the TwiML Twilio runs), so the
  // Gather's answer is never played. It used to be recorded as said, its question opened, and the
  // caller's words went unanswered (Aurora in the conference answers only transcribed words).
  async function movedInWhileComposing(announce: 'accepted' | 'refused') {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const ctx = await started();
    const { deps, live, voice } = ctx;
    deps.responder = {
      respond: async () => (
        await gate,
        {
          text: 'Is he awake?',
          urgency: 'URGENT',
          sources: [],
          question: { procedure: 'collapse', id: 'awake' },
        }
      ),
    };
    const turn = takeTurn(
      { callSid: callSid(1), speech: 'my colleague collapsed', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    await new Promise((r) => setTimeout(r, 0));
    // Ana listens: her join moves the caller into the conference; nobody holds the call.
    await live.update({
      [`active_calls/${CALL_ID}/conference`]: { name: 'conf_x', caller_in: true, sid: 'CF1' },
    });
    if (announce === 'refused')
      voice.refuseNext = new AuroraError('Updating the conference failed: HTTP 500', {
        retryable: true,
      });
    release();
    const twiml = await turn;
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    return { twiml, messages, call, voice };
  }

  it("announces into the conference a turn's answer that a listener's move-in cut off, recorded as possibly unheard", async () => {
    const { twiml, messages, call, voice } = await movedInWhileComposing('accepted');
    // Still returned: if the move is refused and undone, Twilio says it after all.
    expect(twiml).toContain('Is he awake?');
    expect(voice.announcements).toEqual([
      { conferenceSid: 'CF1', url: expect.stringContaining(CALL_ID) },
    ]);
    expect(Object.values((call.conference as { announcements: object }).announcements)).toEqual([
      'Is he awake?',
    ]);
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({ role: 'user', content: 'my colleague collapsed' }),
      expect.objectContaining({
        role: 'system',
        content:
          'May not have been heard: the caller was moved into the voice conference while Aurora was answering; the answer is announced there. Aurora answered: Is he awake?',
      }),
    ]);
    // Not known to be heard: the caller's next words are not taken for an answer to it.
    expect(call.question).toBeUndefined();
    expect(call.turn_started_at).toBeUndefined();
  });

  it('says the cut-off answer was not spoken when Twilio refuses its announcement', async () => {
    const { messages, call, voice } = await movedInWhileComposing('refused');
    expect(voice.announcements).toEqual([]);
    expect((call.conference as { announcements?: object }).announcements).toBeUndefined();
    expect(messages.slice(-1)).toEqual([
      expect.objectContaining({
        role: 'system',
        content: expect.stringMatching(/^Not spoken: Aurora's reply above was not said/),
      }),
    ]);
  });

  /** `live` with `change` made by someone else just before the turn's second write, after its opening. */
  function changedAfterOpening(live: LiveDb, change: Record<string, unknown>): LiveDb {
    let writes = 0;
    const meanwhile = async () => {
      if (++writes === 2) await live.update(change);
    };
    return liveWith(live, {
      update: async (changes) => (await meanwhile(), live.update(changes)),
      transact: async (path, next) => (await meanwhile(), live.transact(path, next)),
    });
  }

  // The same for what Aurora says into a silence (asking again, still here, goodbye): the Gather's
  // TwiML says it, so a listener's move-in between the turn's opening and its write drops it. It
  // used to be recorded as said.
  async function movedInDuringSilence(silentTurns: number) {
    const ctx = await started();
    const { deps, live, voice } = ctx;
    // Ana listens just after the turn opened: her join moves the caller into the conference.
    deps.live = changedAfterOpening(live, {
      [`active_calls/${CALL_ID}/conference`]: { name: 'conf_x', caller_in: true, sid: 'CF1' },
    });
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: '', silentTurns, callHint: CALL_ID },
      deps,
    );
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    return { twiml, messages, call, voice };
  }

  it("announces into the conference Aurora's asking again that a listener's move-in cut off", async () => {
    const { twiml, messages, call, voice } = await movedInDuringSilence(0);
    expect(twiml).toContain('<Gather'); // still returned: Twilio runs it if the move is undone
    expect(voice.announcements).toEqual([
      { conferenceSid: 'CF1', url: expect.stringContaining(CALL_ID) },
    ]);
    const [asked] = Object.values((call.conference as { announcements: object }).announcements);
    expect(twiml).toContain(asked);
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({
        role: 'system',
        content: `May not have been heard: the caller was moved into the voice conference while Aurora was answering; the answer is announced there. Aurora answered: ${asked}`,
      }),
    ]);
    expect(call.turn_started_at).toBeUndefined();
    expect(call.quiet_since).toBeDefined();
  });

  it("never says or announces a goodbye to a silence that a listener's move-in cut off, and does not hang up", async () => {
    const { twiml, messages, voice } = await movedInDuringSilence(2);
    // Listens instead: if the move fails after all, the caller is not hung up on either.
    expect(twiml).not.toContain('<Hangup');
    expect(twiml).not.toContain('<Say');
    expect(voice.announcements).toEqual([]);
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({
        role: 'system',
        content: expect.stringMatching(
          /^Not spoken: Aurora's goodbye was not said to the caller \(they were moved into the voice conference .*\)\. She would have said: /,
        ),
      }),
    ]);
  });

  it('neither speaks nor hangs up when a supervisor takes the call during a silent turn', async () => {
    const { deps, live } = await started();
    // Ana takes the call just after the turn opened.
    deps.live = changedAfterOpening(live, {
      [`active_calls/${CALL_ID}/mode`]: 'human',
      [`active_calls/${CALL_ID}/admin_id`]: 'ana@site.example',
    });
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: '', silentTurns: 2, callHint: CALL_ID },
      deps,
    );
    expect(twiml).not.toContain('<Hangup');
    expect(twiml).not.toContain('<Say');
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({
        role: 'system',
        content: expect.stringMatching(
          /^May not have been heard: ana@site\.example took the call while Aurora was answering\./,
        ),
      }),
    ]);
  });

  it("records the deadline's answer to a silence when it was said before the turn's own", async () => {
    const { deps, live } = await started();
    const answer = new FirstAnswer();
    // The webhook's deadline fired first and spoke its fallback.
    answer.settle({
      text: 'Aurora is here. Tell me what happened.',
      language: 'en',
      urgency: 'NORMAL',
      sources: [],
      fallback: 'deadline',
    });
    await takeTurn(
      { callSid: callSid(1), speech: '', silentTurns: 0, callHint: CALL_ID, answer },
      deps,
    );
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as object,
    );
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({
        role: 'assistant',
        content: 'Aurora is here. Tell me what happened.',
        fallback: 'deadline',
      }),
    ]);
  });

  it("marks a silent call quiet and records Aurora's asking again when the database refuses the turn's transaction", async () => {
    const { deps, live } = await started();
    let transactions = 0;
    // The opening goes through; every transaction after it is refused.
    deps.live = liveWith(live, {
      transact: (path, next) =>
        ++transactions > 1
          ? Promise.reject(new Error('database unavailable'))
          : live.transact(path, next),
    });
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: '', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(transactions).toBeGreaterThan(1);
    const call = (await live.get(`active_calls/${CALL_ID}`)) as Record<string, unknown>;
    expect(call.quiet_since).toBe('2025-10-04T14:30:05+05:30');
    expect(call.turn_started_at).toBeUndefined();
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as Array<{ content: string }>,
    );
    expect(messages.slice(1)).toEqual([
      expect.objectContaining({ role: 'assistant', content: expect.any(String) }),
    ]);
    expect(twiml).toContain(messages[1].content);
  }, 20_000);

  it('never lowers urgency when two turns of one call overlap', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const { deps, live } = await started();
    deps.responder = {
      respond: async (input) =>
        input.utterance.includes('slow')
          ? (await gate, { text: 'Stay where you are.', urgency: 'URGENT', sources: [] })
          : offlineResponder.respond(input),
    };
    const slow = takeTurn(
      { callSid: callSid(1), speech: 'slow: my arm hurts', silentTurns: 0, callHint: CALL_ID },
      deps,
    ); // began when the call was NORMAL
    await new Promise((r) => setTimeout(r, 0));
    await takeTurn(
      {
        callSid: callSid(1),
        speech: "There's a fire in Zone A",
        silentTurns: 0,
        callHint: CALL_ID,
      },
      deps,
    );
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
    release();
    await slow;
    expect(await live.get(`active_calls/${CALL_ID}/urgency`)).toBe('CRITICAL');
  });

  it('cleans text XML cannot hold out of a reply, instead of failing the turn and hanging up', async () => {
    const { deps, live } = await started();
    deps.responder = {
      respond: async () => ({
        text: 'Leave\u0007 the area\uD800 now.\uFFFE',
        urgency: 'URGENT',
        sources: [],
      }),
    };
    const twiml = await takeTurn(
      { callSid: callSid(1), speech: 'what now', silentTurns: 0, callHint: CALL_ID },
      deps,
    );
    expect(twiml).toContain('<Say>Leave the area now.</Say>');
    expect(twiml).not.toContain('<Hangup');
    const messages = Object.values(
      (await live.get(`active_conversations/${CONV_ID}/messages`)) as Record<
        string,
        { content: string }
      >,
    );
    expect(messages.at(-1)!.content).toBe('Leave the area now.');
  });
});
