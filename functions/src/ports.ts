/**
 * The ports: every way a use case reaches the world outside, as narrow interfaces. Use cases get
 * them in one `Deps` object; production wires the adapters (triggers/wiring.ts), tests hand in
 * fakes or adapters over local servers.
 */
import type { ChatMessage } from './assistant/prompt';
import type { Responder } from './assistant/responder';
import type { Settings } from './config';
import type { ArchivePlan } from './core/archiveDocs';
import type { ConferenceParticipant } from './core/conference';
import type { Log } from './core/log';
import type { LiveMessage, Procedure, Urgency } from '@aurora/model';
import type { QueueName } from '@aurora/model/tasks';

/** The Realtime Database as the use cases need it: paths in, plain JSON out. */
export interface LiveDb {
  get(path: string): Promise<unknown>;
  /** Atomic multi-path update; a null value deletes. */
  update(changes: Record<string, unknown>): Promise<void>;
  /**
   * Atomically replaces the value at `path` with `next(current)`; undefined aborts. As in the
   * Realtime Database, `next` may first see null before the stored value is known (the server
   * then answers with the real value and `next` runs again), so it must not abort on null:
   * return null to mean "leave it absent". Resolves to whether it committed and what is stored.
   */
  transact(
    path: string,
    next: (current: unknown) => unknown,
  ): Promise<{ committed: boolean; value: unknown }>;
  /**
   * Keeps the value at `path` at hand, as the server sends it, until the returned function is
   * called, or `keepForMs` after. A transaction on it then starts from that value and commits in
   * one round trip; without it, it first guesses null and is refused once (the Realtime
   * Database's compare-and-set). A read of it answers from that value too, and a transaction
   * callback that aborts decides on it: kept past a request, it may be stale (adapters/liveDb.ts).
   * Optional: fakes need none.
   */
  watch?(path: string, keepForMs?: number): () => void;
}

/** Firestore's calls/ and conversations/ collections. */
export interface ArchiveStore {
  /**
   * Writes the plan in one atomic batch, keeping admin-owned fields; 'unchanged' if the archive
   * already holds as many messages or more (messages are only ever added: a plan with fewer is
   * stale, and must never replace a whole transcript). One archive per CallSid: a stand-in from
   * the status callback alone (lateRecord.ts) is not written beside the call's own archive, and
   * is replaced by it.
   */
  write(plan: ArchivePlan): Promise<'written' | 'unchanged'>;
  /** Every archived message of a conversation in order, or null if it is not archived. */
  readMessages(conversationId: string): Promise<LiveMessage[] | null>;
  /**
   * Adds messages to the end of an archived call's transcript; false if that CallSid's call is
   * not archived. With a `turn` key, a turn already appended is not appended again (a replay).
   * With an `urgency`, the archived call's urgency is raised to it (never lowered).
   */
  appendMessages(
    callId: string,
    callSid: string,
    messages: LiveMessage[],
    turn?: string,
    urgency?: Urgency,
  ): Promise<boolean>;
}

/**
 * The task queues, one list: each name is also its queue function's export in index.ts (a
 * function's deploy identity names its queue).
 */
export type CallTask = { callId: string };
/** An escalation timer: due at `dueAt` (ISO); a task that runs early is retried until then. */
export type EscalationTask = {
  callId: string;
  dueAt: string;
  /** Which rise to CRITICAL it times (the falls before it): a later rise has a timer of its own. */
  rise?: number;
};

/** One line of a transcript as the live conversation keys it: the key makes a replayed write land on itself. */
export type KeyedLine = LiveMessage & { key: string };

/**
 * A turn's lines the Realtime Database refused for the whole turn (calls/recordWords.ts): only
 * the lines, never the turn marker or the call's fields, which replayed later would undo newer
 * state; only the urgency, which only ever rises.
 */
export type WordsTask = {
  callId: string;
  /** The call's own CallSid: the archive the lines join if the call is archived meanwhile. */
  callSid: string;
  lines: KeyedLine[];
  /** The archive's turn key to append them under (a late turn's own, so Twilio's retry of it is not doubled); else the task's id. */
  turn?: string;
  /**
   * The urgency the caller's words call for, as the turn computed it, when the turn could not
   * raise the call to it (the same outage refused that too): raised later, only ever upwards.
   */
  urgency?: Urgency;
};

export interface TaskQueue {
  /**
   * Enqueues once per id: a second enqueue with the same id is a no-op ('duplicate'). A delay
   * schedules the task that many seconds ahead.
   */
  enqueue(
    queue: QueueName,
    task: CallTask | EscalationTask | WordsTask,
    id: string,
    delaySeconds?: number,
  ): Promise<'enqueued' | 'duplicate'>;
}

