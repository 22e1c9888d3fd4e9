/** database.rules.json, evaluated offline by targaryen (the Realtime Database rules semantics). */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const targaryen = require('targaryen') as {
  database(rules: object, data?: object): TargaryenDb;
};
type Result = { allowed: boolean };
type TargaryenDb = {
  as(auth: object | null): TargaryenDb;
  read(path: string): Result;
  write(path: string, value: unknown): Result;
  update(path: string, value: object): Result;
};

const rules = JSON.parse(
  readFileSync(new URL('../../../database.rules.json', import.meta.url), 'utf8'),
);
const data = {
  active_calls: {
    call_1: { status: 'ACTIVE', urgency: 'CRITICAL', call_sid: 'CA1', conversation_id: 'conv_1' },
  },
  active_conversations: {
    conv_1: { call_id: 'call_1', messages: { m1: { role: 'user', content: 'fire' } } },
  },
  call_sids: { CA1: 'call_1' },
  call_ids: { call_1: { call_sid: 'CA1', at: 1 } },
  live_summary: {
    counts: { CRITICAL: 1, URGENT: 0, NORMAL: 0, total: 1 },
    calls: { call_1: { urgency: 'CRITICAL' } },
  },
  admin_alerts: {
    'admin-1': { 'call_1~critical': { kind: 'critical' } },
    'admin-2': { 'call_1~critical': { kind: 'critical' } },
  },
  admin_push_tokens: { 'admin-2': { k1: { token: 'fcm-token', at: 1 } } },
  admins: { 'admin-1': { email: 'admin@example.com' }, 'admin-2': { email: 'other@example.com' } },
};
const db = targaryen.database(rules, data);

const admin = {
  uid: 'admin-1',
  provider: 'password',
  token: { admin: true, email: 'admin@example.com' },
};
const worker = { uid: 'user-1', provider: 'password', token: { email: 'someone@example.com' } };
const forgedClaim = { uid: 'user-2', provider: 'password', token: { admin: 'true' } };
const otherAdmin = {
  uid: 'admin-2',
  provider: 'password',
  token: { admin: true, email: 'other@example.com' },
};
const token = (value: string, at = Date.now() - 1000) => ({ token: value, at });

