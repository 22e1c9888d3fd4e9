/**
 * Twilio's side of a call's voice conference, as the simulation plays it (issue 24): the
 * conferences themselves, the human legs (a supervisor's browser, a phone rung by Call me or a
 * transfer), real-time transcription of whoever speaks, and every request Twilio makes about
 * them (conference and leg status callbacks, transcription callbacks, the caller's <Dial action>,
 * an announcement's URL). The functions' real webhook handlers answer each request; what they
 * answer is run here as Twilio would run it. The behaviour modelled, as Twilio documents it:
 * - <Dial><Conference> (https://www.twilio.com/docs/voice/twiml/conference): joining a name with
 *   no conference in progress starts one (every leg here starts it on entering); it ends when a
 *   participant with endConferenceOnExit leaves, when the last participant leaves, or through
 *   the API (https://www.twilio.com/docs/voice/api/conference-resource#update-a-conference-resource),
 *   and every participant leaves with it. Its status callbacks (start, end, join, leave, mute) go
 *   to the statusCallback of the participant that started it; participant-leave carries the
 *   leg's ParticipantCallStatus (https://www.twilio.com/en-us/changelog/participantcallstatus-and-reasonparticipantleft-attributes-added).
 * - A participant whose conference ended goes on with its <Dial action>, or, without one, with
 *   the next verb, and with none the call ends (https://www.twilio.com/docs/voice/twiml/dial#action).
 *   A call update takes a participant out of the conference without its action.
 * - <Start><Transcription> (https://www.twilio.com/docs/voice/twiml/transcription) transcribes
 *   the call's own audio, wherever the call is, until <Stop> names it or the call ends; each
 *   final utterance is a transcription-content callback with the next SequenceId. A callback
 *   answered with a 5xx is tried again up to three times (https://www.twilio.com/docs/api/errors/17580).
 *   As the REST stand-in assumes (scripts/lib/twilio-calls.ts), a leg muted in the conference is
 *   still transcribed, and a second <Start> of a name already running changes nothing.
 * - A phone leg placed through the Calls API rings, then is answered (and runs its TwiML) or
 *   ends busy, no-answer or failed, posting its CallStatus to its StatusCallback
 *   (https://www.twilio.com/docs/voice/api/call-resource#statuscallback); hung up through the API
 *   while it rings, it ends canceled.
 */
import { z } from 'zod';
import { recordTranscription } from '../../functions/src/calls/transcription';
import type { ConferenceParticipant } from '../../functions/src/core/conference';
import { TranscriptionQuery } from '../../functions/src/core/transcription';
import { FirstAnswer } from '../../functions/src/core/firstAnswer';
import * as conferenceWebhooks from '../../functions/src/triggers/conferenceWebhooks';
import { ANSWER_WITHIN_MS, transcriptionWebhook } from '../../functions/src/triggers/webhooks';
import type { Webhook } from '../../functions/src/triggers/twilioWebhook';
import { callSid } from '../helpers/fixtures';
import {
  type ConferenceJoin,
  parseTwiml,
  type Transcription,
  type TwilioCall,
  type Twiml,
  urlParams,
} from './twilio';
import type { World } from './world';

/** How a rung phone answers: a key pressed at its screening (or none), or it never answers. */
export type PhoneAnswer =
  'presses-1' | 'presses-2' | 'presses-nothing' | 'busy' | 'no-answer' | 'failed';

/** A human leg of a call's conference: a supervisor's browser, or a phone the functions rang. */
export type HumanLeg = {
  sid: string;
  /** The caller's call it is for, and its call id as the functions named it. */
  callerSid: string;
  callId: string;
  via: 'browser' | 'phone';
  /** Who speaks on it, as its transcription's URL names them (an admin id, or the number rung). */
  who: string;
  state: 'ringing' | 'answered' | 'ended';
  /** A phone leg's screening TwiML and status callback, as the functions placed it. */
  screening?: string;
  statusCallback?: string;
  /** The ConferenceSid it is in, while it is a participant. */
  conference?: string;
  transcriptions: Map<string, Transcription>;
  endedBy?: string;
};

