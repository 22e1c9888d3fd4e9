import { describe, expect, it } from 'vitest';
import type { Alert, SummaryRow, Urgency } from '@aurora/model';
import {
  acknowledgedBy,
  alertsNewestFirst,
  callRows,
  escalationLines,
  fallbackText,
  holderOf,
  isAlarming,
  shortDuration,
} from '../../../hosting/src/core/calls';
import { callsPerDay, chartRange } from '../../../hosting/src/core/chart';
import { siteClock } from '../../../hosting/src/core/clock';

const call = (
  urgency: Urgency,
  timestamp: string,
  extra: Partial<SummaryRow> = {},
): SummaryRow => ({
  worker_id: 'worker_001',
  mobile_no: '+15550100001',
  conversation_id: 'conv_x',
  urgency,
  status: 'ACTIVE',
  timestamp,
  last_message_at: timestamp,
  mode: 'ai',
  ...extra,
});

describe('callRows', () => {
  it('puts the most urgent first, newest first within an urgency, and skips malformed nodes', () => {
    const rows = callRows({
      a: call('NORMAL', '2025-10-04T14:00:00+05:30'),
      b: call('CRITICAL', '2025-10-04T13:00:00+05:30'),
      c: call('URGENT', '2025-10-04T14:30:00+05:30'),
      d: call('CRITICAL', '2025-10-04T13:30:00+05:30'),
      junk: { urgency: 'CRITICAL' },
      tombstone: { gone_at: 1 },
      nothing: null,
    });
    expect(rows.map((r) => r.id)).toEqual(['d', 'b', 'c', 'a']);
    expect(callRows(null)).toEqual([]);
  });
});

describe('alerts', () => {
  const alert = (kind: Alert['kind'], at: string): Alert => ({
    call_id: 'a',
    kind,
    urgency: 'CRITICAL',
    worker_id: 'w',
    mobile_no: '+1',
    at,
  });

  it('lists the newest first, the most severe first among those raised together', () => {
    const list = alertsNewestFirst({
      x: alert('new-call', '2025-10-04T14:00:00+05:30'),
      y: alert('critical', '2025-10-04T14:00:05+05:30'),
      z: alert('new-call', '2025-10-04T14:00:05+05:30'),
    });
    expect(list.map((a) => a.id)).toEqual(['y', 'z', 'x']);
    expect(alertsNewestFirst(null)).toEqual([]);
  });

  it('alarms again for a call acknowledged while it was NORMAL that turned CRITICAL', () => {
    const acked = call('CRITICAL', '2025-10-04T14:00:00+05:30', {
      acknowledged_by: 'ana@site',
      acknowledged_urgency: 'NORMAL',
    });
    expect(isAlarming(alert('critical', 'x'), acked)).toBe(true);
    expect(acknowledgedBy(acked)).toBeNull();
    expect(acknowledgedBy({ ...acked, acknowledged_urgency: 'CRITICAL' })).toBe('ana@site');
  });

  it('says per recipient what Twilio accepted, never "texted" without a message SID', () => {
    expect(
      escalationLines({
        recipients: {
          a: { to: '+15550190001', state: 'sent', sid: 'SM1', attempts: 1 },
          b: { to: '+15550190002', state: 'failed', error: 'Twilio error 21211', attempts: 2 },
        },
        failed: 'out of retries',
      }),
    ).toEqual([
      { text: '+15550190001: texted (Twilio SM1)', ok: true },
      { text: '+15550190002: not texted: Twilio error 21211 (attempt 2, retrying)', ok: false },
      { text: 'out of retries', ok: false },
    ]);
  });

  it('alarms for critical and escalated alerts of calls nobody has acknowledged, live or ended', () => {
    const live = call('CRITICAL', '2025-10-04T14:00:00+05:30');
    expect(isAlarming(alert('critical', 'x'), live)).toBe(true);
    expect(isAlarming(alert('escalated', 'x'), live)).toBe(true);
    expect(isAlarming(alert('new-call', 'x'), live)).toBe(false);
    expect(
      isAlarming(alert('critical', 'x'), {
        ...live,
        acknowledged_by: 'ana@site',
        acknowledged_urgency: 'CRITICAL',
      }),
    ).toBe(false);
    expect(isAlarming(alert('escalation-failed', 'x'), live)).toBe(true);
    expect(isAlarming(alert('critical', 'x'), { ...live, status: 'ENDED' })).toBe(true);
    expect(
      isAlarming(alert('critical', 'x'), {
        ...live,
        status: 'ENDED',
        acknowledged_by: 'ana@site',
        acknowledged_urgency: 'CRITICAL',
      }),
    ).toBe(false);
    expect(isAlarming(alert('critical', 'x'), undefined)).toBe(false);
  });
});

