/**
 * One simulated site: Aurora's use cases over the in-memory ports, Twilio playing the calls,
 * the database trigger fanning out every change, Cloud Tasks running the queues on a clock the
 * simulation advances, and the record of what every caller said and was told, which the
 * invariants are checked against. Deterministic: no timer decides anything (see TURN_DEADLINE_MS).
 */
import { type QueueName, QUEUES } from '@aurora/model/tasks';
import { z } from 'zod';
import { modelResponder } from '../../functions/src/assistant/modelResponder';
import type { Responder } from '../../functions/src/assistant/responder';
import { archiveCall, purgeCall } from '../../functions/src/calls/archival';
import { controlCall } from '../../functions/src/calls/controlCall';
import { handleStatus } from '../../functions/src/calls/endCall';
import { escalateCall } from '../../functions/src/calls/escalateCall';
import { recordWords } from '../../functions/src/calls/recordWords';
import { fanOutCall } from '../../functions/src/calls/fanOut';
import { recordPartial } from '../../functions/src/calls/partialSpeech';
import { startCall } from '../../functions/src/calls/startCall';
import { sweepCalls } from '../../functions/src/calls/sweepCalls';
import { FirstAnswer } from '../../functions/src/core/firstAnswer';
import { messageKeyFactory } from '../../functions/src/core/ids';
import type { Timings } from '../../functions/src/core/log';
import { type CallAction, LiveCall, paths, type Urgency } from '@aurora/model';
import type { Deps } from '../../functions/src/ports';
import {
  CallTaskBody,
  EscalationTaskBody,
  WordsTaskBody,
  callTaskHandler,
} from '../../functions/src/triggers/tasks';
import { TurnBody } from '../../functions/src/triggers/twilioBodies';
import * as webhooks from '../../functions/src/triggers/webhooks';
import { ADMINS } from '../helpers/calls';
import { MemoryArchive, MemoryPush, MemorySms, MemoryVoice, memoryDeps } from '../helpers/fakes';
import { callSid, silentLog, testClock, type TestClock } from '../helpers/fixtures';
import { SimChat, SimLiveDb, SimTasks, type CallWrite, type ScheduledTask } from './ports';
import { nextState, parseTwiml, urlParams, type TwilioCall } from './twilio';
import { Tracker, type Violation } from './invariants';
import { type HumanLeg, type PhoneAnswer, type VoiceRequest, VoiceNetwork } from './voice';

/** The callers: two calls from a known worker (the second may share the first's second) and one unknown number. */
export const SLOTS = [
  { callSid: callSid(1), from: '+15550100001' },
  { callSid: callSid(2), from: '+15550100002' },
  { callSid: callSid(3), from: '+15550100001' },
] as const;
export type Slot = 0 | 1 | 2;

export const ADMIN_IDS = { ana: 'ana@site.example', ben: 'ben@site.example' } as const;
export type AdminName = keyof typeof ADMIN_IDS;
/** Their uids (the admin directory's keys, test/helpers/calls.ts ADMINS) and the phones Call me rings. */
export const ADMIN_UIDS = { ana: 'uid_ana', ben: 'uid_ben' } as const;
export const ADMIN_PHONES = { ana: '+15550170001', ben: '+15550170002' } as const;

/** What a supervisor does on the dashboard: the callControl actions, and Talk and Listen (a browser leg). */
export type AdminAction =
  | 'ack'
  | 'take'
  | 'release'
  | 'say'
  | 'end'
  | 'bridge'
  | 'talk'
  | 'listen'
  | 'callme'
  | 'transfer'
  | 'mute'
  | 'unmute'
  | 'leave';

/**
 * The deadline a turn is given, in performance.now() time. The webhook's own 12 s race is played
 * by the simulation (a 'deadline' during a turn), not by a timer; takeTurn's budget only has to
 * leave the model its minimum (300 ms) and keep it from polling a speculation in real time
 * (speculation.ts waits only with more than 1.5 s to spare), so runs stay fast and repeatable.
 */
export const TURN_DEADLINE_MS = 2500;

/** Twilio's Gather after a caller spoke: the Gather's action is posted with these words. */
export type TurnRequest = {
  callSid: string;
  from: string;
  url: string;
  words: string;
  token: string;
  epoch: number;
};
/** A request Twilio has made but the simulation holds back (late, out of order). */
export type HeldRequest =
  | { kind: 'status'; callSid: string; from: string; status: string; durationSeconds: number }
  | ({ kind: 'turn' } & TurnRequest)
  | VoiceRequest;

/** What happens while Aurora is thinking about a caller's words. */
export type During =
  | 'deadline'
  | 'twilio-retries'
  | 'caller-hangs-up'
  | 'tasks'
  | 'sweep'
  | 'wait-10s'
  | 'take'
  | 'ack'
  | 'release'
  | 'say'
  | 'end'
  | 'bridge'
  | 'talk'
  | 'listen';

const SWEEP_EVERY_MS = 5 * 60_000;
/** The Realtime Database retries a failed trigger; the simulation tries again this often. */
const FAN_OUT_RETRY_MS = 10_000;

/**
 * The most events one run may take: requests Twilio makes, tasks run, moments the clock stops
 * at. A run of 40 steps takes a few hundred; one that takes more has callbacks, tasks or timers
 * scheduling each other without end, in Aurora or in the simulation's model. It is reported as
 * R1.comes-to-rest (and shrunk like any counterexample) instead of hanging `npm run simulate`.
 */
export const EVENT_BUDGET = 20_000;

/** Thrown by the event that overspent the run's budget (the violation is recorded first): it ends the run. */
export class RunawayRun extends Error {}