type Participant = { muted: boolean; endConferenceOnExit: boolean; action?: string };

export type SimConference = {
  sid: string;
  name: string;
  statusCallback?: string;
  running: boolean;
  /** By CallSid: the caller's and the human legs'. */
  participants: Map<string, Participant>;
};

/** A request Twilio makes about a conference, its legs or its transcriptions. */
export type VoiceRequest =
  | {
      kind: 'conference';
      url: string;
      event: string;
      conferenceSid: string;
      callSid?: string;
      muted?: boolean;
      participantCallStatus?: string;
    }
  | { kind: 'leg-status'; url: string; callSid: string; to?: string; status: string }
  | {
      kind: 'transcription';
      url: string;
      callSid: string;
      transcriptionSid: string;
      sequence: number;
      /** Twilio's Timestamp: when the words were spoken. */
      at: string;
      words: string;
      /** The utterance: a caller's words at a Gather that a transcription also heard are one utterance. */
      utterance: string;
    }
  /** The caller's <Dial action> once the conference is over for them; `epoch` is the document it ends. */
  | { kind: 'rejoin'; url: string; callSid: string; callStatus: string; epoch: number }
  /** `auroraFor`: Aurora's reply to that caller's words (made while their transcription callback was answered). */
  | { kind: 'announce'; url: string; conferenceSid: string; auroraFor?: string };

type AnyWebhook = Webhook<z.ZodType>;
const webhook = (name: keyof typeof conferenceWebhooks) =>
  conferenceWebhooks[name] as unknown as AnyWebhook;

/** Twilio's SIDs: two letters and 32 hex digits. */
const sidOf = (prefix: 'CF' | 'GT', n: number) => `${prefix}${n.toString(16).padStart(32, '0')}`;

export class VoiceNetwork {
  readonly conferences = new Map<string, SimConference>();
  readonly legs = new Map<string, HumanLeg>();
  private sids = 0;
  private utterances = 0;

  constructor(private readonly world: World) {}

  // ---- Conferences ----

  running(name: string): SimConference | undefined {
    return [...this.conferences.values()].find((c) => c.running && c.name === name);
  }

  /** The conference a participant is in. */
  private conferenceOf(sid: string): SimConference | undefined {
    const id = this.world.calls.get(sid)?.conference ?? this.legs.get(sid)?.conference;
    return id ? this.conferences.get(id) : undefined;
  }

  /** A call joins the conference its <Dial><Conference> names, starting it if none runs; resolves the ConferenceSid. */
  join(participant: string, join: ConferenceJoin, action?: string): string {
    let conference = this.running(join.name);
    if (!conference) {
      conference = {
        sid: sidOf('CF', ++this.sids),
        name: join.name,
        statusCallback: join.statusCallback,
        running: true,
        participants: new Map(),
      };
      this.conferences.set(conference.sid, conference);
      this.world.note(
        `conference ${conference.sid.slice(-4)} started (${join.name.slice(0, 14)}…)`,
      );
      this.event(conference, 'conference-start');
    }
    conference.participants.set(participant, {
      muted: join.muted,
      endConferenceOnExit: join.endConferenceOnExit,
      action,
    });
    this.world.note(
      `${this.nameOf(participant)} joined the conference${join.muted ? ' muted' : ''}`,
    );
    this.event(conference, 'participant-join', participant, { muted: join.muted });
    return conference.sid;
  }

