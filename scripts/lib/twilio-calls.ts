/**
 * The calls the local Twilio stand-in (twilio-api.ts) carries, and what Twilio does with them
 * that a phone cannot: conferences, real-time transcription and the status callbacks of both.
 * A call is a leg here, driven one of two ways:
 * - by a simulated caller (twilio-sim.ts SimulatedCall), which plays its own TwiML and fetches
 *   its call updates; it hands this module the TwiML only Twilio can carry out
 *   (<Start>/<Stop><Transcription>, <Dial><Conference>) and hears back when it leaves a conference;
 * - by this module, playing the called person of a call the functions placed (Calls API) or a
 *   supervisor's browser (the Voice SDK's device.connect): it runs their TwiML itself.
 *
 * Twilio's behaviour as documented, which the functions are held to:
 * - Calls create (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
 *   queued, ringing, then answered or busy/no-answer/failed; `StatusCallbackEvent` picks which of
 *   initiated/ringing/answered/completed are posted to `StatusCallback` (completed by default),
 *   the terminal status arriving as the completed event with `CallDuration`
 *   (https://www.twilio.com/docs/voice/api/call-resource#statuscallbackevent); `TimeLimit` ends
 *   an answered call after that many seconds. No `AnsweredBy`: answering machine detection is
 *   not asked for.
 * - Call update (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource):
 *   new TwiML replaces what the call is doing (a call in a conference leaves it without its
 *   <Dial action>); Status=completed hangs up a call whatever its state (here one not yet
 *   answered ends `canceled`), Status=canceled only a queued or ringing one.
 * - TwiML (https://www.twilio.com/docs/voice/twiml): a <Gather> without input goes on to the next
 *   verb, with input posts `Digits` to its action and plays the answer
 *   (https://www.twilio.com/docs/voice/twiml/gather); a <Dial> that ends requests its action
 *   (DialCallStatus `answered` for a conference, https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values),
 *   or goes on with the next verb (https://www.twilio.com/docs/voice/twiml/dial#action); a document
 *   that runs out hangs up; an answer Twilio cannot fetch ends the call (11200,
 *   https://www.twilio.com/docs/api/errors/11200), and so does a relative URL in TwiML that was
 *   not fetched from anywhere (inline `Twiml`), which has nothing to resolve against.
 * - Conferences (https://www.twilio.com/docs/voice/twiml/conference): joining a name with no
 *   conference in progress creates one; it starts when a participant with
 *   startConferenceOnEnter joins, and ends when a participant with endConferenceOnExit leaves,
 *   when the last one leaves, or when ended through the API (reason_conference_ended,
 *   https://www.twilio.com/docs/voice/api/conference-resource). Every participant then leaves.
 *   Its status callbacks (start end join leave mute hold announcement) go to the statusCallback
 *   of the first participant that set one, with ConferenceSid, FriendlyName, StatusCallbackEvent,
 *   SequenceNumber, Timestamp and, for a participant's event, CallSid, Muted, Hold,
 *   StartConferenceOnEnter and EndConferenceOnExit (participant-leave adds ParticipantCallStatus,
 *   https://www.twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added).
 * - Real-time transcription (https://www.twilio.com/docs/voice/twiml/transcription): <Start>
 *   posts transcription-started to statusCallbackUrl, each utterance transcription-content
 *   (TranscriptionData a JSON {transcript, confidence}, Final, Track, LanguageCode, SequenceId),
 *   <Stop> with the transcription's name or the call's end transcription-stopped. A callback URL
 *   that is not a full http(s) URL gets no events (warning 17585,
 *   https://www.twilio.com/docs/api/errors/17585); a 5xx, 408, 425 or 429 answer is retried up to
 *   three times (17580, https://www.twilio.com/docs/api/errors/17580). Assumed, not documented:
 *   transcription forks the call's own audio, ahead of the conference's mixing, so a participant
 *   muted in the conference is still transcribed (the functions must not count on muting to
 *   keep a listener's words out of the transcript).
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { parseTwimlDoc, twimlTrue, type TwimlVerb } from './twiml-doc.ts';
import { Webhooks } from './twilio-webhooks.ts';

export type CallState =
  'queued' | 'ringing' | 'in-progress' | 'completed' | 'busy' | 'no-answer' | 'failed' | 'canceled';
const LIVE_STATES: ReadonlySet<CallState> = new Set(['queued', 'ringing', 'in-progress']);
export const isLive = (leg: Pick<Leg, 'state'>) => LIVE_STATES.has(leg.state);

/** A member of a conference, as a simulated caller is told of it. */
export type MemberView = { callSid: string; who: string; muted: boolean; hold: boolean };

