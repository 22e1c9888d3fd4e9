import { describe, expect, it } from 'vitest';
import type { Alert, AlertKind, SummaryRow } from '@aurora/model';
import {
  alarmEntries,
  alarmHeadline,
  alarmPrefix,
  alarmTitle,
} from '../../../hosting/src/core/alarms';

const row = (over: Partial<SummaryRow> = {}): SummaryRow =>
  ({
    worker_id: 'w',
    mobile_no: '+15550100001',
    conversation_id: 'c',
    urgency: 'CRITICAL',
    status: 'ACTIVE',
    mode: 'ai',
    timestamp: '2025-10-04T14:00:00+05:30',
    last_message_at: '2025-10-04T14:00:00+05:30',
    ...over,
  }) as SummaryRow;
const alert = (call_id: string, kind: AlertKind, at: string): Alert & { id: string } =>
  ({
    id: `${call_id}~${kind}`,
    call_id,
    kind,
    at: `2025-10-04T14:${at}+05:30`,
    urgency: 'CRITICAL',
    worker_id: 'w',
    mobile_no: '+15550100001',
  }) as Alert & { id: string };

describe('the alarm banner', () => {
  const rows: Record<string, SummaryRow> = {
    a: row(),
    b: row(),
    c: row(),
    d: row(),
    e: row({ acknowledged_by: 'ana@x', acknowledged_urgency: 'CRITICAL' }),
    f: row({ status: 'ENDED', acknowledged_by: 'ana@x', acknowledged_urgency: 'CRITICAL' }),
    g: row({ status: 'ENDED' }),
  };
  const rowOf = (id: string) => rows[id];

  it('lists each alarming call once, the worst first, then the one waiting longest', () => {
    const alerts = [
      alert('a', 'critical', '01:00'),
      alert('b', 'critical', '00:30'),
      alert('c', 'critical', '02:00'),
      alert('c', 'escalated', '03:00'),
      alert('d', 'escalation-failed', '04:00'),
      alert('d', 'critical', '03:30'),
      alert('a', 'new-call', '00:00'),
      alert('e', 'critical', '00:00'), // acknowledged at CRITICAL
      alert('f', 'critical', '00:00'), // ended, acknowledged
      alert('g', 'critical', '00:10'), // ended, nobody acknowledged: the caller may be the one in trouble
    ];
    expect(
      alarmEntries(alerts, rowOf, new Set()).map((e) => [e.callId, e.kind, e.since.slice(14, 19)]),
    ).toEqual([
      ['d', 'escalation-failed', '03:30'],
      ['c', 'escalated', '02:00'],
      ['g', 'critical', '00:10'],
      ['b', 'critical', '00:30'],
      ['a', 'critical', '01:00'],
    ]);
  });

  it('hides a dismissed call until a worse alert comes for it', () => {
    const critical = [alert('a', 'critical', '01:00'), alert('b', 'critical', '02:00')];
    expect(alarmEntries(critical, rowOf, new Set(['a~critical'])).map((e) => e.callId)).toEqual([
      'b',
    ]);
    const escalated = [...critical, alert('a', 'escalated', '03:00')];
    expect(
      alarmEntries(escalated, rowOf, new Set(['a~critical'])).map((e) => [e.callId, e.alertId]),
    ).toEqual([
      ['a', 'a~escalated'],
      ['b', 'b~critical'],
    ]);
  });

  it('puts a call whose escalation text did not arrive after one nobody could text, before one merely escalated', () => {
    const alerts = [
      alert('a', 'escalated', '01:00'),
      alert('b', 'escalation-undelivered', '02:00'),
      alert('c', 'escalation-failed', '03:00'),
      alert('a', 'escalation-undelivered', '04:00'),
    ];
    expect(alarmEntries(alerts, rowOf, new Set()).map((e) => [e.callId, e.kind])).toEqual([
      ['c', 'escalation-failed'],
      ['a', 'escalation-undelivered'], // waiting since 01:00
      ['b', 'escalation-undelivered'],
    ]);
  });

  it('counts the calls in its headline', () => {
    const one = alarmEntries([alert('a', 'critical', '01:00')], rowOf, new Set());
    expect(alarmHeadline(one)).toBe('1 CRITICAL call needs a supervisor');
    const three = alarmEntries(
      [
        alert('a', 'critical', '01:00'),
        alert('b', 'escalated', '01:00'),
        alert('c', 'critical', '01:00'),
      ],
      rowOf,
      new Set(),
    );
    expect(alarmHeadline(three)).toBe(
      '3 CRITICAL calls need a supervisor (1 escalated, nobody acknowledged)',
    );
  });

  it('alarms for an unconfirmed CRITICAL call like any other, and says it is unconfirmed', () => {
    const unsure: Record<string, SummaryRow> = { a: row({ urgency_provisional: true }), b: row() };
    const entries = alarmEntries(
      [alert('a', 'critical', '01:00'), alert('b', 'critical', '02:00')],
      (id) => unsure[id],
      new Set(),
    );
    expect(entries.map((e) => [e.callId, e.unconfirmed])).toEqual([
      ['a', true],
      ['b', false],
    ]);
    expect(alarmPrefix(entries[0])).toBe('CRITICAL call, unconfirmed: ');
    expect(alarmPrefix(entries[1])).toBe('CRITICAL call: ');
    expect(alarmTitle(entries[0])).toBe('CRITICAL call');
    expect(alarmHeadline(entries)).toBe('2 CRITICAL calls need a supervisor (1 unconfirmed)');
    expect(alarmPrefix({ kind: 'escalated', unconfirmed: false })).toBe(
      'ESCALATED, nobody acknowledged: ',
    );
  });

  it('stops alarming for a critical alert once its call has fallen below CRITICAL, but not for an escalation', () => {
    const fallen: Record<string, SummaryRow> = {
      drill: row({ urgency: 'NORMAL' }),
      lowered: row({ urgency: 'URGENT' }),
    };
    const entries = alarmEntries(
      [
        alert('drill', 'critical', '01:00'),
        alert('lowered', 'critical', '01:00'),
        alert('lowered', 'escalated', '02:00'),
      ],
      (id) => fallen[id],
      new Set(),
    );
    expect(entries.map((e) => [e.callId, e.kind])).toEqual([['lowered', 'escalated']]);
  });
});