/** A deterministic random source (mulberry32) for message keys. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** MemoryVoice that tells Twilio's calls what a call update or a hang-up did to them. */
class SimVoice extends MemoryVoice {
  constructor(private readonly world: World) {
    super();
  }
  override async redirect(sid: string, twiml: string) {
    const outcome = await super.redirect(sid, twiml);
    if (outcome === 'done') this.world.updated(sid, twiml);
    return outcome;
  }
  override async hangUp(sid: string) {
    const outcome = await super.hangUp(sid);
    const leg = this.world.voiceNet.legs.get(sid);
    // Hung up while it rang, a leg ends canceled (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource).
    if (outcome === 'done' && leg)
      this.world.voiceNet.legEnds(
        leg,
        leg.state === 'ringing' ? 'canceled' : 'completed',
        'hung up through the REST API',
      );
    else if (outcome === 'done') this.world.endAtTwilio(sid, 'hung up through the REST API');
    return outcome;
  }
  override async dial(
    to: string,
    twiml: string,
    options: { statusCallback: string; ringSeconds: number; timeLimitSeconds?: number },
  ) {
    const placed = await super.dial(to, twiml, options);
    this.world.voiceNet.placeLeg(placed.sid, to, twiml, options.statusCallback);
    return placed;
  }
  /** Twilio's refusal, when a fault says it refuses this request. */
  private refusal() {
    const refused = this.refuseNext;
    this.refuseNext = null;
    if (refused) throw refused;
  }
  override async muteMember(conferenceSid: string, sid: string, muted: boolean) {
    this.refusal();
    const outcome = this.world.voiceNet.mute(conferenceSid, sid, muted);
    if (outcome === 'done') this.mutes.push({ conferenceSid, callSid: sid, muted });
    return outcome;
  }
  override async endConference(conferenceSid: string) {
    this.refusal();
    const conference = this.world.voiceNet.conferences.get(conferenceSid);
    // Twilio refuses an update to a completed conference (16022, https://www.twilio.com/docs/api/errors/16022).
    if (!conference?.running) return 'gone' as const;
    this.endedConferences.push(conferenceSid);
    this.world.voiceNet.end(conference, 'ended through the REST API');
    return 'done' as const;
  }
  override async conferenceSid(name: string) {
    this.refusal();
    return this.world.voiceNet.running(name)?.sid ?? null;
  }
  /** Twilio's participant list: who is in the conference now (refused, as any request, by a fault). */
  override async participants(conferenceSid: string) {
    this.refusal();
    return this.world.voiceNet.participantsOf(conferenceSid);
  }
  override async announceToConference(conferenceSid: string, url: string) {
    this.refusal();
    if (!this.world.voiceNet.conferences.get(conferenceSid)?.running) return 'gone' as const;
    this.announcements.push({ conferenceSid, url });
    const auroraFor = this.world.voiceNet.answering ?? undefined;
    this.world.emit({ kind: 'announce', url, conferenceSid, ...(auroraFor ? { auroraFor } : {}) });
    return 'done' as const;
  }
  /** An outbound announcement call (the escalation's voice fallback): accepted, nothing more. */
  async announce(to: string, twiml: string) {
    const refused = this.refuseNext;
    this.refuseNext = null;
    if (refused) throw refused;
    this.sent.push({ callSid: `announce:${to}`, twiml });
    return { sid: callSid(900 + this.sent.length) };
  }
}

export class World {
  readonly clock: TestClock = testClock('2025-10-04T09:00:00Z');
  readonly tracker: Tracker;
  readonly db: SimLiveDb;
  readonly archive = new MemoryArchive();
  readonly tasks: SimTasks;
  readonly voice: SimVoice;
  readonly sms = new MemorySms();
  readonly push = new MemoryPush();
  readonly chat = new SimChat();
  /** Twilio's conferences, human legs and real-time transcription. */
  readonly voiceNet: VoiceNetwork = new VoiceNetwork(this);
  readonly deps: Deps;
  /** Calls at Twilio, by CallSid. */
  readonly calls = new Map<string, TwilioCall>();
  /** Requests Twilio made that the simulation holds back. */
  outbox: HeldRequest[] = [];
  /** Database trigger events not yet delivered (or whose delivery failed: retried). */
  changes: CallWrite[] = [];
  /** What happened, step by step, for a counterexample's story. */
  readonly story: string[] = [];
  /** Faults on the fan-out and on Twilio's callbacks. */
  /** Turn webhooks still working: the transcript then holds words not yet answered. */
  turnsInFlight = 0;
  responderFailures = 0;
  fanOutTwice = 0;
  fanOutReversed = false;
  holdStatusCallbacks = 0;
  private nextSweepMs: number;
  private step = 0;
  /** Events taken so far in this run, by kind (what ran away, when one does). */
  private spent = 0;
  private readonly spentOn = new Map<string, number>();
  private restoreDateNow: (() => void) | null = null;

  /** The most events this run may take (EVENT_BUDGET unless a test of the budget says otherwise). */
  readonly eventBudget: number;

  constructor({ eventBudget = EVENT_BUDGET }: { eventBudget?: number } = {}) {
    this.eventBudget = eventBudget;
    this.db = new SimLiveDb((write) => this.written(write));
    this.tasks = new SimTasks(() => this.clock().getTime());
    this.voice = new SimVoice(this);
    this.tracker = new Tracker(this);
    const { deps } = memoryDeps({
      live: this.db,
      archive: this.archive,
      queue: this.tasks,
      voice: this.voice,
      sms: this.sms,
      push: this.push,
      clock: this.clock,
      messageKey: messageKeyFactory(seeded(1)),
      responder: this.responder(
        modelResponder({
          chat: this.chat,
          model: 'sim-model',
          budgetMs: 8000,
          log: silentLog,
          now: () => 0,
        }),
      ),
      log: silentLog,
    });
    this.deps = deps;
    this.nextSweepMs = this.clock().getTime() + SWEEP_EVERY_MS;
  }

  /** The responder as production wires it (the real modelResponder over the simulated model), throwing when a fault says so. */
  private responder(inner: Responder): Responder {
    return {
      respond: async (input) => {
        if (this.responderFailures > 0) {
          this.responderFailures--;
          throw new Error('responder crashed (injected)');
        }
        return inner.respond(input);
      },
    };
  }