/**
 * What a simulated caller in a conference learns, in order, beside its call updates: others
 * joining, leaving, muting or holding, what they said (as the stand-in saw it spoken),
 * announcements, and its own leaving (the conference ended, or it was removed).
 */
export type ConferenceNotice =
  | {
      kind: 'join' | 'leave' | 'mute' | 'unmute' | 'hold' | 'unhold';
      conference: string;
      callSid: string;
      who: string;
    }
  | { kind: 'spoken'; conference: string; callSid: string; who: string; text: string }
  | { kind: 'announcement'; conference: string; said: string[] }
  | { kind: 'left'; conference: string; reason: 'ended' | 'kicked' };

/** One entry of a simulated call's stream: a call update (TwiML or Status), or a conference notice. */
export type CallUpdate = { twiml?: string; status?: string; at: number; notice?: ConferenceNotice };

/** How a called number behaves: it answers and presses these keys ('' presses nothing), or it never answers. */
export const PhoneBehaviour = z.union([
  z.object({
    outcome: z.literal('answers'),
    presses: z
      .string()
      .regex(/^[0-9*#]*$/)
      .default('1'),
  }),
  z.object({ outcome: z.enum(['busy', 'no-answer', 'failed']) }),
]);
export type PhoneBehaviour = z.infer<typeof PhoneBehaviour>;
const ANSWERS_AND_PRESSES_1: PhoneBehaviour = { outcome: 'answers', presses: '1' };

type LeaveReason = 'hangup' | 'kicked' | 'ended' | 'redirected';

type Transcription = {
  sid: string;
  name: string;
  track: string;
  languageCode: string;
  url: string | null;
  sequence: number;
  outbox: Promise<void>;
};

export type Participant = {
  leg: Leg;
  conference: Conference;
  muted: boolean;
  hold: boolean;
  startConferenceOnEnter: boolean;
  endConferenceOnExit: boolean;
  label: string | null;
  dateCreated: Date;
  dateUpdated: Date;
};

export type Conference = {
  sid: string;
  friendlyName: string;
  status: 'init' | 'in-progress' | 'completed';
  dateCreated: Date;
  dateUpdated: Date;
  reasonEnded: string | null;
  callSidEnding: string | null;
  statusCallback: { url: string; events: Set<string> } | null;
  sequence: number;
  participants: Map<string, Participant>;
  /** Everything the stand-in saw in it, in order: who joined, left, muted, and what they said. */
  log: ConferenceNotice[];
  outbox: Promise<void>;
};

export type Leg = {
  sid: string;
  from: string;
  to: string;
  direction: 'inbound' | 'outbound-api';
  /** Who plays the caller's side: a simulated caller fetching its updates, or this module. */
  driver: 'sim' | 'stand-in';
  state: CallState;
  /** How conference notices name this leg: the number called, the caller's number, or client:{identity}. */
  who: string;
  /** The parameters of every request Twilio makes for this call. */
  params: Record<string, string>;
  updates: CallUpdate[];
  waiters: Array<() => void>;
  /** What the person on this leg heard (Say, announcements), in order. */
  heard: string[];
  /** The URL of the TwiML document it runs, when fetched: relative URLs in it resolve against it. */
  documentUrl?: string;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  statusCallback: {
    url: string;
    events: Set<string>;
    sequence: number;
    outbox: Promise<void>;
  } | null;
  transcriptions: Map<string, Transcription>;
  participant: Participant | null;
  /** The keys the person presses at a <Gather>. */
  presses: string;
  /** Bumped whenever what the leg runs is replaced or ends: an older run stops at its next step. */
  run: number;
  /** Resolves the run waiting in a conference when the leg leaves it. */
  leaving: ((reason: LeaveReason) => void) | null;
  /** Resolves a play() once the leg waits in a conference (or its run ended). */
  settled: (() => void) | null;
  timers: Set<ReturnType<typeof setTimeout>>;
  /** Cuts short whatever the leg is waiting out (its phone ringing): the call ended meanwhile. */
  wakeups: Set<() => void>;
};

export type CallNetworkOptions = {
  accountSid: string;
  authToken: string;
  /** The base URL Twilio is configured with (PUBLIC_BASE_URL): the browser's default Voice URL is under it. */
  publicBaseUrl?: string;
  /** Where requests for publicBaseUrl actually go, as a tunnel would deliver them; defaults to publicBaseUrl. */
  webhookBaseUrl?: string;
  /** How long a called phone rings before it is answered or gives up, ms. */
  ringMs?: number;
};

/** Twilio's StatusCallbackEvent values for a call, and the CallStatus each is posted with. */
export const CALL_EVENTS = ['initiated', 'ringing', 'answered', 'completed'] as const;
/** <Conference statusCallbackEvent> values, and the events each subscribes to. */
const CONFERENCE_EVENTS: Record<string, string[]> = {
  start: ['conference-start'],
  end: ['conference-end'],
  join: ['participant-join'],
  leave: ['participant-leave'],
  mute: ['participant-mute', 'participant-unmute'],
  hold: ['participant-hold', 'participant-unhold'],
  announcement: ['announcement-end'],
};

const newSid = (prefix: string) => `${prefix}${randomBytes(16).toString('hex')}`;
/** Twilio's date format in 2010-04-01 resources and conference callbacks (RFC 2822). */
export const rfc2822 = (date: Date) => date.toUTCString().replace('GMT', '+0000');
const bool = (value: boolean) => (value ? 'true' : 'false');

/** Seconds from answer to hang-up (so far, while it lasts); 0 for a call never answered. */
export const callDuration = (leg: Pick<Leg, 'answeredAt' | 'endedAt'>) =>
  leg.answeredAt ? Math.round(((leg.endedAt ?? Date.now()) - leg.answeredAt) / 1000) : 0;

/** A fully qualified http(s) URL with a host, as Twilio requires of a webhook. */
export function isFullUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
  } catch {
    return false;
  }
}

