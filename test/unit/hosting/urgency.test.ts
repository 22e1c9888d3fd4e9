import { describe, expect, it } from 'vitest';
import type { LiveCall, UrgencyFall } from '@aurora/model';
import {
  decisionHint,
  fallLine,
  fallLines,
  lowerPrompt,
  lowers,
  questionWords,
  urgencyDecisionProblem,
  urgencyLabel,
  urgencyNotes,
} from '../../../hosting/src/core/urgency';

const stamp = (at: string) => at.slice(11, 19);
const fall = (over: Partial<UrgencyFall> = {}): UrgencyFall => ({
  from: 'CRITICAL',
  to: 'URGENT',
  reason: 'Asked "Is he breathing normally?", the caller said "yes he is talking to me"',
  by: 'caller',
  at: '2025-10-04T14:02:11+05:30',
  ...over,
});
type Shown = Pick<LiveCall, 'urgency' | 'urgency_provisional' | 'question'>;
const call = (over: Partial<Shown> = {}): Shown => ({ urgency: 'CRITICAL', ...over });

describe('urgency as the dashboard shows it', () => {
  it('reads "CRITICAL, unconfirmed" while the urgency rests on unsure words, and the bare level once settled', () => {
    expect(urgencyLabel(call({ urgency_provisional: true }))).toBe('CRITICAL, unconfirmed');
    expect(urgencyLabel(call())).toBe('CRITICAL');
    expect(urgencyLabel(call({ urgency: 'URGENT', urgency_provisional: undefined }))).toBe(
      'URGENT',
    );
  });

  it("puts Aurora's open question in English words, whatever the caller's language", () => {
    expect(questionWords('breathing')).toBe('is the person breathing normally?');
    for (const id of ['awake', 'breathing', 'trapped', 'hurt', 'real', 'ongoing'] as const)
      expect(questionWords(id)).toMatch(/^is .+\?$/);
    // A question a newer function asks that this page does not know still shows something.
    expect(questionWords('smell')).toBe('"smell"');
  });

  it('explains an unconfirmed urgency and the question that settles it, and says nothing once settled', () => {
    const asking = urgencyNotes(
      call({
        urgency_provisional: true,
        question: { procedure: 'collapse', id: 'breathing', asked_at: '2025-10-04T14:01:00+05:30' },
      }),
    );
    expect(asking).toHaveLength(2);
    expect(asking[0]).toMatch(/^Unconfirmed: .* alarms as CRITICAL until/);
    expect(asking[1]).toBe('Aurora is asking: is the person breathing normally?');
    expect(urgencyNotes(call({ urgency_provisional: true }))).toHaveLength(1);
    expect(urgencyNotes(call())).toEqual([]);
  });

  it("lists each fall with its time on the site's clock, who decided and why", () => {
    expect(fallLine(fall(), stamp)).toBe(
      'CRITICAL → URGENT at 14:02:11, by the caller: Asked "Is he breathing normally?", the caller said "yes he is talking to me"',
    );
    expect(
      fallLine(
        fall({
          to: 'NORMAL',
          by: 'supervisor',
          admin_id: 'ana@site.example',
          reason: 'Foreman confirms the drill',
        }),
        stamp,
      ),
    ).toBe('CRITICAL → NORMAL at 14:02:11, by ana@site.example: Foreman confirms the drill');
    expect(fallLine(fall({ by: 'supervisor', reason: 'Checked on camera' }), stamp)).toBe(
      'CRITICAL → URGENT at 14:02:11, by a supervisor: Checked on camera',
    );
  });

  it("orders a live call's falls by key (time order) and keeps an archived list as it is, oldest first", () => {
    const live = {
      '-Nb2': fall({ from: 'URGENT', to: 'NORMAL', at: '2025-10-04T14:03:00+05:30' }),
      '-Na1': fall({ at: '2025-10-04T14:02:11+05:30' }),
    };
    expect(fallLines(live, stamp).map((l) => l.slice(0, 30))).toEqual([
      'CRITICAL → URGENT at 14:02:11,',
      'URGENT → NORMAL at 14:03:00, b',
    ]);
    expect(fallLines([live['-Na1'], live['-Nb2']], stamp)).toEqual(fallLines(live, stamp));
    expect(fallLines(undefined, stamp)).toEqual([]);
    expect(fallLines(null, stamp)).toEqual([]);
  });
});

describe("a supervisor's decision on urgency", () => {
  it('asks to confirm only a fall', () => {
    expect(lowers('CRITICAL', 'URGENT')).toBe(true);
    expect(lowers('URGENT', 'NORMAL')).toBe(true);
    expect(lowers('URGENT', 'CRITICAL')).toBe(false);
    expect(lowers('CRITICAL', 'CRITICAL')).toBe(false);
    expect(lowerPrompt('CRITICAL', 'NORMAL')).toMatch(/^Lower this call from CRITICAL to NORMAL\?/);
  });

  it('needs a reason of 3 to 300 characters, as the callable does', () => {
    expect(urgencyDecisionProblem(call(), 'URGENT', '')).toBe('Say why (at least 3 characters).');
    expect(urgencyDecisionProblem(call(), 'URGENT', '  ok  ')).toBe(
      'Say why (at least 3 characters).',
    );
    expect(urgencyDecisionProblem(call(), 'URGENT', 'x'.repeat(301))).toBe(
      'Keep the reason under 300 characters.',
    );
    expect(urgencyDecisionProblem(call(), 'URGENT', 'Drill, confirmed by the foreman')).toBeNull();
  });

  it('refuses the urgency the call already has, unless it is unconfirmed (choosing it confirms it)', () => {
    expect(urgencyDecisionProblem(call(), 'CRITICAL', 'He is blue')).toBe(
      'The call is already CRITICAL.',
    );
    expect(
      urgencyDecisionProblem(call({ urgency_provisional: true }), 'CRITICAL', 'He is blue'),
    ).toBeNull();
    expect(decisionHint(call({ urgency_provisional: true }))).toMatch(
      /^Now CRITICAL, unconfirmed\. Choosing CRITICAL confirms it;/,
    );
    expect(decisionHint(call({ urgency: 'URGENT' }))).toMatch(/^Now URGENT\. A lower urgency/);
  });
});