  /**
   * A participant leaves: it hung up, a call update moved it, the API removed it, or the
   * conference ended. A leaving that ends the conference takes everyone else out with it; a
   * participant the end took out goes on with its <Dial action>, or ends.
   */
  leave(sid: string, reason: 'hangup' | 'redirected' | 'ended') {
    const conference = this.conferenceOf(sid);
    const participant = conference?.participants.get(sid);
    if (!conference || !participant) return;
    conference.participants.delete(sid);
    const caller = this.world.calls.get(sid);
    const leg = this.legs.get(sid);
    if (caller) caller.conference = undefined;
    if (leg) leg.conference = undefined;
    this.world.note(`${this.nameOf(sid)} left the conference (${reason})`);
    this.event(conference, 'participant-leave', sid, {
      muted: participant.muted,
      participantCallStatus: reason === 'hangup' ? 'completed' : 'in-progress',
    });
    if (reason === 'ended') {
      if (caller && participant.action)
        this.world.emit({
          kind: 'rejoin',
          url: participant.action,
          callSid: sid,
          callStatus: 'in-progress',
          epoch: caller.epoch,
        });
      else if (caller) this.world.endAtTwilio(sid, 'its conference ended and no verb followed');
      // A human leg's <Dial> has no action and nothing follows it: the leg's call ends.
      if (leg) this.legEnds(leg, 'completed', 'its conference ended');
      return;
    }
    if (!conference.running) return;
    if (participant.endConferenceOnExit || conference.participants.size === 0)
      this.end(
        conference,
        participant.endConferenceOnExit ? 'its ender left' : 'the last one left',
      );
  }

  /** The conference ends: every participant leaves it, then Twilio reports the end. */
  end(conference: SimConference, why: string) {
    if (!conference.running) return;
    conference.running = false;
    this.world.count(`conference ended: ${why}`);
    this.world.note(`conference ${conference.sid.slice(-4)} ended: ${why}`);
    for (const sid of [...conference.participants.keys()]) this.leave(sid, 'ended');
    this.event(conference, 'conference-end');
  }

  /** The Participants API's Muted: Twilio reports participant-mute or participant-unmute. */
  mute(conferenceSid: string, sid: string, muted: boolean): 'done' | 'gone' {
    const conference = this.conferences.get(conferenceSid);
    const participant = conference?.running ? conference.participants.get(sid) : undefined;
    if (!conference || !participant) return 'gone';
    if (participant.muted !== muted) {
      participant.muted = muted;
      this.world.note(`${this.nameOf(sid)} ${muted ? 'muted' : 'unmuted'}`);
      this.event(conference, muted ? 'participant-mute' : 'participant-unmute', sid, { muted });
    }
    return 'done';
  }

  /**
   * The Participants list (https://www.twilio.com/docs/voice/api/conference-participant-resource):
   * everyone in a running conference, connected, as they joined (muted, ending it on exit); nobody
   * once it has ended. Nobody here is put on hold.
   */
  participantsOf(conferenceSid: string): ConferenceParticipant[] {
    const conference = this.conferences.get(conferenceSid);
    if (!conference?.running) return [];
    return [...conference.participants.entries()].map(([callSid, p]) => ({
      callSid,
      endConferenceOnExit: p.endConferenceOnExit,
      muted: p.muted,
      hold: false,
      status: 'connected',
    }));
  }

  /** Whom the caller of `call` hears in their conference: its joined, unmuted human legs. */
  heardBy(call: TwilioCall): HumanLeg[] {
    const conference = call.conference ? this.conferences.get(call.conference) : undefined;
    if (!conference?.running) return [];
    return [...conference.participants.entries()]
      .filter(([sid, p]) => this.legs.has(sid) && !p.muted)
      .map(([sid]) => this.legs.get(sid)!);
  }

  /** Whether the caller hears `leg` now: both in the same running conference, the leg not muted. */
  heard(leg: HumanLeg): boolean {
    const caller = this.world.calls.get(leg.callerSid);
    return !!caller && this.heardBy(caller).includes(leg);
  }

  private event(
    conference: SimConference,
    event: string,
    sid?: string,
    extra: { muted?: boolean; participantCallStatus?: string } = {},
  ) {
    if (!conference.statusCallback) return;
    this.world.emit({
      kind: 'conference',
      url: conference.statusCallback,
      event,
      conferenceSid: conference.sid,
      ...(sid ? { callSid: sid } : {}),
      ...extra,
    });
  }

  private nameOf(sid: string): string {
    const call = this.world.calls.get(sid);
    if (call) return `the caller of call ${call.slot}`;
    const leg = this.legs.get(sid);
    return leg ? `${leg.who}'s ${leg.via} leg` : sid;
  }

  // ---- Real-time transcription ----

