/** In-memory stand-ins for the use cases' dependencies, for fast tests of pure flow logic. */
import { archiveCall, purgeCall } from '../../functions/src/calls/archival';
import type { Settings } from '../../functions/src/config';
import { QUEUES, type ArchiveStore, type Deps, type EscalationTask, type LiveDb, type LiveVoice, type QueueName, type Sms, type TaskQueue, type WebPush } from '../../functions/src/ports';
import type { ArchivePlan } from '../../functions/src/core/archiveDocs';
import { messageKeyFactory } from '../../functions/src/core/ids';
import { offlineResponder } from '../../functions/src/assistant/offlineResponder';
import { DEMO_PROCEDURES } from '../../functions/src/adapters/procedures';
import type { LiveCall, LiveMessage } from '../../functions/src/model/schema';

type Tree = Record<string, unknown>;

const segments = (path: string) => path.split('/').filter(Boolean);

function getAt(root: Tree, path: string): unknown {
  let node: unknown = root;
  for (const key of segments(path)) {
    if (node === null || typeof node !== 'object') return null;
    node = (node as Tree)[key];
  }
  return node ?? null;
}

/** Sets a value, pruning emptied parents as the Realtime Database does. */
function setAt(root: Tree, path: string, value: unknown) {
  const keys = segments(path);
  const trail: Tree[] = [root];
  let node = root;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Tree;
    trail.push(node);
  }
  const last = keys.at(-1)!;
  if (value === null || value === undefined) delete node[last];
  else node[last] = structuredClone(value);
  for (let i = keys.length - 1; i > 0; i--) {
    if (Object.keys(trail[i]).length === 0) delete trail[i - 1][keys[i - 1]];
  }
}

export class MemoryLiveDb implements LiveDb {
  tree: Tree = {};
  failNextUpdates = 0;
  async get(path: string) {
    return structuredClone(getAt(this.tree, path));
  }
  async update(changes: Record<string, unknown>) {
    if (this.failNextUpdates > 0) {
      this.failNextUpdates--;
      throw new Error('database unavailable');
    }
    for (const [path, value] of Object.entries(changes)) setAt(this.tree, path, value);
  }
  /** Like the Realtime Database: a first guess of null, then the stored value if that guess was wrong. */
  async transact(path: string, next: (current: unknown) => unknown) {
    const stored = getAt(this.tree, path);
    let value = next(null);
    if (value !== undefined && stored !== null) value = next(structuredClone(stored));
    if (value === undefined) return { committed: false, value: structuredClone(stored) };
    setAt(this.tree, path, value);
    return { committed: true, value: structuredClone(value) };
  }
}

/** The live records left in the tree: everything but the call id reservations, which outlive a call by design. */
export function liveRecords(tree: Tree): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([key]) => key !== 'call_ids'));
}

export class MemoryArchive implements ArchiveStore {
  plans = new Map<string, ArchivePlan>();
  writes = 0;
  failNextWrites = 0;
  async write(plan: ArchivePlan) {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new Error('firestore unavailable');
    }
    const held = this.plans.get(plan.conversationId);
    if (held && held.conversation.total_messages === plan.conversation.total_messages) return 'unchanged' as const;
    this.plans.set(plan.conversationId, plan);
    this.writes++;
    return 'written' as const;
  }
  async readMessages(conversationId: string): Promise<LiveMessage[] | null> {
    const plan = this.plans.get(conversationId);
    if (!plan) return null;
    return [...plan.conversation.messages, ...plan.pages.flat()];
  }
  async appendMessages(callId: string, callSid: string, messages: LiveMessage[]) {
    const plan = [...this.plans.values()].find((p) => p.callId === callId && p.call.call_sid === callSid);
    if (!plan) return false;
    plan.conversation.messages.push(...messages);
    plan.conversation.total_messages += messages.length;
    return true;
  }
}