  /**
   * Pins Date.now to the simulated clock, one millisecond on per reading: Gather ids (which sort
   * by Date.now) then follow the simulation's order, never the machine's speed.
   */
  async open() {
    const real = Date.now;
    let last = 0;
    Date.now = () => (last = Math.max(this.clock().getTime(), last + 1));
    this.restoreDateNow = () => (Date.now = real);
    // Both supervisors have a phone registered, for Call me.
    await this.db.memory.update({
      admins: Object.fromEntries(
        Object.entries(ADMINS).map(([uid, entry]) => [
          uid,
          { ...entry, phone: uid === ADMIN_UIDS.ana ? ADMIN_PHONES.ana : ADMIN_PHONES.ben },
        ]),
      ),
    });
  }

  close() {
    this.restoreDateNow?.();
    this.restoreDateNow = null;
  }

  get violations(): Violation[] {
    return this.tracker.violations;
  }

  /** How often each kind of event happened: what a run (and a whole simulation) exercised. */
  readonly seen = new Map<string, number>();
  count(event: string) {
    this.seen.set(event, (this.seen.get(event) ?? 0) + 1);
  }

  note(line: string) {
    this.story.push(`  [${this.step}] ${line}`);
  }

  beginStep(label: string) {
    this.step++;
    this.tracker.stepStarted(this.step);
    this.story.push(`${this.step}. ${label}`);
  }

  get stepNumber() {
    return this.step;
  }

  /**
   * One more event in this run: past its budget, the run is a runaway. Every later event throws
   * too, so a loop that catches the first RunawayRun (a webhook retried on failure) still stops.
   */
  spend(event: string) {
    this.spent++;
    this.spentOn.set(event, (this.spentOn.get(event) ?? 0) + 1);
    if (this.spent <= this.eventBudget) return;
    const most = [...this.spentOn]
      .sort(([, a], [, b]) => b - a)
      .slice(0, 3)
      .map(([kind, n]) => `${n} × ${kind}`)
      .join(', ');
    this.tracker.violate(
      'R1.comes-to-rest',
      '(the run)',
      `${this.eventBudget} events without coming to rest (most: ${most}); the last: ${event}`,
    );
    throw new RunawayRun(`the run took more than ${this.eventBudget} events: ${event}`);
  }

  // ---- The database trigger ----

  private written(write: CallWrite) {
    this.changes.push(write);
    this.tracker.observeCall(write);
  }

  /** Delivers the pending trigger events (each at least once); a failed delivery stays pending and is retried. */
  async fanOut() {
    for (let round = 0; round < 5 && this.changes.length > 0; round++) {
      const batch = this.fanOutReversed ? [...this.changes].reverse() : [...this.changes];
      this.fanOutReversed = false;
      this.changes = [];
      const failed: CallWrite[] = [];
      for (const change of batch) {
        const times = this.fanOutTwice > 0 ? (this.fanOutTwice--, 2) : 1;
        for (let i = 0; i < times; i++) {
          this.spend('fan-out delivery');
          try {
            await fanOutCall(change, this.deps);
          } catch (err) {
            if (!failed.includes(change)) failed.push(change);
            this.note(`fan-out of ${change.callId} failed (retried): ${String(err)}`);
          }
        }
      }
      this.changes.push(...failed);
      if (failed.length > 0) break;
    }
  }

  /** After anything happened: the trigger's events delivered, then the safety invariants checked. */
  async settle() {
    await this.fanOut();
    await this.tracker.checkSafety(this.changes.length > 0);
  }

  // ---- Twilio ----

  slotCall(slot: Slot): TwilioCall | undefined {
    return this.calls.get(SLOTS[slot].callSid);
  }

  /**
   * Twilio runs a TwiML document on the call: a conference it was in is left, its transcriptions
   * start or stop, its lines are spoken, then it listens, bridges, joins a conference or ends.
   */
  execute(call: TwilioCall, twiml: string) {
    const doc = parseTwiml(twiml);
    if (call.conference) this.voiceNet.leave(call.callSid, 'redirected');
    this.voiceNet.transcriptionVerbs(call, doc);
    call.doc = doc;
    call.state = nextState(doc);
    if (call.state === 'conference')
      call.conference = this.voiceNet.join(call.callSid, doc.dial!.conference!, doc.dial!.action);
    if (call.state === 'ended')
      this.endAtTwilio(call.callSid, doc.hangup ? 'TwiML <Hangup/>' : 'no TwiML verb left to run');
  }

  /** A call update (redirect) Twilio accepted: the call runs the new document at once. */
  updated(sid: string, twiml: string) {
    const call = this.calls.get(sid);
    if (!call || call.state === 'ended') return;
    call.epoch++;
    call.sent.push(...parseTwiml(twiml).says);
    this.note(`Twilio call update: ${summarize(twiml)}`);
    this.execute(call, twiml);
  }

  /**
   * The call is over at Twilio: it leaves its conference (the caller ends it: every human leg
   * drops), its transcriptions stop, and Twilio posts its status callback (now, or held back when
   * a fault says so). `dialAction`: a caller who hung up in the conference has their <Dial
   * action> requested too, with CallStatus completed.
   */
  endAtTwilio(
    sid: string,
    why: string,
    { returnCallback = false, dialAction = false } = {},
  ): HeldRequest | null {
    const call = this.calls.get(sid);
    if (!call || (call.state === 'ended' && call.endedBy)) return null;
    const action = call.conference ? call.doc.dial?.action : undefined;
    call.state = 'ended';
    call.endedBy = why;
    this.voice.gone.add(sid);
    this.voiceNet.leave(sid, 'hangup');
    call.transcriptions.clear();
    if (dialAction && action)
      this.emit({
        kind: 'rejoin',
        url: action,
        callSid: sid,
        callStatus: 'completed',
        epoch: call.epoch,
      });
    this.tracker.endedAtTwilio(call);
    this.count(`call ended at Twilio: ${why}`);
    this.note(`call ${call.slot} ended at Twilio: ${why}`);
    const callback: HeldRequest = {
      kind: 'status',
      callSid: sid,
      from: call.from,
      status: 'completed',
      durationSeconds: this.durationOf(call),
    };
    if (returnCallback) return callback;
    if (this.holdStatusCallbacks > 0) {
      this.holdStatusCallbacks--;
      this.outbox.push(callback);
      this.note('status callback held back');
    } else {
      this.pendingCallbacks.push(callback);
    }
    return null;
  }