/** Twilio's space- (or repeat-) separated event lists as one set. */
export const eventSet = (values: string[]) =>
  new Set(values.flatMap((v) => v.split(/[\s,]+/)).filter(Boolean));

export class CallNetwork {
  readonly calls = new Map<string, Leg>();
  readonly conferences = new Map<string, Conference>();
  /** How each number the functions call behaves; any other answers and presses 1. */
  readonly phones = new Map<string, PhoneBehaviour>();
  /** How it posts webhooks, and what it has posted. */
  readonly hooks: Webhooks;
  /** What Twilio's debugger would have shown: callback URLs it could not use, answers it could not fetch. */
  readonly warnings: Array<{ code: number; message: string; callSid?: string }> = [];
  ringMs: number;
  private readonly options: CallNetworkOptions;

  constructor(options: CallNetworkOptions) {
    this.options = options;
    this.ringMs = options.ringMs ?? 1000;
    this.hooks = new Webhooks(options);
  }

  /** Resolves once no webhook is being delivered and no phone is ringing. */
  idle() {
    return this.hooks.idle();
  }

  get publicBaseUrl() {
    return this.options.publicBaseUrl;
  }

  stop() {
    this.hooks.stop();
    for (const leg of this.calls.values()) {
      leg.run++; // nothing it was running goes on
      for (const timer of leg.timers) clearTimeout(timer);
      for (const wakeUp of [...leg.wakeups]) wakeUp();
      this.wake(leg);
      leg.leaving?.('hangup');
      leg.settled?.();
    }
  }

  // ---- legs ----

  /** A simulated caller's inbound call (it rings the voice webhook itself). */
  registerSimCall(sid: string, from = '', to = ''): Leg {
    const leg = this.newLeg({
      sid,
      from,
      to,
      direction: 'inbound',
      driver: 'sim',
      state: 'in-progress',
      who: from || sid,
    });
    leg.answeredAt = leg.createdAt;
    return leg;
  }

  /** A call the functions placed: the called phone rings, then answers (and runs `twiml`) or not, as `phones` says. */
  placeCall(call: {
    to: string;
    from: string;
    twiml?: string;
    url?: string;
    statusCallback?: string;
    events: Set<string>;
    timeLimitSeconds?: number;
  }): Leg {
    const leg = this.newLeg({
      sid: newSid('CA'),
      from: call.from,
      to: call.to,
      direction: 'outbound-api',
      driver: 'stand-in',
      state: 'queued',
      who: call.to,
    });
    if (call.statusCallback)
      leg.statusCallback = {
        url: call.statusCallback,
        events: call.events.size > 0 ? call.events : new Set(['completed']),
        sequence: 0,
        outbox: Promise.resolve(),
      };
    void this.hooks.track(this.ring(leg, call));
    return leg;
  }