export class MemoryQueue implements TaskQueue {
  ids = new Set<string>();
  tasks: Array<{ queue: QueueName; callId: string; id: string }> = [];
  /** Escalation timers, kept apart: tests run them when their clock says so. */
  escalations: Array<{ task: EscalationTask; id: string; delaySeconds?: number }> = [];
  failNext = 0;
  async enqueue(queue: QueueName, task: { callId: string; dueAt?: string }, id: string, delaySeconds?: number) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('queue unavailable');
    }
    if (this.ids.has(id)) return 'duplicate' as const;
    this.ids.add(id);
    if (queue === QUEUES.escalate) this.escalations.push({ task: task as EscalationTask, id, delaySeconds });
    else this.tasks.push({ queue, callId: task.callId, id });
    return 'enqueued' as const;
  }
  /** Takes the queued tasks, oldest first. */
  drain() {
    const tasks = this.tasks;
    this.tasks = [];
    return tasks;
  }
  /** Runs queued tasks with the real use cases until none are left, as Cloud Tasks would. */
  async runAll(deps: Deps) {
    for (let tasks = this.drain(); tasks.length > 0; tasks = this.drain()) {
      for (const task of tasks) await (task.queue === QUEUES.archive ? archiveCall : purgeCall)({ callId: task.callId }, deps);
    }
  }
}

/** Twilio's REST API as admin actions see it: what was sent to each call; calls in `gone` have ended. */
export class MemoryVoice implements LiveVoice {
  sent: Array<{ callSid: string; twiml?: string; hangUp?: true }> = [];
  gone = new Set<string>();
  async redirect(callSid: string, twiml: string) {
    if (this.gone.has(callSid)) return 'gone' as const;
    this.sent.push({ callSid, twiml });
    return 'done' as const;
  }
  async hangUp(callSid: string) {
    if (this.gone.has(callSid)) return 'gone' as const;
    this.sent.push({ callSid, hangUp: true });
    this.gone.add(callSid);
    return 'done' as const;
  }
}

export class MemorySms implements Sms {
  sent: Array<{ to: string; body: string }> = [];
  failing = new Set<string>();
  async send(to: string, body: string) {
    if (this.failing.has(to)) throw new Error(`twilio refused ${to}`);
    this.sent.push({ to, body });
  }
}

export class MemoryPush implements WebPush {
  sent: Array<{ uids: string[]; title: string }> = [];
  async notify(uids: string[], message: { title: string }) {
    this.sent.push({ uids, title: message.title });
    return uids.length;
  }
}

export const SETTINGS: Settings = {
  publicBaseUrl: 'https://aurora.example.com',
  timeZone: 'Asia/Kolkata',
  staleCallMinutes: 30,
  archiveStallMinutes: 5,
  archiveDeadlineMs: 3000,
  speech: { language: 'en-US', model: '', timeout: 'auto' },
  escalation: { afterSeconds: 60, onCallNumbers: ['+15550190001', '+15550190002'], dashboardUrl: 'https://aurora.example.com' },
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

export function memoryDeps(overrides: Partial<Deps> = {}, clockStart?: string) {
  const live = new MemoryLiveDb();
  const archive = new MemoryArchive();
  const queue = new MemoryQueue();
  const clock = testClock(clockStart);
  const voice = new MemoryVoice();
  const sms = new MemorySms();
  const push = new MemoryPush();
  const deps: Deps = {
    live,
    archive,
    queue,
    workers: { findByPhone: async (phone) => (phone === '+15550100001' ? { workerId: 'worker_001', name: 'Priya Nair' } : null) },
    procedures: { all: async () => DEMO_PROCEDURES },
    responder: offlineResponder,
    voice,
    sms,
    push,
    settings: SETTINGS,
    clock,
    messageKey: messageKeyFactory(),
    log: silentLog,
    ...overrides,
  };
  return { deps, live, archive, queue, clock, voice, sms, push };
}

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
  return { role: 'user', content: 'There is a fire', timestamp: '2025-10-04T14:30:05+05:30', sources: '', ...overrides };
}

export const callSid = (n: number) => `CA${n.toString(16).padStart(32, '0')}`;