  /** Status callbacks Twilio sent during an operation, delivered once it is done (they are separate requests). */
  private pendingCallbacks: HeldRequest[] = [];

  /**
   * A request Twilio makes about a conference: delivered once the operation is done, or (a
   * status or transcription callback, when a fault says so) held back for later, in any order.
   * A <Dial action> and an announcement's URL are Twilio fetching TwiML: never held.
   */
  emit(request: VoiceRequest) {
    const holdable = request.kind !== 'rejoin' && request.kind !== 'announce';
    if (holdable && this.holdStatusCallbacks > 0) {
      this.holdStatusCallbacks--;
      this.outbox.push(request);
      this.note(`${describeRequest(request)} held back`);
    } else this.pendingCallbacks.push(request);
  }

  /** Nothing Twilio sent is waiting: every callback delivered, no turn under way. */
  get quiescent(): boolean {
    return (
      this.outbox.length === 0 && this.pendingCallbacks.length === 0 && this.turnsInFlight === 0
    );
  }

  /**
   * The callers in a conference hearing nobody, with listeners there and nobody holding their
   * call as stored: Aurora answers them there (what I8 allows besides a human they hear).
   */
  listenedToAurora(): Set<string> {
    const sids = new Set<string>();
    for (const call of this.calls.values()) {
      if (call.state !== 'conference' || this.voiceNet.heardBy(call).length > 0) continue;
      const conference = call.conference
        ? this.voiceNet.conferences.get(call.conference)
        : undefined;
      const listeners = [...(conference?.participants.keys() ?? [])].filter((sid) =>
        this.voiceNet.legs.has(sid),
      );
      const callId = this.db.memory.tree.call_sids as Record<string, unknown> | undefined;
      const id = callId?.[call.callSid];
      const live =
        typeof id === 'string'
          ? LiveCall.safeParse((this.db.memory.tree.active_calls as Record<string, unknown>)?.[id])
              .data
          : undefined;
      if (listeners.length > 0 && live?.conference?.caller_in && live.mode !== 'human')
        sids.add(call.callSid);
    }
    return sids;
  }

  /** The CallSid of the caller's call a call id names (a leg's URLs name the call id). */
  callerSidOf(callId: string): string | undefined {
    const calls = this.db.memory.tree.active_calls as Record<string, unknown> | undefined;
    const call = LiveCall.safeParse(calls?.[callId]);
    return call.success ? call.data.call_sid : undefined;
  }

  private durationOf(call: TwilioCall) {
    return Math.max(0, Math.round((this.clock().getTime() - call.startedMs) / 1000));
  }

  async flushCallbacks() {
    while (this.pendingCallbacks.length > 0) {
      const callback = this.pendingCallbacks.shift()!;
      this.spend(describeRequest(callback));
      await this.deliverRequest(callback);
    }
  }

  /** POST /twilio/voice: a new call rings in; `twice` when Twilio retried the webhook (the second answer is used). */
  async ring(slot: Slot, twice: boolean) {
    const { callSid: sid, from } = SLOTS[slot];
    const call: TwilioCall = {
      slot,
      callSid: sid,
      from,
      startedMs: this.clock().getTime(),
      state: 'gather',
      doc: { says: [], hangup: false, transcribe: [], stopTranscriptions: [] },
      epoch: 0,
      sent: [],
      partials: 0,
      requests: 0,
      transcriptions: new Map(),
    };
    this.calls.set(sid, call);
    let answer = await startCall({ callSid: sid, from }, this.deps);
    if (twice) {
      call.sent.push(...parseTwiml(answer).says);
      answer = await startCall({ callSid: sid, from }, this.deps);
    }
    call.sent.push(...parseTwiml(answer).says);
    this.note(`greeted: ${summarize(answer)}`);
    this.execute(call, answer);
  }

  /** Twilio's partialResultCallback for the Gather the caller is answering: `stable` words so far. */
  async partial(call: TwilioCall, stable: string) {
    const url = call.doc.gather?.partial;
    if (!url) return;
    const query = urlParams(url);
    try {
      const outcome = await recordPartial(
        {
          callSid: call.callSid,
          callHint: query.get('call') ?? undefined,
          gather: query.get('g') ?? undefined,
          sequence: ++call.partials,
          text: stable,
          stable,
        },
        this.deps,
      );
      this.note(`partial "${stable}": ${outcome}`);
    } catch (err) {
      this.note(`partial "${stable}" failed: ${String(err)}`);
    }
  }

  /** The Gather's action request for the caller's words, as Twilio would post it now. */
  turnRequest(call: TwilioCall, words: string): TurnRequest {
    return {
      callSid: call.callSid,
      from: call.from,
      url: call.doc.gather!.action,
      words,
      token: `${call.callSid}-${++call.requests}`,
      epoch: call.epoch,
    };
  }