  /** The <Start> and <Stop> of <Transcription>s in a document a call (the caller's, or a leg's) runs. */
  transcriptionVerbs(
    owner: { callSid: string; transcriptions: Map<string, Transcription> },
    doc: Twiml,
  ) {
    for (const name of doc.stopTranscriptions) this.stopTranscription(owner, name);
    for (const start of doc.transcribe) {
      if (owner.transcriptions.has(start.name)) {
        this.world.count('a transcription started twice (the second changes nothing)');
        continue;
      }
      // The caller's and a leg's transcription hear their inbound track: what that call says.
      if (start.track === 'outbound_track') continue;
      owner.transcriptions.set(start.name, {
        sid: sidOf('GT', ++this.sids),
        name: start.name,
        url: start.url,
        sequence: 0,
      });
    }
  }

  stopTranscription(owner: { transcriptions: Map<string, Transcription> }, name: string) {
    owner.transcriptions.delete(name);
  }

  /**
   * Someone on a call says `words`: each transcription running on it posts them as final
   * content. `utterance` names the words once, however many requests carry them.
   */
  spoken(
    owner: { callSid: string; transcriptions: Map<string, Transcription> },
    words: string,
    utterance?: string,
  ): number {
    const id = utterance ?? `${owner.callSid}-said-${++this.utterances}`;
    let posted = 0;
    for (const transcription of owner.transcriptions.values()) {
      transcription.sequence++;
      if (!transcription.url) continue;
      posted++;
      this.world.emit({
        kind: 'transcription',
        url: transcription.url,
        callSid: owner.callSid,
        transcriptionSid: transcription.sid,
        sequence: transcription.sequence,
        at: this.world.clock().toISOString(),
        words,
        utterance: id,
      });
    }
    return posted;
  }

  // ---- Human legs ----

  /** The Calls API placed a phone leg (Call me, Transfer): it rings. */
  placeLeg(sid: string, to: string, twiml: string, statusCallback: string) {
    const query = urlParams(statusCallback);
    const callId = query.get('call') ?? '';
    const leg: HumanLeg = {
      sid,
      callerSid: this.world.callerSidOf(callId) ?? '',
      callId,
      via: 'phone',
      who: query.get('who') ?? to,
      state: 'ringing',
      screening: twiml,
      statusCallback,
      transcriptions: new Map(),
    };
    this.legs.set(sid, leg);
    this.world.count('a phone leg rang');
    this.world.note(`${to} rings (${query.get('role')})`);
  }

  /** The live legs in the order they were placed: what a step's `pick` chooses among. */
  legsIn(state: 'ringing' | 'answered'): HumanLeg[] {
    return [...this.legs.values()].filter((leg) => leg.state === state);
  }

  /** A rung phone is answered (a key pressed at its screening, or none), or it never is. */
  async phoneAnswers(leg: HumanLeg, answer: PhoneAnswer) {
    this.world.count(`phone: ${answer}`);
    if (answer === 'busy' || answer === 'no-answer' || answer === 'failed')
      return this.legEnds(leg, answer, `the phone was ${answer}`);
    leg.state = 'answered';
    this.world.emit({
      kind: 'leg-status',
      url: leg.statusCallback!,
      callSid: leg.sid,
      to: leg.who,
      status: 'in-progress',
    });
    const screening = parseTwiml(leg.screening!);
    if (answer === 'presses-nothing' || !screening.gather)
      return this.legEnds(leg, 'completed', 'nobody pressed a key: goodbye');
    const digits = answer === 'presses-1' ? '1' : '2';
    const legHook = webhook('legWebhook');
    const body = { CallSid: leg.sid, To: leg.who, Digits: digits };
    const twiml = await this.runWebhook(legHook, body, screening.gather.action);
    this.world.note(`${leg.who} pressed ${digits}: ${summarizeLeg(twiml)}`);
    await this.runLegTwiml(leg, twiml);
  }