  /**
   * A supervisor's browser connecting (the Voice SDK's device.connect): Twilio asks the TwiML
   * App's Voice URL, From client:{identity}, To empty, with the connect params, and runs the
   * answer. Resolves once the leg waits in a conference or its TwiML has run out.
   */
  async connectClient(
    identity: string,
    connectParams: Record<string, string>,
    voiceUrl: string,
    applicationSid = '',
  ) {
    const client = `client:${identity}`;
    const leg = this.newLeg({
      sid: newSid('CA'),
      from: client,
      to: '',
      direction: 'inbound',
      driver: 'stand-in',
      state: 'in-progress',
      who: client,
    });
    leg.answeredAt = leg.createdAt;
    Object.assign(leg.params, { Caller: client, Called: '', ApplicationSid: applicationSid });
    const answer = await this.fetchTwiml(leg, voiceUrl, {
      ...connectParams,
      CallStatus: 'ringing',
    });
    if (answer === null) await this.hangUp(leg, 'failed');
    else await this.play(leg, answer);
    await this.idle();
    return leg;
  }

  /**
   * Twilio's call update: TwiML replaces what the leg runs (a simulated caller fetches it from
   * its stream), Status=completed ends the call, Status=canceled ends it only before it is answered.
   */
  update(leg: Leg, change: { twiml?: string; status?: 'completed' | 'canceled' }) {
    if (change.status === 'canceled' && leg.state === 'in-progress') return;
    this.push(leg, change);
    if (change.status) return void this.hooks.track(this.hangUp(leg, change.status));
    if (!change.twiml) return;
    if (leg.participant) this.leave(leg, 'redirected');
    // A ringing phone runs the newest TwiML once answered (ring() looks for it).
    if (leg.driver === 'stand-in' && leg.state === 'in-progress')
      void this.hooks.track(this.play(leg, change.twiml));
  }

  /** The call ends: it leaves its conference, its transcriptions stop, its status callback says how. */
  async hangUp(leg: Leg, status: CallState): Promise<void> {
    if (!isLive(leg)) return;
    const answered = leg.state === 'in-progress';
    leg.state = !answered && status === 'completed' ? 'canceled' : status;
    leg.endedAt = Date.now();
    leg.run++;
    for (const timer of leg.timers) clearTimeout(timer);
    leg.timers.clear();
    for (const wakeUp of [...leg.wakeups]) wakeUp();
    if (leg.participant) this.leave(leg, 'hangup');
    for (const transcription of [...leg.transcriptions.values()])
      this.stopTranscription(leg, transcription.name);
    this.wake(leg);
    leg.leaving?.('hangup');
    leg.settled?.();
    await this.callStatus(leg, 'completed', { CallDuration: String(callDuration(leg)) });
  }

  /** Appends to a simulated call's stream and wakes whoever is waiting on it. */
  push(leg: Leg, update: Omit<CallUpdate, 'at'>) {
    leg.updates.push({ ...update, at: Date.now() });
    this.wake(leg);
  }

  private wake(leg: Leg) {
    for (const wake of leg.waiters.splice(0)) wake();
  }

  private newLeg(
    fields: Pick<Leg, 'sid' | 'from' | 'to' | 'direction' | 'driver' | 'state' | 'who'>,
  ): Leg {
    const leg: Leg = {
      ...fields,
      params: {
        AccountSid: this.options.accountSid,
        CallSid: fields.sid,
        From: fields.from,
        To: fields.to,
        Direction: fields.direction,
        ApiVersion: '2010-04-01',
      },
      updates: [],
      waiters: [],
      heard: [],
      createdAt: Date.now(),
      statusCallback: null,
      transcriptions: new Map(),
      participant: null,
      presses: '',
      run: 0,
      leaving: null,
      settled: null,
      timers: new Set(),
      wakeups: new Set(),
    };
    this.calls.set(leg.sid, leg);
    return leg;
  }

  /** The called phone rings for ringMs, then answers (playing its TwiML) or ends busy, unanswered or failed. */
  private async ring(
    leg: Leg,
    call: { twiml?: string; url?: string; timeLimitSeconds?: number },
  ): Promise<void> {
    await this.callStatus(leg, 'initiated');
    leg.state = 'ringing';
    await this.callStatus(leg, 'ringing');
    await this.wait(leg, this.ringMs);
    if (this.hooks.stopped || leg.state !== 'ringing') return; // canceled while it rang
    const behaviour = this.phones.get(leg.to) ?? ANSWERS_AND_PRESSES_1;
    if (behaviour.outcome !== 'answers') return this.hangUp(leg, behaviour.outcome);
    leg.state = 'in-progress';
    leg.answeredAt = Date.now();
    leg.presses = behaviour.presses;
    if (call.timeLimitSeconds) {
      const timer = setTimeout(
        () => void this.hooks.track(this.hangUp(leg, 'completed')),
        call.timeLimitSeconds * 1000,
      );
      timer.unref();
      leg.timers.add(timer);
    }
    await this.callStatus(leg, 'answered');
    // An update while it rang replaced the TwiML it was placed with.
    const updated = leg.updates.findLast((u) => u.twiml)?.twiml;
    const twiml = updated ?? call.twiml ?? (call.url ? await this.fetchTwiml(leg, call.url) : null);
    if (twiml === null) return this.hangUp(leg, 'completed');
    await this.play(leg, twiml);
  }