  /**
   * POST /twilio/turn, as twilioWebhook runs it: the use case, its onFailure TwiML when it
   * throws, and (when `during` is 'deadline') the webhook's deadline fallback answering while
   * the model is still thinking. Anything else in `during` happens while the model thinks.
   * Resolves the TwiML Twilio got, and whether the turn used a speculation.
   */
  async postTurn(
    request: TurnRequest,
    during?: During,
  ): Promise<{ twiml: string; timings: Timings }> {
    const webhook = webhooks.turnWebhook;
    const body = TurnBody.parse({
      CallSid: request.callSid,
      From: request.from,
      SpeechResult: request.words,
    });
    const query = urlParams(request.url);
    const timings: Timings = {};
    const answer = new FirstAnswer();
    const twilioRequest = {
      idempotencyToken: request.token,
      deadline: performance.now() + TURN_DEADLINE_MS,
      answer,
    };
    // Held where the turn waits: on the model for words; for a silence, which asks no model, at
    // its first write after the opening (what it records of what Aurora says into the silence).
    const hold = during
      ? request.words.trim() === ''
        ? this.db.holdWrite(1)
        : this.chat.hold()
      : null;
    this.turnsInFlight++;
    const work = webhook
      .run(body, this.deps, query, timings, twilioRequest)
      .catch((err: unknown) => {
        this.count('turn webhook threw (onFailure answered)');
        this.note(`turn webhook threw: ${String(err)}: onFailure answers`);
        return webhook.onFailure!(this.deps);
      })
      .finally(() => this.turnsInFlight--);
    if (!hold) return { twiml: await work, timings };
    const first = await Promise.race([
      hold.reached.then(() => 'thinking' as const),
      work.then(() => 'done' as const),
    ]);
    if (first === 'done') {
      hold.release();
      this.note(
        `(the turn never ${request.words.trim() === '' ? 'wrote after opening' : 'asked the model'}: nothing happened during it)`,
      );
      return { twiml: await work, timings };
    }
    if (during === 'deadline') {
      const twiml = webhook.answerWithin!.fallback(body, this.deps, query, twilioRequest);
      this.count("turn answered by the webhook's deadline fallback");
      this.note(`the webhook's deadline answered: ${summarize(twiml)}`);
      hold.release();
      const late = await work;
      this.note(`the turn finished after the deadline with: ${summarize(late)}`);
      return { twiml, timings };
    }
    const retried = await this.happenDuring(request, during!);
    hold.release();
    const twiml = await work;
    if (retried === undefined) return { twiml, timings };
    // Twilio had given up on this request and used its retry's answer.
    this.sentUnused(request, twiml);
    return { twiml: retried, timings };
  }

  private sentUnused(request: TurnRequest, twiml: string) {
    this.calls.get(request.callSid)?.sent.push(...parseTwiml(twiml).says);
    this.note(`the first request's answer, which Twilio no longer waited for: ${summarize(twiml)}`);
  }

  /** Resolves the answer to Twilio's retry of the request, when Twilio retried it meanwhile. */
  private async happenDuring(request: TurnRequest, during: During): Promise<string | undefined> {
    this.count(`while Aurora thinks: ${during}`);
    this.note(`while Aurora thinks: ${during}`);
    const call = this.calls.get(request.callSid)!;
    let retried: string | undefined;
    switch (during) {
      case 'twilio-retries':
        // Twilio timed out waiting and sent the same request again (same idempotency token):
        // https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides
        retried = (await this.postTurn(request)).twiml;
        this.note(`Twilio's retry answered: ${summarize(retried)}`);
        break;
      case 'caller-hangs-up':
        this.endAtTwilio(call.callSid, 'the caller hung up');
        await this.flushCallbacks();
        break;
      case 'tasks':
        await this.runDueTasks('in-order', false);
        break;
      case 'sweep':
        await this.sweep();
        break;
      case 'wait-10s':
        await this.advance(10_000);
        break;
      case 'deadline':
        break;
      default:
        await this.admin(
          call.slot as Slot,
          during === 'say' || during === 'release' || during === 'bridge' ? 'holder' : 'ana',
          during,
        );
    }
    await this.fanOut();
    return retried;
  }

  /** Twilio takes a webhook's answer: dropped if a call update replaced the document meanwhile, or if the call is over. */
  acceptAnswer(request: TurnRequest, twiml: string): 'used' | 'dropped' | 'call-over' {
    const call = this.calls.get(request.callSid)!;
    call.sent.push(...parseTwiml(twiml).says);
    if (call.state === 'ended') return 'call-over';
    if (call.epoch !== request.epoch) return 'dropped';
    this.execute(call, twiml);
    return 'used';
  }

  /**
   * The caller speaks (or, with '', stays silent) at the Gather: Twilio first posts the stable
   * words as a partial result when there are any, then the final words to the Gather's action.
   * `replay`: Twilio never got the answer (a timeout) and posts the same request again.
   */
  async speak(
    slot: Slot,
    words: string,
    options: { partial?: string; model?: Urgency; during?: During; replay?: boolean } = {},
  ) {
    const call = this.slotCall(slot)!;
    this.chat.urgency = options.model ?? 'NORMAL';
    if (options.partial) await this.partial(call, options.partial);
    const request = this.turnRequest(call, words);
    // What Aurora's answer is judged against if a move into the conference drops it (I10).
    const before = this.tracker.beforeCallerWords(call.callSid);
    // A transcription still running on the caller hears the words the Gather hears: one utterance.
    if (words.trim() !== '' && this.voiceNet.spoken(call, words, request.token) > 0)
      this.count('words at a Gather transcribed as well');
    const first = await this.postTurn(request, options.during);
    let twiml = first.twiml;
    if (options.replay) {
      call.sent.push(...parseTwiml(twiml).says);
      this.note(`answered (Twilio never got it): ${summarize(twiml)}`);
      twiml = (await this.postTurn(request)).twiml;
    }
    const fate = this.acceptAnswer(request, twiml);
    this.count(`turn answered (${fate})`);
    if (first.timings.speculation === 1) this.count('turn answered with a speculated reply');
    this.note(
      `answered (${fate})${first.timings.speculation === 1 ? ' with the speculated reply' : ''}: ${summarize(twiml)}`,
    );
    await this.tracker.turnAnswered(request, twiml, fate, first.timings, options.partial, before);
    await this.flushCallbacks();
  }