describe('escalationLines, once the carrier reports', () => {
  const r = { to: '+15550190001', state: 'sent' as const, sid: 'SM1', attempts: 1 };
  it('says in plain words what reached each on-call number: on its way, delivered, or not delivered and phoned instead', () => {
    expect(
      escalationLines({
        recipients: {
          a: { ...r, delivery: 'sent' },
          b: { ...r, to: '+15550190002', delivery: 'delivered' },
          c: {
            ...r,
            to: '+15550190003',
            delivery: 'undelivered',
            delivery_error:
              'Twilio error 30034: the sender number is not registered for US texting (A2P 10DLC)',
            voice_call: { state: 'placed', at: 'x', sid: 'CA1' },
          },
          d: {
            ...r,
            to: '+15550190004',
            delivery: 'failed',
            delivery_error: 'Twilio error 30005',
            voice_call: { state: 'failed', at: 'x', error: 'Twilio error 21215' },
          },
          e: {
            ...r,
            to: '+15550190005',
            delivery: 'failed',
            voice_call: { state: 'calling', at: 'x' },
          },
        },
      }),
    ).toEqual([
      { text: '+15550190001: texted, on its way (not yet confirmed delivered)', ok: true },
      { text: '+15550190002: text delivered', ok: true },
      {
        text: '+15550190003: text NOT delivered: Twilio error 30034: the sender number is not registered for US texting (A2P 10DLC)',
        ok: false,
      },
      { text: '+15550190003: phoned instead (voice call placed)', ok: true },
      { text: '+15550190004: text NOT delivered: Twilio error 30005', ok: false },
      { text: '+15550190004: could not be phoned either: Twilio error 21215', ok: false },
      { text: '+15550190005: text NOT delivered: no reason given', ok: false },
      { text: '+15550190005: phoning…', ok: false },
    ]);
  });

  it('alarms for an undelivered escalation text of a call nobody has acknowledged', () => {
    const row = call('CRITICAL', '2025-10-04T14:00:00+05:30');
    const undelivered: Alert = {
      call_id: 'a',
      kind: 'escalation-undelivered',
      urgency: 'CRITICAL',
      worker_id: 'w',
      mobile_no: '+1',
      at: 'x',
    };
    expect(isAlarming(undelivered, row)).toBe(true);
    expect(
      isAlarming(undelivered, {
        ...row,
        acknowledged_by: 'ana@site',
        acknowledged_urgency: 'CRITICAL',
      }),
    ).toBe(false);
  });
});

describe('holderOf', () => {
  it('names the admin only while they hold the call', () => {
    expect(holderOf(call('NORMAL', 'x', { mode: 'human', admin_id: 'ana@site' }))).toBe('ana@site');
    expect(holderOf(call('NORMAL', 'x', { mode: 'ai', admin_id: 'ana@site' }))).toBeNull();
  });
});

describe('shortDuration', () => {
  it.each([
    [0, '0 s'],
    [42_000, '42 s'],
    [185_000, '3 min 05 s'],
    [3_720_000, '1 h 02 min'],
    [-5, '0 s'],
  ])('%d ms is %s', (ms, text) => {
    expect(shortDuration(ms)).toBe(text);
  });
});

describe('callsPerDay', () => {
  it('counts calls per site day and urgency, with empty days as zero', () => {
    const site = siteClock('Asia/Kolkata');
    const days = callsPerDay(
      [
        { at: new Date('2025-10-04T23:59:00+05:30'), urgency: 'CRITICAL' },
        { at: new Date('2025-10-04T09:00:00+05:30'), urgency: 'NORMAL' },
        // 00:01 on the 6th at the site is still the 5th in UTC and in the Americas: it counts on the 6th.
        { at: new Date('2025-10-06T00:01:00+05:30'), urgency: 'CRITICAL' },
        { at: new Date('2025-10-09T00:01:00+05:30'), urgency: 'CRITICAL' },
      ],
      '2025-10-04',
      '2025-10-06',
      site.day,
    );
    expect(days).toEqual([
      { day: '2025-10-04', CRITICAL: 1, URGENT: 0, NORMAL: 1 },
      { day: '2025-10-05', CRITICAL: 0, URGENT: 0, NORMAL: 0 },
      { day: '2025-10-06', CRITICAL: 1, URGENT: 0, NORMAL: 0 },
    ]);
  });

  it('shows the last 14 days when the range is open, and at most 92 days', () => {
    expect(chartRange(undefined, undefined, '2025-10-14')).toEqual({
      from: '2025-10-01',
      to: '2025-10-14',
    });
    expect(callsPerDay([], '2024-01-01', '2025-01-01', siteClock('UTC').day)).toHaveLength(92);
  });
});

describe('fallbackText', () => {
  it('says in plain words who answered instead of the model', () => {
    expect(fallbackText('offline')).toBe(
      "Answered by Aurora's built-in guidance: the model was unavailable.",
    );
    expect(fallbackText('fallback-model')).toBe('Answered by the backup model.');
    expect(fallbackText('something-new')).toBe('Answered by: something-new');
  });
});
