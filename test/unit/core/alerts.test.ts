import { describe, expect, it } from 'vitest';
import {
  alertId,
  alertsFor,
  keySafe,
  nextSummary,
  startsEscalation,
  summaryRow,
} from '../../../functions/src/core/alerts';
import { ackFields } from '../../../functions/src/core/callControl';
import { isAcknowledged } from '@aurora/model';
import { aLiveCall } from '../../helpers/fixtures';

const CALL = 'call_15550100001_20251004_143000';

describe('alertsFor', () => {
  it('alerts on a new call, urgency going up, a takeover, the end and an escalation', () => {
    const normal = aLiveCall();
    expect(alertsFor(null, normal)).toEqual(['new-call']);
    expect(alertsFor(null, aLiveCall({ urgency: 'CRITICAL' }))).toEqual(['new-call', 'critical']);
    expect(alertsFor(normal, aLiveCall({ urgency: 'URGENT' }))).toEqual(['urgent']);
    expect(alertsFor(aLiveCall({ urgency: 'URGENT' }), aLiveCall({ urgency: 'CRITICAL' }))).toEqual(
      ['critical'],
    );
    expect(alertsFor(normal, aLiveCall({ mode: 'human', admin_id: 'ana@site' }))).toEqual([
      'taken',
    ]);
    expect(alertsFor(normal, aLiveCall({ status: 'ENDED' }))).toEqual(['ended']);
    expect(alertsFor(normal, aLiveCall({ escalated_at: '2025-10-04T14:31:00+05:30' }))).toEqual([
      'escalated',
    ]);
  });

  it('is quiet about everything else', () => {
    const critical = aLiveCall({ urgency: 'CRITICAL' });
    expect(
      alertsFor(
        critical,
        aLiveCall({ urgency: 'CRITICAL', last_message_at: '2025-10-04T14:35:00+05:30' }),
      ),
    ).toEqual([]);
    expect(
      alertsFor(
        aLiveCall({ mode: 'human', admin_id: 'a' }),
        aLiveCall({ mode: 'ai', admin_id: 'a' }),
      ),
    ).toEqual([]);
    expect(alertsFor(aLiveCall(), null)).toEqual([]);
    expect(
      alertsFor(aLiveCall({ status: 'ENDED' }), aLiveCall({ status: 'ENDED', purging: true })),
    ).toEqual([]);
  });
});

describe('alertsFor an escalation text that did not arrive', () => {
  const escalated = (
    delivery?: 'sent' | 'delivered' | 'undelivered' | 'failed',
    other?: 'undelivered',
  ) =>
    aLiveCall({
      urgency: 'CRITICAL',
      escalated_at: '2025-10-04T14:31:00+05:30',
      escalation: {
        recipients: {
          '+15550190001': {
            to: '+15550190001',
            state: 'sent',
            sid: 'SM1',
            attempts: 1,
            ...(delivery ? { delivery } : {}),
          },
          '+15550190002': {
            to: '+15550190002',
            state: 'sent',
            sid: 'SM2',
            attempts: 1,
            ...(other ? { delivery: other } : {}),
          },
        },
      },
    });

  it('alerts when the carrier reports a text undelivered or failed, and not for delivered or on its way', () => {
    expect(alertsFor(escalated(), escalated('undelivered'))).toEqual(['escalation-undelivered']);
    expect(alertsFor(escalated('sent'), escalated('failed'))).toEqual(['escalation-undelivered']);
    expect(alertsFor(escalated('undelivered'), escalated('undelivered', 'undelivered'))).toEqual([
      'escalation-undelivered',
    ]); // the second number's too
    expect(alertsFor(escalated(), escalated('sent'))).toEqual([]);
    expect(alertsFor(escalated('sent'), escalated('delivered'))).toEqual([]);
    expect(alertsFor(escalated('undelivered'), escalated('undelivered'))).toEqual([]); // a repeated write
  });
});