  /**
   * The caller hangs up, perhaps with last words Twilio posts to the Gather's action as well: the
   * status callback and that turn arrive in either order, or are held back for later.
   */
  async hangUp(
    slot: Slot,
    options: {
      lastWords?: string;
      turnFirst?: boolean;
      hold?: boolean;
      progressAfter?: boolean;
      dialAction?: boolean;
    } = {},
  ) {
    const call = this.slotCall(slot)!;
    const turn: HeldRequest[] =
      options.lastWords !== undefined && call.state === 'gather'
        ? [{ kind: 'turn', ...this.turnRequest(call, options.lastWords) }]
        : [];
    if (turn.length > 0 && options.lastWords)
      this.voiceNet.spoken(call, options.lastWords, (turn[0] as TurnRequest).token);
    if (call.state === 'conference') this.count('the caller hung up in the conference');
    const status = this.endAtTwilio(call.callSid, 'the caller hung up', {
      returnCallback: true,
      dialAction: !!options.dialAction,
    });
    if (!status) return;
    const requests = options.turnFirst ? [...turn, status] : [status, ...turn];
    // Twilio reports call progress too when asked to; a late 'in-progress' must change nothing.
    if (options.progressAfter)
      requests.push({
        kind: 'status',
        callSid: call.callSid,
        from: call.from,
        status: 'in-progress',
        durationSeconds: 0,
      });
    if (options.hold) {
      this.outbox.push(...requests);
      this.note(`held back: ${requests.map(describeRequest).join(', ')}`);
      return;
    }
    for (const request of requests) {
      await this.deliverRequest(request);
      await this.fanOut();
    }
  }

  /** Twilio delivers the `pick`th held-back request (in any order), perhaps twice. */
  async deliver(pick: number, twice: boolean) {
    if (this.outbox.length === 0) return;
    const [request] = this.outbox.splice(pick % this.outbox.length, 1);
    this.note(`delivering ${describeRequest(request)}${twice ? ' twice' : ''}`);
    await this.deliverRequest(request);
    if (twice) {
      await this.fanOut();
      await this.deliverRequest(request.kind === 'turn' ? { ...request } : request);
    }
    await this.flushCallbacks();
  }

  /** A held-back or just-made request, delivered to its webhook. */
  async deliverRequest(request: HeldRequest) {
    if (request.kind !== 'status' && request.kind !== 'turn') return this.voiceNet.deliver(request);
    if (request.kind === 'status') {
      try {
        const outcome = await handleStatus(
          {
            callSid: request.callSid,
            callStatus: request.status,
            durationSeconds: request.durationSeconds,
            from: request.from,
          },
          this.deps,
        );
        this.count(`status callback ${request.status}: ${outcome}`);
        this.note(`status callback ${request.status}: ${outcome}`);
      } catch (err) {
        // Twilio does not retry a status callback that failed unless the URL asks it to
        // (https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides): the sweeper must cope.
        this.count('status callback failed');
        this.note(`status callback ${request.status} failed (not retried): ${String(err)}`);
      }
      return;
    }
    const { twiml } = await this.postTurn(request);
    const fate = this.acceptAnswer(request, twiml);
    await this.tracker.turnAnswered(request, twiml, fate, {});
    this.count(`late turn answered (${fate})`);
    this.note(`late turn "${request.words}" answered (${fate}): ${summarize(twiml)}`);
  }

  /** The bridged leg ended (the called person talked and hung up, or never answered): Twilio requests the <Dial action>. */
  async bridgeEnds(call: TwilioCall, status: 'completed' | 'no-answer' | 'busy' | 'failed') {
    const dial = call.doc.dial!;
    const legSid = callSid(500 + call.slot);
    const hint = dial.action ? (urlParams(dial.action).get('call') ?? undefined) : undefined;
    const screen = (webhooks as Record<string, unknown>).screenWebhook as
      typeof webhooks.turnWebhook | undefined;
    if (status === 'completed' && dial.screen && screen) {
      const query = urlParams(dial.screen);
      query.set('step', 'answer');
      const body = { CallSid: legSid, ParentCallSid: call.callSid, To: dial.number, Digits: '1' };
      await (screen.run as (...args: unknown[]) => Promise<string>)(
        body,
        this.deps,
        query,
        {},
        { answer: new FirstAnswer() },
      ).catch(() => '');
    }
    const dialWebhook = (webhooks as Record<string, unknown>).dialWebhook as
      typeof webhooks.turnWebhook | undefined;
    if (!dial.action || !dialWebhook) {
      this.note(`bridge ${status}: the <Dial> has no action, so Twilio runs the next verb: none`);
      this.endAtTwilio(call.callSid, `bridge ${status}, no <Dial action>`);
      this.tracker.bridgeEnded(call, status, null);
      return;
    }
    const epoch = call.epoch;
    const body = {
      CallSid: call.callSid,
      From: call.from,
      CallStatus: 'in-progress',
      DialCallStatus: status,
      DialCallSid: legSid,
      DialCallDuration: status === 'completed' ? '42' : undefined,
    };
    const parsed = (dialWebhook.schema as z.ZodType).parse(body);
    const run = dialWebhook.run as (...args: unknown[]) => Promise<string>;
    const twiml = await run(
      parsed,
      this.deps,
      urlParams(dial.action),
      {},
      { answer: new FirstAnswer() },
    ).catch((err: unknown) => {
      this.note(`dial webhook threw: ${String(err)}`);
      return dialWebhook.onFailure!(this.deps);
    });
    call.sent.push(...parseTwiml(twiml).says);
    this.count(`bridge ${status}`);
    this.note(`bridge ${status} (call ${hint ?? '?'}): ${summarize(twiml)}`);
    if (call.epoch === epoch && call.state !== 'ended') this.execute(call, twiml);
    this.tracker.bridgeEnded(call, status, twiml);
  }

