/** What a turn writes, decided before anything is written (core/turnPlan.ts). */
import { describe, expect, it } from 'vitest';
import { planTurn, type TurnInput } from '../../../functions/src/core/turnPlan';
import { aLiveCall } from '../../helpers/fixtures';

const CALL_ID = 'call_15550100001_20251004_143000';
const CONV = 'conv_15550100001_20251004_143000';
const NOW = '2025-10-04T14:31:00+05:30';

function plan(overrides: Partial<TurnInput> = {}) {
  let n = 0;
  return planTurn({
    callId: CALL_ID,
    call: aLiveCall(),
    messages: [],
    change: {},
    nowIso: NOW,
    nextKey: () => `k${++n}`,
    ...overrides,
  });
}

describe('planTurn', () => {
  it("writes the caller's words, closes the Gather's partial speech and stamps the call, in one write", () => {
    const { writes, callFields, holder } = plan({
      messages: [{ role: 'user', content: 'there is smoke', sources: '' }],
      change: { closePartial: { gather: 'g1' } },
    });
    expect(writes).toEqual({
      [`active_conversations/${CONV}/messages/k1`]: {
        role: 'user',
        content: 'there is smoke',
        timestamp: NOW,
        sources: '',
      },
      [`active_conversations/${CONV}/partial`]: { gather: 'g1', closed: true },
      [`active_calls/${CALL_ID}/last_message_at`]: NOW,
    });
    expect(callFields).toEqual({ last_message_at: NOW });
    expect(holder).toBeNull();
  });

  it("leaves the call alone for words the turn's opening already stamped, unless they end a quiet spell", () => {
    const words = [{ role: 'user' as const, content: 'there is smoke', sources: '' }];
    const change = { closePartial: { gather: 'g1' }, stampedAtOpening: true };
    const { writes, callFields } = plan({ messages: words, change });
    expect(Object.keys(writes).filter((path) => path.startsWith('active_calls/'))).toEqual([]);
    expect(callFields).toEqual({});
    const quiet = plan({ messages: words, change, call: aLiveCall({ quiet_since: NOW }) });
    expect(quiet.writes[`active_calls/${CALL_ID}/quiet_since`]).toBeNull();
    expect(quiet.writes[`active_calls/${CALL_ID}/last_message_at`]).toBeUndefined();
  });

  it('puts the call fields in the urgency transaction, never lowering, and clears the marker only with the messages', () => {
    const { writes, callFields } = plan({
      call: aLiveCall({ urgency: 'CRITICAL' }),
      messages: [
        { role: 'assistant', content: 'Get out now.', sources: 'Fire', fallback: 'offline' },
      ],
      change: {
        urgency: 'URGENT',
        finishTurn: true,
        answered: { gather: 'g1' },
        handoff: true,
        reply: true,
      },
    });
    expect(callFields).toEqual({
      last_message_at: NOW,
      urgency: 'CRITICAL',
      handoff_requested: true,
    });
    expect(writes).toEqual({
      [`active_conversations/${CONV}/messages/k1`]: {
        role: 'assistant',
        content: 'Get out now.',
        timestamp: NOW,
        sources: 'Fire',
        fallback: 'offline',
      },
      [`active_conversations/${CONV}/speculation`]: {
        gather: 'g1',
        text: '',
        state: 'used',
        started_at: NOW,
      },
      [`active_calls/${CALL_ID}/turn_started_at`]: null,
    });
  });

  it('records an answer composed while a supervisor took the call as possibly unheard, and asks for no hand-over', () => {
    const { writes, callFields, holder } = plan({
      call: aLiveCall({ mode: 'human', admin_id: 'ana@site' }),
      messages: [{ role: 'assistant', content: 'Leave the building.', sources: '' }],
      change: { urgency: 'NORMAL', handoff: true, reply: true },
    });
    expect(holder).toBe('ana@site');
    expect(callFields).not.toHaveProperty('handoff_requested');
    expect(Object.values(writes)).toEqual([
      {
        role: 'system',
        content:
          'May not have been heard: ana@site took the call while Aurora was answering. Aurora answered: Leave the building.',
        timestamp: NOW,
        sources: '',
      },
    ]);
  });

  it('marks a quiet caller once, and clears it when they speak', () => {
    expect(plan({ change: { quiet: true } }).callFields).toEqual({
      last_message_at: NOW,
      quiet_since: NOW,
    });
    expect(
      plan({
        call: aLiveCall({ quiet_since: '2025-10-04T14:30:30+05:30' }),
        change: { quiet: true },
      }).callFields,
    ).toEqual({ last_message_at: NOW });
    expect(
      plan({
        call: aLiveCall({ quiet_since: '2025-10-04T14:30:30+05:30' }),
        messages: [{ role: 'user', content: 'help', sources: '' }],
      }).callFields,
    ).toEqual({
      last_message_at: NOW,
      quiet_since: null,
    });
  });

  it("writes a language switch's note for the supervisors before Aurora's answer", () => {
    const { writes, callFields } = plan({
      call: aLiveCall({ language: 'en', language_evidence: { language: 'de', count: 1 } }),
      messages: [{ role: 'assistant', content: 'Verlassen Sie das Gebäude.', sources: '' }],
      change: { language: { language: 'de', evidence: null, switchedTo: 'de' } },
      languageNote: 'The caller is speaking German.',
    });
    expect(callFields).toMatchObject({ language: 'de', language_evidence: null });
    expect(Object.entries(writes).slice(0, 2)).toEqual([
      [
        `active_conversations/${CONV}/messages/k1`,
        { role: 'system', content: 'The caller is speaking German.', timestamp: NOW, sources: '' },
      ],
      [
        `active_conversations/${CONV}/messages/k2`,
        { role: 'assistant', content: 'Verlassen Sie das Gebäude.', timestamp: NOW, sources: '' },
      ],
    ]);
  });

  // A listener's join moved the caller into the conference while the Gather's reply was composed:
  // Twilio drops the TwiML that would say it, so the transcript must not say it was said.
  it("records a Gather's reply as possibly unheard, its question not open, when the caller was moved into the conference meanwhile", () => {
    const moved = aLiveCall({ conference: { name: 'conf_x', caller_in: true } });
    const asks = (call: unknown, at: string) => ({
      question: { procedure: 'collapse', id: 'awake' as const, asked_at: at },
    });
    const { writes, callFields, holder, movedIn } = plan({
      call: moved,
      messages: [{ role: 'assistant', content: 'Is he awake?', sources: '' }],
      change: { settle: asks, handoff: true, reply: true, saidByTwiml: true },
    });
    expect(holder).toBeNull();
    expect(movedIn).toBe(true);
    expect(callFields).not.toHaveProperty('question');
    // Nobody holds the call: the hand-over is still asked for.
    expect(callFields.handoff_requested).toBe(true);
    expect(Object.values(writes)).toEqual([
      {
        role: 'system',
        content:
          'May not have been heard: the caller was moved into the voice conference while Aurora was answering; the answer is announced there. Aurora answered: Is he awake?',
        timestamp: NOW,
        sources: '',
      },
    ]);
    // Aurora's own reply in the conference (announced, not said by TwiML) is said as usual.
    const inConference = plan({
      call: moved,
      messages: [{ role: 'assistant', content: 'Is he awake?', sources: '' }],
      change: { settle: asks, reply: true },
    });
    expect(inConference.movedIn).toBe(false);
    expect(inConference.callFields.question).toEqual({
      procedure: 'collapse',
      id: 'awake',
      asked_at: NOW,
    });
    expect(Object.values(inConference.writes)).toEqual([
      { role: 'assistant', content: 'Is he awake?', timestamp: NOW, sources: '' },
    ]);
  });
});
