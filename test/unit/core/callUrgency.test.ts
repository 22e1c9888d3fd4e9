/** How a call's urgency moves: provisional, confirmed, and falling only on an answer (core/callUrgency.ts). */
import { describe, expect, it } from 'vitest';
import {
  afterCallerWords,
  afterLateWords,
  afterReply,
  afterSilence,
  bySupervisor,
  CONFIRM_WINDOW_MS,
  confirmed,
  type Answer,
  type UrgencyState,
} from '../../../functions/src/core/callUrgency';

const AT = '2026-12-03T10:00:00Z';
const ASKED = { procedure: 'collapse', id: 'awake' as const, asked_at: '2026-12-03T09:59:50Z' };
const sure = (urgency: UrgencyState['urgency']) => ({ urgency, provisional: false });
const unsure = (urgency: UrgencyState['urgency']) => ({ urgency, provisional: true });
const answer = (verdict: Answer['verdict']): Answer => ({
  verdict,
  answered: 'awake',
  ifReassured: 'URGENT',
  ifAlarming: 'CRITICAL',
  question: 'Is she awake and talking?',
});
const provisionalCall: UrgencyState = {
  urgency: 'CRITICAL',
  urgency_provisional: true,
  question: ASKED,
};

describe('the caller’s words', () => {
  it('raise urgency on unsure words provisionally, on sure words for good', () => {
    expect(afterCallerWords({ urgency: 'NORMAL' }, unsure('CRITICAL'), undefined, AT, 'x')).toEqual(
      { urgency: 'CRITICAL', urgency_provisional: true },
    );
    expect(afterCallerWords({ urgency: 'NORMAL' }, sure('CRITICAL'), undefined, AT, 'x')).toEqual({
      urgency: 'CRITICAL',
    });
  });

  it('lower a provisional CRITICAL on a reassuring answer, recording why', () => {
    const fields = afterCallerWords(
      provisionalCall,
      sure('NORMAL'),
      answer('reassuring'),
      AT,
      "she's awake now, sitting and talking",
    );
    expect(fields).toEqual({
      urgency: 'URGENT',
      urgency_provisional: null,
      question: null,
      urgency_falls: {
        f000: {
          from: 'CRITICAL',
          to: 'URGENT',
          by: 'caller',
          at: AT,
          reason: `Asked "Is she awake and talking?", the caller said "she's awake now, sitting and talking"`,
        },
      },
    });
  });

  it('never fall below what the answering words themselves call for', () => {
    const fields = afterCallerWords(
      provisionalCall,
      sure('CRITICAL'),
      answer('reassuring'),
      AT,
      'yes she is awake but there is a fire',
    );
    expect(fields.urgency).toBeUndefined();
    expect(fields.urgency_falls).toBeUndefined();
    expect(fields.urgency_provisional).toBeNull();
  });

  it('do not lower an urgency that was sure, even on "it is a drill": only an unsure one falls', () => {
    const sureCall: UrgencyState = { urgency: 'CRITICAL', question: { ...ASKED, id: 'trapped' } };
    expect(
      afterCallerWords(sureCall, sure('NORMAL'), answer('reassuring'), AT, 'nobody is trapped'),
    ).toEqual({ question: null });
    const drill: UrgencyState = { urgency: 'CRITICAL', question: { ...ASKED, id: 'real' } };
    expect(
      afterCallerWords(
        drill,
        sure('NORMAL'),
        { ...answer('reassuring'), answered: 'real', ifReassured: 'NORMAL' },
        AT,
        'no it is the drill',
      ),
    ).toEqual({ question: null });
  });

  it('narrow an acknowledgement above the level it falls to', () => {
    const acked: UrgencyState = {
      ...provisionalCall,
      acknowledged_by: 'ana',
      acknowledged_urgency: 'CRITICAL',
    };
    expect(
      afterCallerWords(acked, sure('NORMAL'), answer('reassuring'), AT, 'he is awake and talking'),
    ).toMatchObject({ urgency: 'URGENT', acknowledged_urgency: 'URGENT' });
  });

  it('raise to the procedure’s urgency, confirmed, on an alarming answer', () => {
    const fields = afterCallerWords(
      { urgency: 'URGENT', question: ASKED },
      sure('NORMAL'),
      answer('alarming'),
      AT,
      'no',
    );
    expect(fields).toEqual({ urgency: 'CRITICAL', question: null });
  });

  it('leave a provisional urgency unsettled on an unclear answer (the next question may settle it), and confirm it on any later words', () => {
    expect(
      afterCallerWords(provisionalCall, sure('NORMAL'), answer('unclear'), AT, 'I do not know'),
    ).toEqual({ question: null });
    expect(
      afterCallerWords(
        { urgency: 'CRITICAL', urgency_provisional: true },
        sure('NORMAL'),
        undefined,
        AT,
        'we are in hall two',
      ),
    ).toEqual({ urgency_provisional: null });
  });

  it('keep each fall, in order', () => {
    const once = afterCallerWords(provisionalCall, sure('NORMAL'), answer('reassuring'), AT, 'a');
    const again = afterCallerWords(
      {
        urgency: 'CRITICAL',
        urgency_provisional: true,
        question: ASKED,
        urgency_falls: once.urgency_falls,
      },
      sure('NORMAL'),
      answer('reassuring'),
      AT,
      'b',
    );
    expect(Object.keys(again.urgency_falls!)).toEqual(['f000', 'f001']);
  });
});