  // ---- Supervisors ----

  /** The call id the dashboard shows for a slot's call (from the CallSid index, read without faults). */
  async callIdOf(slot: Slot): Promise<string | null> {
    const id = await this.db.memory.get(paths.callSid(SLOTS[slot].callSid));
    return typeof id === 'string' ? id : null;
  }

  async admin(
    slot: Slot,
    whom: AdminName | 'holder',
    action: AdminAction,
    options: { to?: string; text?: string; retried?: boolean } = {},
  ) {
    const callId = await this.callIdOf(slot);
    if (!callId) {
      this.note(`${whom} cannot ${action}: no call on the dashboard for call ${slot}`);
      return;
    }
    const held = async () => LiveCall.safeParse(await this.db.memory.get(paths.call(callId))).data;
    let who: AdminName = whom === 'holder' ? 'ana' : whom;
    if (whom === 'holder') {
      const call = await held();
      if (call?.mode === 'human' && call.admin_id === ADMIN_IDS.ben) who = 'ben';
      else if (call?.mode !== 'human' && action !== 'take') await this.admin(slot, 'ana', 'take');
    }
    if (action === 'talk' || action === 'listen') {
      // Talk is a take (unless they hold the call already), then the browser connects; Listen only connects.
      const call = await held();
      if (action === 'listen' && call?.mode !== 'human')
        this.count(
          `listen on a call nobody holds (the caller ${call?.conference?.caller_in ? 'in the conference' : 'at a Gather'})`,
        );
      if (action === 'talk' && !(call?.mode === 'human' && call.admin_id === ADMIN_IDS[who]))
        await this.admin(slot, who, 'take');
      await this.voiceNet.browserConnects(callId, ADMIN_UIDS[who], action, !!options.retried);
      return;
    }
    const payload = (
      action === 'say'
        ? { action, callId, text: options.text ?? 'Stay where you are. Help is on the way.' }
        : action === 'bridge' || action === 'transfer'
          ? { action, callId, to: options.to ?? '+15550190001' }
          : action === 'mute' || action === 'unmute'
            ? { action: 'mute', callId, muted: action === 'mute' }
            : { action, callId }
    ) as CallAction;
    // Speaking up while nobody holds the call (listening to Aurora) takes it first.
    const unheld = action === 'unmute' && (await held())?.mode !== 'human';
    try {
      const result = await controlCall(
        payload,
        { id: ADMIN_IDS[who], uid: ADMIN_UIDS[who] },
        this.deps,
      );
      this.count(`${action}: ${result.ok ? 'done' : result.code}`);
      if (unheld && result.ok && (await held())?.admin_id === ADMIN_IDS[who])
        this.count('speak up on a call nobody held: taken');
      this.note(`${who} ${action}: ${JSON.stringify(result)}`);
    } catch (err) {
      this.note(`${who} ${action} threw: ${String(err)}`);
    }
  }

  // ---- The people on the human legs ----

  /** The `pick`th phone still ringing answers as `answer` says. */
  async phoneAnswers(pick: number, answer: PhoneAnswer) {
    const ringing = this.voiceNet.legsIn('ringing');
    if (ringing.length === 0) return;
    await this.voiceNet.phoneAnswers(ringing[pick % ringing.length], answer);
  }

  /** The person on the `pick`th live human leg speaks (its transcription callback late, when told), or hangs up. */
  async humanLeg(pick: number, does: { says: string; late?: boolean } | 'hangs-up') {
    const legs: HumanLeg[] = this.voiceNet.legsIn('answered');
    if (legs.length === 0) return;
    const leg = legs[pick % legs.length];
    if (does === 'hangs-up') return this.voiceNet.legEnds(leg, 'completed', `${leg.who} hung up`);
    const before = this.pendingCallbacks.length;
    this.voiceNet.humanSays(leg, does.says);
    if (!does.late) return;
    const requests = this.pendingCallbacks.splice(before);
    this.outbox.push(...requests);
    if (requests.length > 0) this.note(`held back: ${requests.map(describeRequest).join(', ')}`);
  }

  /** The caller, in the conference, says `words`: their transcription posts them (late, or twice, when told). */
  async callerTalks(slot: Slot, words: string, options: { late?: boolean; twice?: boolean } = {}) {
    const call = this.slotCall(slot)!;
    const before = this.pendingCallbacks.length;
    const posted = this.voiceNet.spoken(call, words);
    this.count(
      posted > 0 ? 'the caller spoke in the conference' : 'the caller spoke, untranscribed',
    );
    const requests = this.pendingCallbacks.splice(before);
    if (options.late) {
      this.outbox.push(...requests);
      this.note(`held back: ${requests.map(describeRequest).join(', ')}`);
      return;
    }
    this.pendingCallbacks.push(...(options.twice ? requests.flatMap((r) => [r, r]) : requests));
  }

  // ---- Time, tasks and the sweeper ----

  private async runTask(task: ScheduledTask) {
    this.spend(`task ${task.queue}`);
    this.tasks.take(task);
    const handler = TASK_HANDLERS[task.queue](() => this.deps);
    try {
      await handler({ data: task.task, retryCount: task.retries });
      this.count(`task ran: ${task.queue}`);
      this.note(`task ${task.queue} ${task.id} ran`);
    } catch (err) {
      this.count(`task failed: ${task.queue}`);
      this.note(`task ${task.queue} ${task.id} failed (${String(err)}): retried later`);
      this.tasks.retryLater(task, err);
    }
  }

  /** Every task due now: in order, or the newest first; `twice` runs each twice (Cloud Tasks delivers at least once). */
  async runDueTasks(order: 'in-order' | 'newest-first', twice: boolean) {
    const due = this.tasks.scheduled
      .filter((t) => t.dueMs <= this.clock().getTime())
      .sort((a, b) => a.dueMs - b.dueMs);
    if (order === 'newest-first') due.reverse();
    for (const task of due) {
      await this.runTask(task);
      if (twice) await this.runTask({ ...task });
      await this.flushCallbacks();
      await this.settle();
    }
  }

