/** In-memory stand-ins for the ports (archive, queue, Twilio, push), and memoryDeps() that wires them with the in-memory database. */
import { type QueueName, QUEUES } from '@aurora/model/tasks';
import { archiveCall, purgeCall } from '../../functions/src/calls/archival';
import type {
  AdminDirectory,
  ArchiveStore,
  Deps,
  EscalationTask,
  LiveVoice,
  Sms,
  TaskQueue,
  WebPush,
  WordsTask,
} from '../../functions/src/ports';
import type { ArchivePlan } from '../../functions/src/core/archiveDocs';
import type { ConferenceParticipant } from '../../functions/src/core/conference';
import { AuroraError } from '../../functions/src/core/errors';
import { callbackArchiveIds, messageKeyFactory } from '../../functions/src/core/ids';
import { MAX_UPDATE_TWIML_CHARS } from '../../functions/src/core/twiml';
import { offlineResponder } from '../../functions/src/assistant/offlineResponder';
import { DEMO_PROCEDURES } from '../../functions/src/assistant/procedures';
import type { LiveMessage, Urgency } from '@aurora/model';
import { raiseUrgency } from '../../functions/src/core/urgency';
import { SETTINGS, silentLog, testClock } from './fixtures';
import { MemoryLiveDb } from './memoryDb';

export class MemoryArchive implements ArchiveStore {
  plans = new Map<string, ArchivePlan>();
  writes = 0;
  failNextWrites = 0;
  async write(plan: ArchivePlan) {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new Error('firestore unavailable');
    }
    // As the Firestore adapter: one archive per CallSid; a stand-in archived from the status callback gives way to the call's own.
    const standIn = callbackArchiveIds(plan.call.call_sid, plan.call.mobile_no);
    if (standIn.conversationId !== plan.conversationId) this.plans.delete(standIn.conversationId);
    else if (
      [...this.plans.values()].some(
        (p) => p.call.call_sid === plan.call.call_sid && p.conversationId !== plan.conversationId,
      )
    )
      return 'unchanged' as const;
    const held = this.plans.get(plan.conversationId);
    if (held && held.conversation.total_messages >= plan.conversation.total_messages)
      return 'unchanged' as const;
    this.plans.set(plan.conversationId, plan);
    this.writes++;
    return 'written' as const;
  }
  async readMessages(conversationId: string): Promise<LiveMessage[] | null> {
    const plan = this.plans.get(conversationId);
    if (!plan) return null;
    return [...plan.conversation.messages, ...plan.pages.flat()];
  }
  async appendMessages(
    callId: string,
    callSid: string,
    messages: LiveMessage[],
    turn?: string,
    urgency?: Urgency,
  ) {
    const plan = [...this.plans.values()].find(
      (p) => p.callId === callId && p.call.call_sid === callSid,
    );
    if (!plan) return false;
    const answered = (plan.conversation.answered_turns ??= []);
    if (turn && answered.includes(turn)) return true;
    if (urgency) plan.call.urgency = raiseUrgency(plan.call.urgency, urgency);
    if (turn) answered.push(turn);
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
  /** Lines a turn could not write (recordWords), kept apart: tests run them when the database is back. */
  words: Array<{ task: WordsTask; id: string }> = [];
  failNext = 0;
  async enqueue(
    queue: QueueName,
    task: { callId: string; dueAt?: string } | WordsTask,
    id: string,
    delaySeconds?: number,
  ) {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('queue unavailable');
    }
    if (this.ids.has(id)) return 'duplicate' as const;
    this.ids.add(id);
    if (queue === QUEUES.escalate)
      this.escalations.push({ task: task as EscalationTask, id, delaySeconds });
    else if (queue === QUEUES.words) this.words.push({ task: task as WordsTask, id });
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
      for (const task of tasks)
        await (task.queue === QUEUES.archive ? archiveCall : purgeCall)(
          { callId: task.callId },
          deps,
        );
    }
  }
}

/**
 * Twilio's REST API as admin actions see it: what was sent to each call; calls in `gone` have
 * ended. Like Twilio, it refuses an update over 4,000 characters of TwiML (32018); `refuseNext`
 * makes the next request fail as a Twilio refusal would.
 */