describe('Aurora’s reply', () => {
  it('opens its key question and raises urgency, provisionally when it says so', () => {
    expect(
      afterReply(
        { urgency: 'NORMAL' },
        {
          urgency: 'CRITICAL',
          provisional: true,
          question: { procedure: 'collapse', id: 'breathing' },
        },
        AT,
      ),
    ).toEqual({
      urgency: 'CRITICAL',
      urgency_provisional: true,
      question: { procedure: 'collapse', id: 'breathing', asked_at: AT },
    });
  });

  it('never lowers urgency', () => {
    expect(afterReply({ urgency: 'CRITICAL' }, { urgency: 'NORMAL' }, AT)).toEqual({});
  });
});

describe('silence, a dropped line and the escalation delay', () => {
  const asked = Date.parse(ASKED.asked_at);
  it('confirm a provisional urgency once the question has gone unanswered for the window', () => {
    expect(afterSilence(provisionalCall, asked + CONFIRM_WINDOW_MS - 1)).toEqual({});
    expect(afterSilence(provisionalCall, asked + CONFIRM_WINDOW_MS)).toEqual({
      urgency_provisional: null,
      question: null,
    });
    expect(afterSilence({ urgency: 'CRITICAL' }, asked + CONFIRM_WINDOW_MS)).toEqual({});
  });

  it('a dropped line confirms what stands', () => {
    expect(confirmed(provisionalCall)).toEqual({ urgency_provisional: null, question: null });
    expect(confirmed({ urgency: 'URGENT' })).toEqual({});
  });

  it('keeps the window within the issue’s 20 seconds', () => {
    expect(CONFIRM_WINDOW_MS).toBeLessThanOrEqual(20_000);
  });
});

describe('a supervisor’s decision', () => {
  it('sets any level, keeps a fall with the supervisor’s reason, and settles the question', () => {
    const fields = bySupervisor(provisionalCall, 'NORMAL', 'I phoned the site: a drill', 'ana', AT);
    expect(fields).toMatchObject({
      urgency: 'NORMAL',
      urgency_provisional: null,
      question: null,
      urgency_falls: {
        f000: {
          from: 'CRITICAL',
          to: 'NORMAL',
          by: 'supervisor',
          admin_id: 'ana',
          reason: 'I phoned the site: a drill',
        },
      },
    });
    expect(
      bySupervisor({ urgency: 'URGENT' }, 'CRITICAL', 'I can hear screaming', 'ana', AT),
    ).toEqual({
      urgency: 'CRITICAL',
      urgency_provisional: null,
      question: null,
    });
  });
});

describe('words that reach the transcript after their turn', () => {
  it('only raise, confirm the rise, and leave the question open', () => {
    expect(afterLateWords({ urgency: 'CRITICAL' }, 'URGENT')).toEqual({});
    expect(afterLateWords({ urgency: 'URGENT' }, 'URGENT')).toEqual({});
    expect(afterLateWords({ urgency: 'NORMAL' }, 'CRITICAL')).toEqual({ urgency: 'CRITICAL' });
    // An unsure URGENT with its question open: "he's not breathing" arriving late is not unsure.
    expect(
      afterLateWords({ urgency: 'URGENT', urgency_provisional: true, question: ASKED }, 'CRITICAL'),
    ).toEqual({ urgency: 'CRITICAL', urgency_provisional: null });
  });
});
