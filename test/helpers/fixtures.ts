/** Test data built by small default-filling functions: settings, a clock, calls, messages, CallSids. */
import type { Settings } from '../../functions/src/config';
import type { LiveCall, LiveMessage } from '@aurora/model';

export const SETTINGS: Settings = {
  publicBaseUrl: 'https://aurora.example.com',
  timeZone: 'Asia/Kolkata',
  staleCallMinutes: 30,
  archiveStallMinutes: 5,
  archiveDeadlineMs: 3000,
  speech: { language: 'en-US', model: '', timeout: 'auto' },
  speculate: true,
  escalation: {
    afterSeconds: 60,
    onCallNumbers: ['+15550190001', '+15550190002'],
    dashboardUrl: 'https://aurora.example.com',
  },
  bridge: { allowed: ['+15557654321', '+1555018*'], timeLimitSeconds: 3600 },
  limits: { modelTurnsPerCall: 40, modelCallsPerNumberPerHour: 20, escalationTextsPerHour: 30 },
};

export type TestClock = { (): Date; advance(ms: number): void; set(iso: string): void };

export function testClock(startIso = '2025-10-04T09:00:00Z'): TestClock {
  let now = Date.parse(startIso);
  const clock = (() => new Date(now)) as TestClock;
  clock.advance = (ms) => (now += ms);
  clock.set = (iso) => (now = Date.parse(iso));
  return clock;
}

export const silentLog = { info() {}, warn() {}, error() {} };

/** A live call with every required field; override what the test is about. */
export function aLiveCall(overrides: Partial<LiveCall> = {}): LiveCall {
  return {
    worker_id: 'worker_001',
    mobile_no: '+15550100001',
    conversation_id: 'conv_15550100001_20251004_143000',
    urgency: 'NORMAL',
    status: 'ACTIVE',
    timestamp: '2025-10-04T14:30:00+05:30',
    last_message_at: '2025-10-04T14:30:00+05:30',
    medium: 'Voice',
    call_sid: `CA${'0'.repeat(32)}`,
    mode: 'ai',
    ...overrides,
  };
}

export function aMessage(overrides: Partial<LiveMessage> = {}): LiveMessage {
  return {
    role: 'user',
    content: 'There is a fire',
    timestamp: '2025-10-04T14:30:05+05:30',
    sources: '',
    ...overrides,
  };
}

export const callSid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;