  /** A supervisor's browser connects (the Voice SDK's device.connect: Twilio asks the TwiML App's Voice URL). */
  async browserConnects(callId: string, uid: string, mode: 'talk' | 'listen', retried: boolean) {
    const sid = callSid(0x700 + ++this.sids);
    const leg: HumanLeg = {
      sid,
      callerSid: this.world.callerSidOf(callId) ?? '',
      callId,
      via: 'browser',
      who: uid,
      state: 'answered',
      transcriptions: new Map(),
    };
    this.legs.set(sid, leg);
    const browser = webhook('browserWebhook');
    const body = { CallSid: sid, From: `client:${uid}`, callId, mode };
    const url = `${this.world.deps.settings.publicBaseUrl}/twilio/browser`;
    let twiml = await this.runWebhook(browser, body, url);
    if (retried) {
      // Twilio timed out and asked again (same CallSid): the second answer is the one run.
      this.world.note(`browser leg answered (Twilio no longer waited): ${summarizeLeg(twiml)}`);
      twiml = await this.runWebhook(browser, body, url);
    }
    const joins = !!parseTwiml(twiml).dial?.conference;
    this.world.count(`browser ${mode}: ${joins ? 'joins' : 'refused'}`);
    this.world.note(`${uid}'s browser (${mode}): ${summarizeLeg(twiml)}`);
    await this.runLegTwiml(leg, twiml);
  }

  /** A leg runs what the functions answered: it joins the conference (transcribed), or hears a line and hangs up. */
  private async runLegTwiml(leg: HumanLeg, twiml: string) {
    if (leg.state === 'ended') return;
    const doc = parseTwiml(twiml);
    this.transcriptionVerbs({ callSid: leg.sid, transcriptions: leg.transcriptions }, doc);
    const conference = doc.dial?.conference;
    if (conference) {
      leg.conference = this.join(leg.sid, conference, doc.dial!.action);
      // Who speaks on the leg, by the name its transcription's URL carries (the functions' name for them).
      const url = [...leg.transcriptions.values()][0]?.url;
      if (url) leg.who = urlParams(url).get('who') ?? leg.who;
      return;
    }
    this.legEnds(leg, 'completed', doc.hangup ? 'told goodbye' : 'no verb left to run');
  }

  /** A leg's call ends: it leaves its conference, its transcriptions stop, a phone leg's status callback says how. */
  legEnds(leg: HumanLeg, status: string, why: string) {
    if (leg.state === 'ended') return;
    leg.state = 'ended';
    leg.endedBy = why;
    this.world.voice.gone.add(leg.sid);
    this.leave(leg.sid, 'hangup');
    leg.transcriptions.clear();
    this.world.note(`${leg.who}'s ${leg.via} leg ended (${status}): ${why}`);
    if (leg.statusCallback)
      this.world.emit({
        kind: 'leg-status',
        url: leg.statusCallback,
        callSid: leg.sid,
        to: leg.who,
        status,
      });
  }

  /** A human on a leg says `words`: heard by the caller or not, and transcribed either way. */
  humanSays(leg: HumanLeg, words: string) {
    const heard = this.heard(leg);
    this.world.tracker.humanSpoke(leg.callerSid, leg.who, words, heard);
    const posted = this.spoken({ callSid: leg.sid, transcriptions: leg.transcriptions }, words);
    this.world.count(
      `a human spoke ${heard ? 'heard' : 'unheard'}${posted ? '' : ', untranscribed'}`,
    );
    this.world.note(
      `${leg.who} says "${words}" (${heard ? 'the caller hears it' : 'the caller cannot hear it'})`,
    );
  }

  // ---- Twilio's requests, delivered ----

  async deliver(request: VoiceRequest): Promise<void> {
    switch (request.kind) {
      case 'conference': {
        const body = {
          ConferenceSid: request.conferenceSid,
          StatusCallbackEvent: request.event,
          ...(request.callSid ? { CallSid: request.callSid } : {}),
          ...(request.muted !== undefined ? { Muted: String(request.muted) } : {}),
          ...(request.participantCallStatus
            ? { ParticipantCallStatus: request.participantCallStatus }
            : {}),
        };
        await this.callback(
          webhook('conferenceWebhook'),
          body,
          request.url,
          `conference ${request.event}`,
        );
        return;
      }
      case 'leg-status': {
        const body = { CallSid: request.callSid, To: request.to, CallStatus: request.status };
        await this.callback(
          webhook('legStatusWebhook'),
          body,
          request.url,
          `leg status ${request.status}`,
        );
        return;
      }
      case 'transcription':
        return this.transcription(request);
      case 'rejoin':
        return this.rejoin(request);
      case 'announce':
        return this.announcement(request);
    }
  }