export class MemoryVoice implements LiveVoice {
  sent: Array<{ callSid: string; twiml?: string; hangUp?: true }> = [];
  /** Outbound calls placed (announce), each with the CallSid Twilio would give it. */
  announced: Array<{ to: string; twiml: string; sid: string }> = [];
  gone = new Set<string>();
  refuseNext: AuroraError | null = null;
  private refused() {
    const err = this.refuseNext;
    this.refuseNext = null;
    return err;
  }
  async redirect(callSid: string, twiml: string) {
    const refused = this.refused();
    if (refused) throw refused;
    if (twiml.length > MAX_UPDATE_TWIML_CHARS)
      throw new AuroraError(
        'Updating the call failed: Twilio error 32018: Twiml size exceeded maximum allowed value',
      );
    if (this.gone.has(callSid)) return 'gone' as const;
    this.sent.push({ callSid, twiml });
    return 'done' as const;
  }
  async hangUp(callSid: string) {
    const refused = this.refused();
    if (refused) throw refused;
    if (this.gone.has(callSid)) return 'gone' as const;
    this.sent.push({ callSid, hangUp: true });
    this.gone.add(callSid);
    return 'done' as const;
  }
  async status(callSid: string) {
    const refused = this.refused();
    if (refused) throw refused;
    return this.gone.has(callSid) ? ('ended' as const) : ('live' as const);
  }
  async announce(to: string, twiml: string) {
    const refused = this.refused();
    if (refused) throw refused;
    const sid = `CA${String(this.announced.length + 1).padStart(32, 'a')}`;
    this.announced.push({ to, twiml, sid });
    return { sid };
  }
  /** Phone legs rung into a conference (dial), each with what was asked and the CallSid Twilio would give it. */
  dialled: Array<{
    to: string;
    twiml: string;
    sid: string;
    statusCallback: string;
    ringSeconds: number;
    timeLimitSeconds?: number;
  }> = [];
  /** Participant updates asked for (mute and unmute), in order. */
  mutes: Array<{ conferenceSid: string; callSid: string; muted: boolean }> = [];
  /** Conferences ended through the REST API, in order. */
  endedConferences: string[] = [];
  /** In-progress conferences, name to ConferenceSid: what conferenceSid() finds. */
  conferences = new Map<string, string>();
  async dial(
    to: string,
    twiml: string,
    options: { statusCallback: string; ringSeconds: number; timeLimitSeconds?: number },
  ) {
    const refused = this.refused();
    if (refused) throw refused;
    if (twiml.length > MAX_UPDATE_TWIML_CHARS)
      throw new AuroraError(
        'Ringing failed: Twilio error 32018: Twiml size exceeded maximum allowed value',
      );
    const sid = `CA${String(this.dialled.length + 1).padStart(32, 'c')}`;
    this.dialled.push({ to, twiml, sid, ...options });
    return { sid };
  }
  async muteMember(conferenceSid: string, callSid: string, muted: boolean) {
    const refused = this.refused();
    if (refused) throw refused;
    if (this.gone.has(callSid) || this.endedConferences.includes(conferenceSid))
      return 'gone' as const;
    this.mutes.push({ conferenceSid, callSid, muted });
    return 'done' as const;
  }
  async endConference(conferenceSid: string) {
    const refused = this.refused();
    if (refused) throw refused;
    if (this.endedConferences.includes(conferenceSid)) return 'gone' as const;
    this.endedConferences.push(conferenceSid);
    for (const [name, sid] of this.conferences)
      if (sid === conferenceSid) this.conferences.delete(name);
    return 'done' as const;
  }
  async conferenceSid(name: string) {
    const refused = this.refused();
    if (refused) throw refused;
    return this.conferences.get(name) ?? null;
  }
  /** Who Twilio lists in each conference, by ConferenceSid: what participants() answers while it runs. */
  participantsIn = new Map<string, ConferenceParticipant[]>();
  async participants(conferenceSid: string) {
    const refused = this.refused();
    if (refused) throw refused;
    // A conference that has ended lists nobody.
    if (this.endedConferences.includes(conferenceSid)) return [];
    return structuredClone(this.participantsIn.get(conferenceSid) ?? []);
  }
  /** Announcements Twilio accepted (AnnounceUrl), in order. */
  announcements: Array<{ conferenceSid: string; url: string }> = [];
  async announceToConference(conferenceSid: string, url: string) {
    const refused = this.refused();
    if (refused) throw refused;
    if (this.endedConferences.includes(conferenceSid)) return 'gone' as const;
    this.announcements.push({ conferenceSid, url });
    return 'done' as const;
  }
}

/** Twilio's Messages API: each accepted text gets a message SID; numbers in `failing` are refused. */
export class MemorySms implements Sms {
  /** Accepted texts; `statusCallback` where the send named one (Twilio would post delivery reports there). */
  sent: Array<{ to: string; body: string; sid: string; statusCallback?: string }> = [];
  failing = new Set<string>();
  /** Every attempt, accepted or not, in order. */
  attempts: string[] = [];
  async send(to: string, body: string, statusCallback?: string) {
    this.attempts.push(to);
    if (this.failing.has(to))
      throw new AuroraError(`Texting ${to} failed: Twilio error 21211: not a valid phone number`, {
        retryable: false,
      });
    const sid = `SM${String(this.sent.length + 1).padStart(32, '0')}`;
    this.sent.push({ to, body, sid, ...(statusCallback ? { statusCallback } : {}) });
    return { sid };
  }
}

export class MemoryPush implements WebPush {
  sent: Array<{ uids: string[]; title: string }> = [];
  async notify(uids: string[], message: { title: string }) {
    this.sent.push({ uids, title: message.title });
    return uids.length;
  }
}

/** The admin directory: every uid is an admin unless revoked here. */
export class MemoryAdmins implements AdminDirectory {
  revoked = new Set<string>();
  async stillAdmin(uid: string) {
    return !this.revoked.has(uid);
  }
}

export function memoryDeps(overrides: Partial<Deps> = {}, clockStart?: string) {
  const live = new MemoryLiveDb();
  const archive = new MemoryArchive();
  const queue = new MemoryQueue();
  const clock = testClock(clockStart);
  const voice = new MemoryVoice();
  const sms = new MemorySms();
  const push = new MemoryPush();
  const admins = new MemoryAdmins();
  const deps: Deps = {
    live,
    archive,
    queue,
    workers: {
      findByPhone: async (phone) =>
        phone === '+15550100001' ? { workerId: 'worker_001', name: 'Priya Nair' } : null,
    },
    procedures: { all: async () => DEMO_PROCEDURES },
    responder: offlineResponder,
    voice,
    sms,
    push,
    admins,
    settings: SETTINGS,
    clock,
    messageKey: messageKeyFactory(),
    log: silentLog,
    ...overrides,
  };
  return { deps, live, archive, queue, clock, voice, sms, push, admins };
}