  /** Runs TwiML on a leg this module drives; resolves once it waits in a conference or has run out. */
  private play(leg: Leg, twiml: string): Promise<void> {
    return new Promise<void>((resolve) => {
      leg.settled = resolve;
      void this.execute(leg, twiml).finally(resolve);
    });
  }

  /** Twilio running a TwiML document on a call, verb by verb (see the header). */
  private async execute(leg: Leg, twiml: string): Promise<void> {
    const run = ++leg.run;
    const current = () => leg.run === run && isLive(leg);
    for (const verb of parseTwimlDoc(twiml)) {
      const next = await this.step(leg, verb);
      if (!current()) return;
      if (next === 'hangup') return this.hangUp(leg, 'completed');
      if (next) {
        const answer = await this.fetchTwiml(leg, next.url, next.params);
        if (!current()) return;
        if (answer === null) return this.hangUp(leg, 'completed');
        return this.execute(leg, answer);
      }
    }
    await this.hangUp(leg, 'completed'); // the document ran out
  }

  /**
   * One verb: undefined to go on with the next, 'hangup', or a request whose answer replaces the
   * document (a <Gather>'s input, a <Dial action>, a <Redirect>).
   */
  private async step(
    leg: Leg,
    verb: TwimlVerb,
  ): Promise<undefined | 'hangup' | { url: string; params: Record<string, string> }> {
    switch (verb.name) {
      case 'Say':
        leg.heard.push(verb.text);
        return undefined;
      case 'Gather': {
        for (const said of verb.children.filter((c) => c.name === 'Say')) leg.heard.push(said.text);
        const numDigits = Number(verb.attrs.numDigits) || Infinity;
        const digits = leg.presses.slice(0, numDigits);
        if (!digits || !verb.attrs.action) return undefined; // no input: on to the next verb
        return { url: verb.attrs.action, params: { Digits: digits, FinishedOnKey: '' } };
      }
      case 'Start':
      case 'Stop':
        this.transcriptionVerb(leg, verb);
        return undefined;
      case 'Dial': {
        const room = verb.children.find((c) => c.name === 'Conference');
        if (!room) return undefined; // a <Dial> of numbers is not simulated on these legs
        let leaving!: (reason: LeaveReason) => void;
        const left = new Promise<LeaveReason>((resolve) => (leaving = resolve));
        leg.leaving = leaving;
        this.join(leg, room);
        leg.settled?.();
        const reason = await left;
        if (leg.leaving === leaving) leg.leaving = null;
        if (reason === 'hangup' || reason === 'redirected') return undefined;
        return verb.attrs.action
          ? { url: verb.attrs.action, params: { DialCallStatus: 'answered' } }
          : undefined;
      }
      case 'Redirect':
        return { url: verb.text, params: {} };
      case 'Hangup':
      case 'Reject':
        return 'hangup';
      default:
        return undefined; // Pause, Play: nothing to simulate
    }
  }

  /** <Start> or <Stop> of <Transcription>s. */
  private transcriptionVerb(leg: Leg, verb: TwimlVerb) {
    for (const noun of verb.children.filter((c) => c.name === 'Transcription'))
      if (verb.name === 'Start') this.startTranscription(leg, noun.attrs);
      else this.stopTranscription(leg, noun.attrs.name ?? '');
  }

  /** A simulated caller running TwiML: this module carries out its transcriptions and conference. */
  simPlay(leg: Leg, twiml: string): Conference | null {
    for (const verb of parseTwimlDoc(twiml)) {
      if (verb.name === 'Start' || verb.name === 'Stop') this.transcriptionVerb(leg, verb);
      const room = verb.name === 'Dial' && verb.children.find((c) => c.name === 'Conference');
      if (room) {
        if (leg.participant) this.leave(leg, 'redirected');
        this.join(leg, room);
      }
    }
    return leg.participant?.conference ?? null;
  }

  // ---- conferences ----