  /**
   * A status callback. Twilio retries one the functions answered with a 500 only when its URL asks
   * it to, in its fragment: `rc` retries (at most 5) under a retry policy `rp` that names 5xx or
   * all (the default, ct, is a connection timeout only):
   * https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides.
   */
  private async callback(hook: AnyWebhook, body: object, url: string, what: string) {
    const fragment = new URLSearchParams(new URL(url).hash.slice(1));
    const policy = (fragment.get('rp') ?? 'ct').split(',');
    const retries =
      policy.includes('5xx') || policy.includes('all')
        ? Math.min(5, Number(fragment.get('rc') ?? 0) || 0)
        : 0;
    if (!queryTaken(hook, url)) {
      this.world.count(`${what}: refused (400)`);
      this.world.note(`${what} refused its query (400, never retried)`);
      return;
    }
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        await hook.run(
          hook.schema.parse(body),
          this.world.deps,
          urlParams(url),
          {},
          { answer: new FirstAnswer() },
        );
        this.world.count(`${what}: delivered`);
        this.world.note(
          `${what}${'CallSid' in body ? ` (${String(body.CallSid).slice(-3)})` : ''}: delivered`,
        );
        return;
      } catch (err) {
        this.world.count(`${what}: failed`);
        this.world.note(
          `${what} failed (${attempt < retries ? 'Twilio tries again' : 'not retried'}): ${String(err)}`,
        );
      }
    }
  }

  /** A transcription callback, as the webhook runs it; a failure is tried again up to three times (17580). */
  private async transcription(request: Extract<VoiceRequest, { kind: 'transcription' }>) {
    const event = transcriptionWebhook.schema.parse({
      CallSid: request.callSid,
      TranscriptionSid: request.transcriptionSid,
      TranscriptionEvent: 'transcription-content',
      SequenceId: String(request.sequence),
      Timestamp: request.at,
      TranscriptionData: JSON.stringify({ transcript: request.words, confidence: 0.92 }),
      Final: 'true',
      Track: 'inbound_track',
      LanguageCode: 'en-US',
    });
    if (!queryTaken(transcriptionWebhook as unknown as AnyWebhook, request.url)) {
      this.world.count('transcription callback refused (400)');
      this.world.note(`transcription "${request.words}" refused its query (400, never retried)`);
      return;
    }
    const { call, speaker, who } = TranscriptionQuery.parse(
      Object.fromEntries(urlParams(request.url)),
    );
    for (let attempt = 1; attempt <= 4; attempt++) {
      // The caller's words may be answered by Aurora in the conference (nobody holding the call):
      // what was there before, and every announcement made meanwhile is hers (nothing else runs).
      const before =
        speaker === 'caller' ? this.world.tracker.beforeCallerWords(request.callSid) : undefined;
      this.answering = speaker === 'caller' ? request.callSid : null;
      try {
        const outcome = await recordTranscription(
          { callId: call, speaker, who, event },
          this.world.deps,
        );
        this.world.count(`transcription (${speaker}): ${outcome}`);
        if (before?.auroraAnswers)
          this.world.count(`transcription (caller): ${outcome}, while Aurora answers them`);
        this.world.note(
          `transcription "${request.words}" (${speaker}, #${request.sequence}): ${outcome}`,
        );
        await this.world.tracker.transcribed(request, speaker, outcome, before);
        return;
      } catch (err) {
        this.world.count('transcription callback failed');
        this.world.note(
          `transcription "${request.words}" failed (${attempt < 4 ? 'Twilio tries again' : 'Twilio gives up'}): ${String(err)}`,
        );
      } finally {
        this.answering = null;
      }
    }
  }

  /** The caller whose transcription callback is being answered: an announcement made now is Aurora's reply. */
  answering: string | null = null;

  /**
   * The caller's <Dial action>: the conference is over for them. Twilio runs the answer on the
   * call, unless a call update replaced the document meanwhile or the caller has hung up.
   */
  private async rejoin(request: Extract<VoiceRequest, { kind: 'rejoin' }>) {
    const call = this.world.calls.get(request.callSid);
    if (!call) return;
    const hook = webhook('rejoinWebhook');
    const body = {
      CallSid: request.callSid,
      CallStatus: request.callStatus,
      DialCallStatus: 'answered',
    };
    const twiml = await this.runWebhook(hook, body, request.url);
    if (request.callStatus !== 'in-progress') {
      this.world.note(
        `<Dial action> after the caller hung up: ${summarizeLeg(twiml)} (nobody to run it on)`,
      );
      return;
    }
    call.sent.push(...parseTwiml(twiml).says);
    const fate =
      call.state === 'ended' ? 'call-over' : call.epoch !== request.epoch ? 'dropped' : 'used';
    this.world.count(`<Dial action> after the conference answered (${fate})`);
    this.world.note(`<Dial action> after the conference (${fate}): ${summarizeLeg(twiml)}`);
    if (fate !== 'used') return;
    this.world.execute(call, twiml);
    this.world.tracker.bridgeEnded(call, 'the conference ended', twiml);
  }

  /** Twilio fetches the AnnounceUrl and plays its answer to everyone in the conference, if it still runs. */
  private async announcement(request: Extract<VoiceRequest, { kind: 'announce' }>) {
    const conference = this.conferences.get(request.conferenceSid);
    const twiml = await this.runWebhook(
      webhook('announceWebhook'),
      { ConferenceSid: request.conferenceSid },
      request.url,
    );
    if (!conference?.running) {
      this.world.note(`announcement into an ended conference: nobody heard ${summarizeLeg(twiml)}`);
      return;
    }
    const says = parseTwiml(twiml).says;
    for (const sid of conference.participants.keys()) this.world.calls.get(sid)?.sent.push(...says);
    if (request.auroraFor) this.world.tracker.auroraAnnounced(request.auroraFor, says);
    this.world.count('announced into the conference');
    this.world.note(`announced into the conference: ${summarizeLeg(twiml)}`);
  }

  /**
   * A webhook that answers TwiML, as triggers/twilioWebhook.ts runs it: a query it does not take
   * is a 400, a throw its onFailure's answer or a 500. Twilio, given no TwiML, ends the call
   * (11200, https://www.twilio.com/docs/api/errors/11200).
   */
  private async runWebhook(hook: AnyWebhook, body: object, url: string): Promise<string> {
    const request = { answer: new FirstAnswer(), deadline: performance.now() + ANSWER_WITHIN_MS };
    const path = new URL(url).pathname;
    if (!queryTaken(hook, url)) {
      this.world.count(`${path} answered 400`);
      this.world.note(`${path} refused its query (400): Twilio ends the call`);
      return FETCH_FAILED;
    }
    try {
      return await hook.run(hook.schema.parse(body), this.world.deps, urlParams(url), {}, request);
    } catch (err) {
      this.world.note(`${path} threw: ${String(err)}`);
      if (hook.onFailure) return hook.onFailure(this.world.deps);
      this.world.count(`${path} answered 500`);
      return FETCH_FAILED;
    }
  }
}

/** What Twilio does when it could not fetch TwiML: it ends the call. */
const FETCH_FAILED = '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>';

/** Whether the webhook takes the query of `url` (our URLs name what a request is about); else it answers 400. */
const queryTaken = (hook: AnyWebhook, url: string) =>
  !hook.query || hook.query.safeParse(Object.fromEntries(urlParams(url))).success;

/** A leg's or the caller's TwiML in a few words. */
function summarizeLeg(twiml: string): string {
  const doc = parseTwiml(twiml);
  const said = doc.says.map((s) => `"${s.length > 50 ? `${s.slice(0, 47)}...` : s}"`).join(' ');
  const next = doc.dial?.conference
    ? ` <Conference${doc.dial.conference.muted ? ' muted' : ''}>`
    : doc.gather
      ? ' <Gather>'
      : doc.hangup
        ? ' <Hangup/>'
        : '';
  return `${said || '(silence)'}${next}`;
}