describe('alertId', () => {
  it('names the call and the change, so a repeated delivery writes the same alert', () => {
    expect(alertId(CALL, 'critical', aLiveCall())).toBe(`${CALL}~critical`);
    expect(alertId(CALL, 'taken', aLiveCall({ admin_id: 'ana.b@site.example' }))).toBe(
      `${CALL}~taken~ana%2Eb@site%2Eexample`,
    );
    expect(keySafe('a.b#c$d[e]f/g')).not.toMatch(/[.#$[\]/]/);
  });
});

describe('startsEscalation', () => {
  it('starts the timer once, when an unacknowledged call becomes critical, live or ended', () => {
    expect(startsEscalation(aLiveCall(), aLiveCall({ urgency: 'CRITICAL' }))).toBe(true);
    expect(startsEscalation(null, aLiveCall({ urgency: 'CRITICAL' }))).toBe(true);
    expect(
      startsEscalation(aLiveCall({ urgency: 'CRITICAL' }), aLiveCall({ urgency: 'CRITICAL' })),
    ).toBe(false);
    expect(
      startsEscalation(
        aLiveCall(),
        aLiveCall({
          urgency: 'CRITICAL',
          acknowledged_by: 'ana@site',
          acknowledged_urgency: 'CRITICAL',
        }),
      ),
    ).toBe(false);
    expect(
      startsEscalation(
        aLiveCall({
          mode: 'human',
          admin_id: 'ana@site',
          acknowledged_by: 'ana@site',
          acknowledged_urgency: 'NORMAL',
        }),
        aLiveCall({
          urgency: 'CRITICAL',
          mode: 'human',
          admin_id: 'ana@site',
          acknowledged_by: 'ana@site',
          acknowledged_urgency: 'NORMAL',
        }),
      ),
    ).toBe(true); // held, taken at NORMAL: escalates (DESIGN's safety rules)
    expect(startsEscalation(aLiveCall(), aLiveCall({ urgency: 'CRITICAL', status: 'ENDED' }))).toBe(
      true,
    );
  });
});

describe('an acknowledgement', () => {
  it('covers the urgency it was given at, not a later, higher one', () => {
    const ackedNormal = { acknowledged_by: 'ana@site', acknowledged_urgency: 'NORMAL' } as const;
    expect(isAcknowledged(aLiveCall(ackedNormal))).toBe(true);
    expect(isAcknowledged(aLiveCall({ ...ackedNormal, urgency: 'CRITICAL' }))).toBe(false);
    expect(isAcknowledged(aLiveCall({ acknowledged_by: 'ana@site', urgency: 'URGENT' }))).toBe(
      false,
    ); // recorded before the urgency was
    expect(
      isAcknowledged(
        aLiveCall({
          acknowledged_by: 'ana@site',
          acknowledged_urgency: 'CRITICAL',
          urgency: 'CRITICAL',
        }),
      ),
    ).toBe(true);
    // Held is not acknowledged: a supervisor on the line may have stepped away (DESIGN's safety rules: a held,
    // unacknowledged CRITICAL call escalates). Taking a call acknowledges it at its urgency then.
    expect(
      isAcknowledged(aLiveCall({ urgency: 'CRITICAL', mode: 'human', admin_id: 'ben@site' })),
    ).toBe(false);
    expect(
      isAcknowledged(
        aLiveCall({
          urgency: 'CRITICAL',
          mode: 'human',
          admin_id: 'ben@site',
          acknowledged_by: 'ben@site',
          acknowledged_urgency: 'URGENT',
        }),
      ),
    ).toBe(false);
  });

  it('does not stop a later rise to CRITICAL from starting the escalation', () => {
    const acked = aLiveCall({ acknowledged_by: 'ana@site', acknowledged_urgency: 'NORMAL' });
    expect(startsEscalation(acked, { ...acked, urgency: 'CRITICAL' })).toBe(true);
    expect(
      startsEscalation(aLiveCall({ ...acked, urgency: 'URGENT', acknowledged_urgency: 'URGENT' }), {
        ...acked,
        urgency: 'CRITICAL',
        acknowledged_urgency: 'URGENT',
      }),
    ).toBe(true);
  });

  it('is replaced when given again at a higher urgency, and kept when it already covers it', () => {
    const now = '2025-10-04T14:31:00+05:30';
    const acked = aLiveCall({
      acknowledged_by: 'ana@site',
      acknowledged_at: '2025-10-04T14:30:10+05:30',
      acknowledged_urgency: 'NORMAL',
    });
    expect(ackFields(acked, { id: 'ben@site' }, now)).toEqual({});
    expect(ackFields({ ...acked, urgency: 'CRITICAL' }, { id: 'ben@site' }, now)).toEqual({
      acknowledged_by: 'ben@site',
      acknowledged_at: now,
      acknowledged_urgency: 'CRITICAL',
    });
  });
});

describe('nextSummary', () => {
  const now = Date.parse('2025-10-04T09:00:00Z');

  it('keeps one compact row per call and counts the active ones by urgency', () => {
    let summary = nextSummary(
      null,
      'a',
      aLiveCall({ urgency: 'CRITICAL', turn_started_at: 'x', call_sid: 'CA1' }),
      now,
    )!;
    summary = nextSummary(summary, 'b', aLiveCall(), now)!;
    summary = nextSummary(summary, 'c', aLiveCall({ status: 'ENDED' }), now)!;
    expect(summary.counts).toEqual({ CRITICAL: 1, URGENT: 0, NORMAL: 1, total: 2 });
    expect(summary.calls.a).toEqual(summaryRow(aLiveCall({ urgency: 'CRITICAL' })));
    expect(summary.calls.a).not.toHaveProperty('call_sid');
    expect(summary.calls.a).not.toHaveProperty('turn_started_at');
  });

  it('turns a removed call into a tombstone that a stale delivery cannot bring back, then forgets it', () => {
    let summary = nextSummary(null, 'a', aLiveCall(), now)!;
    summary = nextSummary(summary, 'a', null, now)!;
    expect(summary.calls.a).toEqual({ gone_at: now });
    expect(summary.counts.total).toBe(0);
    expect(nextSummary(summary, 'a', aLiveCall(), now + 1000)).toBeNull();
    summary = nextSummary(summary, 'b', aLiveCall(), now + 11 * 60_000)!;
    expect(Object.keys(summary.calls)).toEqual(['b']);
  });
});