/** Text messages through Twilio. */
export interface Sms {
  /**
   * Resolves Twilio's message SID once Twilio accepted the text; rejects with Twilio's reason
   * otherwise. With `statusCallback`, Twilio posts the text's delivery status there.
   */
  send(to: string, body: string, statusCallback?: string): Promise<{ sid: string }>;
}

/** Web push to admins' browsers (where they allowed notifications and registered). */
export interface WebPush {
  /** Sends to every registered browser of these admins; resolves how many were reached. */
  notify(uids: string[], message: { title: string; body: string; link: string }): Promise<number>;
}

/**
 * The phone call at Twilio, driven while it is in progress (Twilio's REST API). A refusal
 * rejects with an AuroraError whose message says Twilio's reason; a missing account, NotConfigured.
 */
export interface LiveVoice {
  /** Replaces what the call is doing with `twiml`. Resolves 'gone' if the call is no longer in progress. */
  redirect(callSid: string, twiml: string): Promise<'done' | 'gone'>;
  /** Hangs the call up; 'gone' if it had already ended. */
  hangUp(callSid: string): Promise<'done' | 'gone'>;
  /** Whether Twilio still has the call going (queued, ringing, in progress, or bridged), or it has ended. */
  status(callSid: string): Promise<'live' | 'ended'>;
  /** Places an outbound call to `to` that plays `twiml`; resolves its CallSid once Twilio accepted it. */
  announce(to: string, twiml: string): Promise<{ sid: string }>;
  /**
   * Rings `to` from the hotline's number to run `twiml` (a phone leg of a call's conference):
   * Twilio posts how the leg goes to `statusCallback` (answered, completed), gives up after
   * `ringSeconds`, and ends the leg after `timeLimitSeconds`. Resolves its CallSid once accepted.
   */
  dial(
    to: string,
    twiml: string,
    options: { statusCallback: string; ringSeconds: number; timeLimitSeconds?: number },
  ): Promise<{ sid: string }>;
  /** Mutes or unmutes one leg (`callSid`) in a conference; 'gone' if it is no longer there. */
  muteMember(conferenceSid: string, callSid: string, muted: boolean): Promise<'done' | 'gone'>;
  /** Ends a conference, dropping every leg in it; 'gone' if it had already ended. */
  endConference(conferenceSid: string): Promise<'done' | 'gone'>;
  /**
   * Has Twilio request `url` (POST, signed) and play the TwiML it answers to everyone in the
   * conference; resolves once Twilio accepted, 'gone' if the conference has ended.
   */
  announceToConference(conferenceSid: string, url: string): Promise<'done' | 'gone'>;
  /** The ConferenceSid of the in-progress conference named `name`, or null if none is running. */
  conferenceSid(name: string): Promise<string | null>;
  /** Who is in the conference now, every page of Twilio's list; none once it has ended (or never was). */
  participants(conferenceSid: string): Promise<ConferenceParticipant[]>;
}

/** Who is calling, from the worker registry when the number is known. */
export type Caller = {
  workerId: string;
  name?: string;
  site?: string;
  zone?: string;
  /** The worker's language from the registry (a code such as 'de' or 'pt-BR'), when the site knows it. */
  language?: string;
};

export interface WorkerRegistry {
  findByPhone(phone: string): Promise<Caller | null>;
}

/** One chat completion returning the raw text; throws AuroraError (retryable when transient: 429, 5xx, timeout). */
export interface ChatModel {
  complete(request: { model: string; messages: ChatMessage[]; timeoutMs: number }): Promise<string>;
}

/** The site's emergency procedures, for grounding answers and tuning speech recognition. */
export interface ProcedureLibrary {
  all(): Promise<Procedure[]>;
}

/**
 * Who may act as a supervisor right now. The claim in an ID token lives up to an hour; the
 * admin directory (admins/{uid}) and the account's revocation time say at once.
 */
export interface AdminDirectory {
  /** Whether `uid` is still in the admin directory and signed in after any revocation of their sessions. */
  stillAdmin(uid: string, signedInAtMs: number): Promise<boolean>;
}

export type Deps = {
  live: LiveDb;
  archive: ArchiveStore;
  queue: TaskQueue;
  workers: WorkerRegistry;
  procedures: ProcedureLibrary;
  responder: Responder;
  voice: LiveVoice;
  sms: Sms;
  push: WebPush;
  admins: AdminDirectory;
  settings: Settings;
  clock: () => Date;
  messageKey: (nowMs: number) => string;
  log: Log;
};