  async sweep() {
    try {
      const actions = await sweepCalls(this.deps);
      if (actions.length > 0)
        this.note(`sweep: ${actions.map((a) => `${a.kind} ${a.callId}`).join(', ')}`);
    } catch (err) {
      this.note(`sweep failed: ${String(err)}`);
    }
  }

  /**
   * Moves the clock on by `ms`, running what falls due on the way in time order: tasks, the
   * sweeper every five minutes, retried trigger deliveries, and the escalation deadlines checked.
   */
  async advance(ms: number) {
    const target = this.clock().getTime() + ms;
    for (;;) {
      const now = this.clock().getTime();
      const task = this.tasks.nextDue(target);
      const fanOutRetry = this.changes.length > 0 ? now + FAN_OUT_RETRY_MS : Infinity;
      const deadline = this.tracker.nextEscalationDeadline();
      const next = Math.min(
        task?.dueMs ?? Infinity,
        this.nextSweepMs,
        fanOutRetry,
        deadline ?? Infinity,
      );
      if (next > target) break;
      this.spend('the clock stops (a task, the sweeper, a trigger retry, a deadline)');
      this.clock.set(new Date(Math.max(now, next)).toISOString());
      if (task && task.dueMs === next) await this.runTask(task);
      else if (this.nextSweepMs === next) {
        this.nextSweepMs += SWEEP_EVERY_MS;
        await this.sweep();
      }
      await this.flushCallbacks();
      await this.settle();
    }
    this.clock.set(new Date(target).toISOString());
    await this.settle();
  }

  /** Every fault lifted: what must hold in the end must hold once the world works again. */
  clearFaults() {
    this.db.clearFaults();
    this.tasks.clearFaults();
    this.chat.clearFaults();
    this.archive.failNextWrites = 0;
    this.voice.refuseNext = null;
    this.responderFailures = 0;
    this.fanOutTwice = 0;
    this.fanOutReversed = false;
    this.holdStatusCallbacks = 0;
  }

  /**
   * The end of a run: every held request delivered, faults lifted, the clock run past every
   * timer and retry; then every ended call still waiting for an acknowledgement acknowledged,
   * and the clock run on again, so the end-of-run invariants see a world at rest.
   */
  async finish() {
    this.beginStep(
      '(end of run) held requests delivered, faults lifted, clock advanced past every timer',
    );
    this.clearFaults();
    // One at a time, each leaving the outbox as it goes: the world is at rest only once the last is in.
    while (this.outbox.length > 0) {
      const request = this.outbox.shift()!;
      this.spend(describeRequest(request));
      await this.deliverRequest(request);
      await this.flushCallbacks();
      await this.settle();
    }
    await this.advance(2 * 3600_000);
    await this.tracker.checkAtRest('before acknowledgements');
    this.beginStep(
      '(end of run) every ended CRITICAL call nobody acknowledged is acknowledged, clock advanced again',
    );
    for (const [callId, call] of Object.entries(
      ((await this.db.memory.get(paths.activeCalls)) ?? {}) as Record<string, unknown>,
    )) {
      const parsed = LiveCall.safeParse(call);
      if (!parsed.success || parsed.data.status !== 'ENDED' || parsed.data.urgency !== 'CRITICAL')
        continue;
      const result = await controlCall(
        { action: 'ack', callId },
        { id: ADMIN_IDS.ben },
        this.deps,
      ).catch((err: unknown) => String(err));
      this.note(`ben acknowledges ended ${callId}: ${JSON.stringify(result)}`);
      await this.settle();
    }
    await this.advance(2 * 3600_000);
    await this.tracker.checkAtRest('after acknowledgements');
  }
}

/** The task queue handlers, as triggers/tasks.ts builds them, over the simulation's deps. */
const TASK_HANDLERS: Record<QueueName, (deps: () => Deps) => ReturnType<typeof callTaskHandler>> = {
  [QUEUES.archive]: (deps) => callTaskHandler(QUEUES.archive, CallTaskBody, archiveCall, deps),
  [QUEUES.purge]: (deps) => callTaskHandler(QUEUES.purge, CallTaskBody, purgeCall, deps),
  [QUEUES.escalate]: (deps) =>
    callTaskHandler(QUEUES.escalate, EscalationTaskBody, escalateCall, deps),
  [QUEUES.words]: (deps) => callTaskHandler(QUEUES.words, WordsTaskBody, recordWords, deps),
};

const describeRequest = (r: HeldRequest): string => {
  switch (r.kind) {
    case 'status':
      return `status callback '${r.status}'`;
    case 'turn':
      return `turn "${r.words}"`;
    case 'conference':
      return `conference callback '${r.event}'${r.callSid ? ` (${r.callSid.slice(-3)})` : ''}`;
    case 'leg-status':
      return `leg status callback '${r.status}' (${r.callSid.slice(-3)})`;
    case 'transcription':
      return `transcription "${r.words}" (#${r.sequence})`;
    case 'rejoin':
      return "the caller's <Dial action>";
    case 'announce':
      return 'the announcement';
  }
};

/** A TwiML document in a line: its spoken text and what it does next. */
export function summarize(twiml: string): string {
  const doc = parseTwiml(twiml);
  const next = doc.hangup
    ? ' <Hangup/>'
    : doc.gather
      ? ' <Gather>'
      : doc.dial?.conference
        ? ` <Dial${doc.dial.action ? ' action' : ''}><Conference>`
        : doc.dial
          ? ` <Dial ${doc.dial.number}${doc.dial.action ? ' action' : ''}>`
          : ' (nothing more: the call ends)';
  return `${doc.says.map((s) => `"${s.length > 70 ? `${s.slice(0, 67)}...` : s}"`).join(' ') || '(silence)'}${next}`;
}
