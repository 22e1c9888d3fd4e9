import { describe, expect, it } from 'vitest';
import { BRIDGE_NOTES, dialOutcome } from '../../../functions/src/core/bridge';
import { bridgeRefusal, matchesEveryNumber } from '../../../functions/src/core/callControl';

const LEG = `CA${'b'.repeat(32)}`;

describe('dialOutcome', () => {
  it('reads busy, no-answer, failed and canceled as not answered, with the status as the reason', () => {
    for (const dialStatus of ['busy', 'no-answer', 'failed', 'canceled'] as const) {
      expect(dialOutcome({ dialStatus, callStatus: 'in-progress', dialCallSid: LEG })).toEqual({
        kind: 'not-answered',
        reason: dialStatus,
      });
      // Even a leg the screening recorded: Twilio says it did not connect.
      expect(dialOutcome({ dialStatus, dialCallSid: LEG, acceptedLeg: LEG })).toEqual({
        kind: 'not-answered',
        reason: dialStatus,
      });
    }
  });

  it('reads completed (or answered) as a conversation only when this leg accepted at the screening', () => {
    for (const dialStatus of ['completed', 'answered'] as const) {
      expect(dialOutcome({ dialStatus, dialCallSid: LEG, acceptedLeg: LEG })).toEqual({
        kind: 'ended',
      });
      expect(dialOutcome({ dialStatus, acceptedLeg: LEG })).toEqual({ kind: 'ended' });
      // Refused or ignored at the prompt (a voicemail box): Twilio may still say completed.
      expect(dialOutcome({ dialStatus, dialCallSid: LEG })).toEqual({
        kind: 'not-answered',
        reason: 'not accepted at the prompt',
      });
      // An acceptance left from an earlier bridge is not this leg's.
      expect(
        dialOutcome({ dialStatus, dialCallSid: LEG, acceptedLeg: `CA${'c'.repeat(32)}` }),
      ).toEqual({ kind: 'not-answered', reason: 'not accepted at the prompt' });
    }
  });

  it('sees a caller who hung up during the bridge', () => {
    expect(dialOutcome({ dialStatus: 'no-answer', callStatus: 'completed' })).toEqual({
      kind: 'caller-gone',
    });
    expect(
      dialOutcome({
        dialStatus: 'completed',
        callStatus: 'completed',
        dialCallSid: LEG,
        acceptedLeg: LEG,
      }),
    ).toEqual({ kind: 'caller-gone' });
  });

  it('words the holder’s notes', () => {
    expect(BRIDGE_NOTES.notAnswered('+15557654321', 'no-answer')).toBe(
      'The bridge to +15557654321 was not answered (no-answer). The caller is back on the line.',
    );
    expect(BRIDGE_NOTES.ended('+15557654321', 95)).toBe(
      'The bridged call to +15557654321 ended after 95 s. The caller is back on the line.',
    );
  });
});

describe('bridgeRefusal', () => {
  const onCall = ['+15550190001'];

  it('ignores an entry that matches every number, whatever else is configured', () => {
    for (const entry of ['*', '+*']) {
      expect(matchesEveryNumber(entry)).toBe(true);
      expect(bridgeRefusal('+882345678901', [entry], onCall)).toEqual({
        code: 'permission-denied',
        message: `+882345678901 is not a number supervisors may bridge to. Allowed: the on-call numbers and BRIDGE_NUMBERS. BRIDGE_NUMBERS entries that match every number (${entry}) are ignored.`,
      });
      expect(bridgeRefusal('+15557654321', [entry, '+1555765*'], onCall)).toBeNull();
    }
  });

  it('keeps real prefixes and numbers', () => {
    for (const entry of ['+1*', '+1555018*', '+15557654321'])
      expect(matchesEveryNumber(entry)).toBe(false);
    expect(bridgeRefusal('+15550180042', ['+1555018*'], onCall)).toBeNull();
    expect(bridgeRefusal('+15550190001', [], onCall)).toBeNull();
    expect(bridgeRefusal('+15550190009', ['+1555018*'], onCall)?.message).toBe(
      '+15550190009 is not a number supervisors may bridge to. Allowed: the on-call numbers and BRIDGE_NUMBERS.',
    );
  });
});