  private join(leg: Leg, room: TwimlVerb) {
    const name = room.text;
    const conference =
      [...this.conferences.values()].find(
        (c) => c.friendlyName === name && c.status !== 'completed',
      ) ?? this.newConference(name);
    const callback = room.attrs.statusCallback;
    if (!conference.statusCallback && callback && isFullUrl(callback))
      conference.statusCallback = {
        url: callback,
        events: new Set(
          [...eventSet([room.attrs.statusCallbackEvent ?? 'start end'])].flatMap(
            (e) => CONFERENCE_EVENTS[e] ?? [],
          ),
        ),
      };
    const now = new Date();
    const participant: Participant = {
      leg,
      conference,
      muted: twimlTrue(room.attrs.muted),
      hold: false,
      startConferenceOnEnter: twimlTrue(room.attrs.startConferenceOnEnter, true),
      endConferenceOnExit: twimlTrue(room.attrs.endConferenceOnExit),
      label: room.attrs.participantLabel ?? null,
      dateCreated: now,
      dateUpdated: now,
    };
    conference.participants.set(leg.sid, participant);
    leg.participant = participant;
    if (conference.status === 'init' && participant.startConferenceOnEnter) {
      conference.status = 'in-progress';
      conference.dateUpdated = now;
      this.conferenceEvent(conference, 'conference-start');
    }
    this.conferenceEvent(conference, 'participant-join', participant);
    this.tell(conference, { kind: 'join', conference: name, callSid: leg.sid, who: leg.who }, leg);
  }

  private newConference(name: string): Conference {
    const now = new Date();
    const conference: Conference = {
      sid: newSid('CF'),
      friendlyName: name,
      status: 'init',
      dateCreated: now,
      dateUpdated: now,
      reasonEnded: null,
      callSidEnding: null,
      statusCallback: null,
      sequence: 0,
      participants: new Map(),
      log: [],
      outbox: Promise.resolve(),
    };
    this.conferences.set(conference.sid, conference);
    return conference;
  }

  /** A leg leaves its conference; the conference ends if it was the one that ends it, or the last. */
  leave(leg: Leg, reason: LeaveReason) {
    const participant = leg.participant;
    if (!participant) return;
    const conference = participant.conference;
    conference.participants.delete(leg.sid);
    leg.participant = null;
    this.conferenceEvent(conference, 'participant-leave', participant, {
      ParticipantCallStatus: reason === 'hangup' ? leg.state : 'in-progress',
    });
    const name = conference.friendlyName;
    this.tell(conference, { kind: 'leave', conference: name, callSid: leg.sid, who: leg.who });
    if (leg.driver === 'sim' && (reason === 'ended' || reason === 'kicked'))
      this.push(leg, { notice: { kind: 'left', conference: name, reason } });
    leg.leaving?.(reason);
    if (conference.status === 'completed' || reason === 'ended') return;
    const kicked = reason === 'kicked';
    if (participant.endConferenceOnExit)
      this.endConference(
        conference,
        kicked
          ? 'participant-with-end-conference-on-exit-kicked'
          : 'participant-with-end-conference-on-exit-left',
        leg.sid,
      );
    else if (conference.participants.size === 0)
      this.endConference(
        conference,
        kicked ? 'last-participant-kicked' : 'last-participant-left',
        leg.sid,
      );
  }

  /** The conference ends: everyone in it leaves (each going on with its <Dial action>). */
  endConference(conference: Conference, reason: string, callSid: string | null) {
    if (conference.status === 'completed') return;
    conference.status = 'completed';
    conference.reasonEnded = reason;
    conference.callSidEnding = callSid;
    conference.dateUpdated = new Date();
    for (const participant of [...conference.participants.values()])
      this.leave(participant.leg, 'ended');
    this.conferenceEvent(conference, 'conference-end', undefined, {
      ReasonConferenceEnded: reason,
      ...(callSid ? { CallSidEndingConference: callSid } : {}),
    });
  }

  /** The Participants API's Muted and Hold: posted as participant-mute/unmute and -hold/unhold. */
  setMember(participant: Participant, change: { muted?: boolean; hold?: boolean }) {
    const { conference, leg } = participant;
    const name = conference.friendlyName;
    participant.dateUpdated = new Date();
    if (change.muted !== undefined && change.muted !== participant.muted) {
      participant.muted = change.muted;
      const kind = change.muted ? 'mute' : 'unmute';
      this.conferenceEvent(conference, `participant-${kind}`, participant);
      this.tell(conference, { kind, conference: name, callSid: leg.sid, who: leg.who }, leg);
    }
    if (change.hold !== undefined && change.hold !== participant.hold) {
      participant.hold = change.hold;
      const kind = change.hold ? 'hold' : 'unhold';
      this.conferenceEvent(conference, `participant-${kind}`, participant);
      this.tell(conference, { kind, conference: name, callSid: leg.sid, who: leg.who }, leg);
    }
  }

