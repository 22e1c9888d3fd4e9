import { describe, expect, it } from 'vitest';
import { TERMINAL_STATUSES, decideStatus, isTerminal } from '../../../functions/src/core/callState';
import { aLiveCall } from '../../helpers/fixtures';

const now = '2025-10-04T14:32:15+05:30';

describe('decideStatus', () => {
  it('ends an ACTIVE call on each terminal status, keeping the reason', () => {
    for (const status of TERMINAL_STATUSES) {
      expect(decideStatus(aLiveCall(), status, now)).toEqual({
        kind: 'end',
        fields: { status: 'ENDED', ended_at: now, duration_seconds: 135, end_reason: status },
      });
    }
  });

  it("prefers Twilio's CallDuration", () => {
    const decision = decideStatus(aLiveCall(), 'completed', now, 120);
    expect(decision.kind === 'end' && decision.fields.duration_seconds).toBe(120);
  });

  it('changes nothing for non-terminal statuses, whatever order they come in', () => {
    for (const status of ['queued', 'initiated', 'ringing', 'in-progress']) {
      expect(decideStatus(aLiveCall(), status, now).kind).toBe('not-terminal');
      expect(decideStatus(aLiveCall({ status: 'ENDED' }), status, now).kind).toBe('not-terminal');
    }
  });

  it('ends a call once: a repeated terminal status finds it already ended', () => {
    expect(
      decideStatus(aLiveCall({ status: 'ENDED', end_reason: 'completed' }), 'busy', now).kind,
    ).toBe('already-ended');
  });

  it('reports an unknown call', () => {
    expect(decideStatus(null, 'completed', now).kind).toBe('unknown-call');
  });

  it('knows the terminal statuses', () => {
    expect(isTerminal('completed')).toBe(true);
    expect(isTerminal('in-progress')).toBe(false);
  });
});
