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

const rules = JSON.parse(readFileSync(new URL('../../../database.rules.json', import.meta.url), 'utf8'));
const data = {
  active_calls: { call_1: { status: 'ACTIVE', urgency: 'CRITICAL', call_sid: 'CA1', conversation_id: 'conv_1' } },
  active_conversations: { conv_1: { call_id: 'call_1', messages: { m1: { role: 'user', content: 'fire' } } } },
  call_sids: { CA1: 'call_1' },
};
const db = targaryen.database(rules, data);

const admin = { uid: 'admin-1', provider: 'password', token: { admin: true, email: 'admin@example.com' } };
const worker = { uid: 'user-1', provider: 'password', token: { email: 'someone@example.com' } };
const forgedClaim = { uid: 'user-2', provider: 'password', token: { admin: 'true' } };

describe('database.rules.json', () => {
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
    for (const path of ['active_calls', 'active_calls/call_1', 'active_conversations/conv_1', 'call_sids', '/']) {
      expect(db.as(auth).read(path).allowed).toBe(false);
    }
  });

  it('keeps the CallSid index from everyone, admins included', () => {
    expect(db.as(admin).read('call_sids/CA1').allowed).toBe(false);
  });

  it('lets no client write: live data is written by Cloud Functions only', () => {
    for (const auth of [null, worker, admin]) {
      expect(db.as(auth).write('active_calls/call_1/status', 'ENDED').allowed).toBe(false);
      expect(db.as(auth).write('active_conversations/conv_1/messages/m2', { role: 'admin', content: 'x' }).allowed).toBe(false);
      expect(db.as(auth).update('/', { 'call_sids/CA2': 'call_2' }).allowed).toBe(false);
      expect(db.as(auth).write('anything_else', true).allowed).toBe(false);
    }
  });
});