  /**
   * An announcement (AnnounceUrl, fetched with POST as Twilio does) played to the whole
   * conference or one participant; announcement-end follows when subscribed.
   */
  announce(conference: Conference, url: string, to?: Participant) {
    const listeners = to ? [to] : [...conference.participants.values()];
    void this.hooks.track(
      (async () => {
        const turn = await this.hooks.post(url, {
          AccountSid: this.options.accountSid,
          ConferenceSid: conference.sid,
          ...(to ? { CallSid: to.leg.sid } : {}),
        });
        const said = turn && turn.status < 400 ? turn.said : [];
        for (const { leg } of listeners) {
          leg.heard.push(...said);
          if (leg.driver === 'sim')
            this.push(leg, {
              notice: { kind: 'announcement', conference: conference.friendlyName, said },
            });
        }
        this.conferenceEvent(conference, 'announcement-end', to);
      })(),
    );
  }

  /** Logs a notice in the conference and passes it to the simulated callers in it (but `except`). */
  private tell(conference: Conference, notice: ConferenceNotice, except?: Leg, to?: Leg[]) {
    conference.log.push(notice);
    const legs = to ?? [...conference.participants.values()].map((p) => p.leg);
    for (const leg of legs) if (leg !== except && leg.driver === 'sim') this.push(leg, { notice });
  }

  /** Posts a conference status callback, in order, when the conference's callback asked for this event. */
  private conferenceEvent(
    conference: Conference,
    event: string,
    participant?: Participant,
    extra: Record<string, string> = {},
  ) {
    const callback = conference.statusCallback;
    if (!callback?.events.has(event)) return;
    const params: Record<string, string> = {
      AccountSid: this.options.accountSid,
      ConferenceSid: conference.sid,
      FriendlyName: conference.friendlyName,
      StatusCallbackEvent: event,
      SequenceNumber: String(++conference.sequence),
      Timestamp: rfc2822(new Date()),
      ...(participant
        ? {
            CallSid: participant.leg.sid,
            Muted: bool(participant.muted),
            Hold: bool(participant.hold),
            Coaching: 'false',
            StartConferenceOnEnter: bool(participant.startConferenceOnEnter),
            EndConferenceOnExit: bool(participant.endConferenceOnExit),
            ...(participant.label ? { ParticipantLabel: participant.label } : {}),
          }
        : {}),
      ...extra,
    };
    conference.outbox = this.hooks.deliver(conference.outbox, callback.url, params);
  }

  // ---- transcription ----

  private startTranscription(leg: Leg, attrs: Record<string, string>) {
    const sid = newSid('GT');
    const name = attrs.name ?? sid;
    if (leg.transcriptions.has(name)) {
      this.warnings.push({
        code: 0,
        message: `a transcription named ${name} is already running`,
        callSid: leg.sid,
      });
      return;
    }
    let url: string | null = attrs.statusCallbackUrl ?? null;
    if (url !== null && !isFullUrl(url)) {
      this.warnings.push({
        code: 17585,
        message: `Invalid status callback URL: ${url}`,
        callSid: leg.sid,
      });
      url = null;
    }
    const transcription: Transcription = {
      sid,
      name,
      track: attrs.track ?? 'both_tracks',
      languageCode: attrs.languageCode ?? 'en-US',
      url,
      sequence: 0,
      outbox: Promise.resolve(),
    };
    leg.transcriptions.set(name, transcription);
    this.transcriptionEvent(leg, transcription, 'transcription-started', {
      ProviderName: 'Google',
      TranscriptionEngine: 'google',
      LanguageCode: transcription.languageCode,
      PartialResults: bool(twimlTrue(attrs.partialResults)),
      Track: transcription.track,
      ...(attrs.inboundTrackLabel ? { InboundTrackLabel: attrs.inboundTrackLabel } : {}),
      ...(attrs.outboundTrackLabel ? { OutboundTrackLabel: attrs.outboundTrackLabel } : {}),
    });
  }

  private stopTranscription(leg: Leg, name: string) {
    const transcription = leg.transcriptions.get(name);
    if (!transcription) return;
    leg.transcriptions.delete(name);
    this.transcriptionEvent(leg, transcription, 'transcription-stopped');
  }