describe('database.rules.json', () => {
  it('keeps out an admin whose directory entry is gone, claim or not (revoked before the token expired)', () => {
    const revoked = {
      uid: 'admin-3',
      provider: 'password',
      token: { admin: true, email: 'gone@example.com' },
    };
    for (const path of [
      'active_calls',
      'active_conversations/conv_1',
      'live_summary',
      'admin_alerts/admin-3',
    ])
      expect(db.as(revoked).read(path).allowed).toBe(false);
    expect(db.as(revoked).write('admin_push_tokens/admin-3/k1', token('t')).allowed).toBe(false);
    expect(db.as(revoked).read('admins/admin-3').allowed).toBe(true); // to learn that access is gone
    expect(db.as(admin).read('admins/admin-1').allowed).toBe(true);
    expect(db.as(admin).read('admins/admin-2').allowed).toBe(false);
    expect(db.as(admin).read('admins').allowed).toBe(false);
  });

  it('lets admins read live calls and transcripts', () => {
    expect(db.as(admin).read('active_calls').allowed).toBe(true);
    expect(db.as(admin).read('active_calls/call_1').allowed).toBe(true);
    expect(db.as(admin).read('active_conversations/conv_1/messages').allowed).toBe(true);
  });

  it.each([
    ['nobody signed in', null],
    ['a signed-in user without the claim', worker],
    ['a claim that is not the boolean true', forgedClaim],
  ])('keeps %s out of calls and transcripts', (_, auth) => {
    for (const path of [
      'active_calls',
      'active_calls/call_1',
      'active_conversations/conv_1',
      'call_sids',
      'call_ids',
      'live_summary',
      'admin_alerts/user-1',
      'admins',
      '/',
    ]) {
      expect(db.as(auth).read(path).allowed).toBe(false);
    }
  });

  it('keeps the CallSid index and the call id reservations from everyone, admins included', () => {
    expect(db.as(admin).read('call_sids/CA1').allowed).toBe(false);
    expect(db.as(admin).read('call_ids/call_1').allowed).toBe(false);
    expect(db.as(admin).write('call_ids/call_2', { call_sid: 'CA2', at: 1 }).allowed).toBe(false);
  });

  it('lets no client write: live data is written by Cloud Functions only', () => {
    for (const auth of [null, worker, admin]) {
      expect(db.as(auth).write('active_calls/call_1/status', 'ENDED').allowed).toBe(false);
      expect(
        db
          .as(auth)
          .write('active_conversations/conv_1/messages/m2', { role: 'admin', content: 'x' })
          .allowed,
      ).toBe(false);
      expect(db.as(auth).update('/', { 'call_sids/CA2': 'call_2' }).allowed).toBe(false);
      expect(db.as(auth).write('anything_else', true).allowed).toBe(false);
    }
  });

  it('lets admins read the live summary, and each admin their own alerts only', () => {
    expect(db.as(admin).read('live_summary').allowed).toBe(true);
    expect(db.as(admin).read('admin_alerts/admin-1').allowed).toBe(true);
    expect(db.as(admin).read('admin_alerts/admin-2').allowed).toBe(false);
    expect(db.as(admin).read('admin_alerts').allowed).toBe(false);
    expect(db.as({ ...worker, uid: 'admin-1' }).read('admin_alerts/admin-1').allowed).toBe(false); // the uid without the claim
  });

  it('keeps the admin directory and push tokens unreadable to clients', () => {
    for (const auth of [null, worker, admin, otherAdmin]) {
      expect(db.as(auth).read('admins').allowed).toBe(false);
      expect(db.as(auth).read('admin_push_tokens/admin-2').allowed).toBe(false);
    }
  });

  it('lets an admin register and remove their own browser for push, well formed', () => {
    expect(db.as(admin).write('admin_push_tokens/admin-1/k2', token('fcm-abc')).allowed).toBe(true);
    expect(db.as(otherAdmin).write('admin_push_tokens/admin-2/k1', null).allowed).toBe(true);
  });

  it('refuses push tokens for someone else, from non-admins, or malformed', () => {
    expect(db.as(admin).write('admin_push_tokens/admin-2/k2', token('fcm-abc')).allowed).toBe(
      false,
    );
    expect(db.as(worker).write('admin_push_tokens/user-1/k2', token('fcm-abc')).allowed).toBe(
      false,
    );
    expect(db.as(forgedClaim).write('admin_push_tokens/user-2/k2', token('fcm-abc')).allowed).toBe(
      false,
    );
    expect(db.as(admin).write('admin_push_tokens/admin-1/k2', { token: 'fcm-abc' }).allowed).toBe(
      false,
    );
    expect(db.as(admin).write('admin_push_tokens/admin-1/k2', token('')).allowed).toBe(false);
    expect(
      db.as(admin).write('admin_push_tokens/admin-1/k2', token('x'.repeat(4097))).allowed,
    ).toBe(false);
    expect(
      db.as(admin).write('admin_push_tokens/admin-1/k2', token('fcm-abc', Date.now() + 3_600_000))
        .allowed,
    ).toBe(false);
    expect(
      db.as(admin).write('admin_push_tokens/admin-1/k2', { ...token('fcm-abc'), extra: true })
        .allowed,
    ).toBe(false);
    expect(db.as(admin).write('admin_push_tokens/admin-1', { k2: token('fcm-abc') }).allowed).toBe(
      false,
    );
  });

  it('lets no client write alerts, the summary or the admin directory', () => {
    for (const auth of [null, worker, admin]) {
      expect(db.as(auth).write('admin_alerts/admin-1/x', { kind: 'critical' }).allowed).toBe(false);
      expect(db.as(auth).write('live_summary/counts/total', 0).allowed).toBe(false);
      expect(db.as(auth).write('admins/admin-1', null).allowed).toBe(false);
      expect(db.as(auth).write(`admins/${auth?.uid ?? 'x'}`, { email: 'me' }).allowed).toBe(false);
    }
  });

  it('shows a supervisor’s phone ("Call me") to that admin alone, and lets nobody set it but the admin script', () => {
    const withPhones = targaryen.database(rules, {
      ...data,
      admins: {
        'admin-1': { email: 'admin@example.com', phone: '+15551234567' },
        'admin-2': { email: 'other@example.com', phone: '+15557654321' },
      },
    });
    expect(withPhones.as(admin).read('admins/admin-1/phone').allowed).toBe(true);
    for (const auth of [null, worker, forgedClaim, admin])
      expect(withPhones.as(auth).read('admins/admin-2/phone').allowed).toBe(false);
    for (const auth of [null, worker, admin, otherAdmin])
      expect(withPhones.as(auth).write('admins/admin-1/phone', '+15550000000').allowed).toBe(false);
  });
});