  private transcriptionEvent(
    leg: Leg,
    transcription: Transcription,
    event: string,
    extra: Record<string, string> = {},
  ) {
    const sequence = ++transcription.sequence;
    if (!transcription.url) return;
    const params = {
      AccountSid: this.options.accountSid,
      CallSid: leg.sid,
      TranscriptionSid: transcription.sid,
      TranscriptionEvent: event,
      SequenceId: String(sequence),
      Timestamp: new Date().toISOString(),
      ...extra,
    };
    transcription.outbox = this.hooks.deliver(transcription.outbox, transcription.url, params, 3);
  }

  /**
   * Someone on `leg` speaks a whole utterance: each of its transcriptions hearing its inbound
   * audio posts it as final content, and everyone in its conference who can hear it (it is not
   * muted or held, they are not held) hears it, their outbound-track transcriptions included.
   */
  speak(leg: Leg, text: string): { transcribed: number; heardBy: string[] } {
    const content = (t: Transcription, track: string) => ({
      LanguageCode: t.languageCode,
      Track: track,
      TranscriptionData: JSON.stringify({ transcript: text, confidence: 0.95 }),
      Final: 'true',
    });
    let transcribed = 0;
    for (const t of leg.transcriptions.values())
      if (t.track !== 'outbound_track') {
        this.transcriptionEvent(leg, t, 'transcription-content', content(t, 'inbound_track'));
        transcribed++;
      }
    const speaker = leg.participant;
    if (!speaker) return { transcribed, heardBy: [] };
    const audible = !speaker.muted && !speaker.hold;
    const listeners = audible
      ? [...speaker.conference.participants.values()].filter((p) => p !== speaker && !p.hold)
      : [];
    for (const { leg: listener } of listeners) {
      listener.heard.push(text);
      for (const t of listener.transcriptions.values())
        if (t.track !== 'inbound_track') {
          this.transcriptionEvent(
            listener,
            t,
            'transcription-content',
            content(t, 'outbound_track'),
          );
          transcribed++;
        }
    }
    const { conference } = speaker;
    this.tell(
      conference,
      { kind: 'spoken', conference: conference.friendlyName, callSid: leg.sid, who: leg.who, text },
      leg,
      listeners.map((p) => p.leg),
    );
    return { transcribed, heardBy: listeners.map((p) => p.leg.who) };
  }

  // ---- webhooks ----

  /** Posts a call's status callback for `event` when it asked for it, in order. */
  private callStatus(
    leg: Leg,
    event: (typeof CALL_EVENTS)[number],
    extra: Record<string, string> = {},
  ) {
    const callback = leg.statusCallback;
    if (!callback?.events.has(event)) return Promise.resolve();
    const status: Record<string, string> = {
      initiated: 'initiated',
      ringing: 'ringing',
      answered: 'in-progress',
      completed: leg.state,
    };
    const params = {
      ...leg.params,
      CallStatus: status[event]!,
      CallbackSource: 'call-progress-events',
      SequenceNumber: String(callback.sequence++),
      Timestamp: rfc2822(new Date()),
      ...extra,
    };
    callback.outbox = this.hooks.deliver(callback.outbox, callback.url, params);
    return callback.outbox;
  }

  /**
   * The answer to a request for TwiML on this leg, or null if it could not be had: a relative
   * URL with no document to resolve it against (11100, https://www.twilio.com/docs/api/errors/11100),
   * or an HTTP failure (11200).
   */
  private async fetchTwiml(
    leg: Leg,
    url: string,
    extra: Record<string, string> = {},
  ): Promise<string | null> {
    const absolute = isFullUrl(url) ? url : leg.documentUrl && new URL(url, leg.documentUrl).href;
    if (!absolute) {
      this.warnings.push({ code: 11100, message: `Invalid URL format: ${url}`, callSid: leg.sid });
      return null;
    }
    const turn = await this.hooks.track(
      this.hooks.post(absolute, { ...leg.params, CallStatus: leg.state, ...extra }),
    );
    if (turn && turn.status < 400) {
      leg.documentUrl = absolute;
      return turn.body;
    }
    this.warnings.push({
      code: 11200,
      message: `HTTP retrieval failure: ${absolute} answered ${turn?.status ?? 'nothing'}`,
      callSid: leg.sid,
    });
    return null;
  }

  /** Waits `ms` on a leg's behalf, or less if the call ends first. */
  private wait(leg: Leg, ms: number) {
    return this.hooks.track(
      new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          leg.wakeups.delete(done);
          resolve();
        };
        const timer = setTimeout(done, ms);
        leg.wakeups.add(done);
      }),
    );
  }
}
