/**
 * A simulated Twilio: signed form posts to Aurora's webhooks, exactly as Twilio sends them.
 * It follows the Gather action URL from each TwiML response, and maps the public base URL
 * (what Twilio is configured with and signs) onto the address it actually posts to, as a
 * tunnel or load balancer would.
 *
 * A call moved into a conference (a call update `<Say>…<Start><Transcription/></Start><Dial
 * action><Conference>…`, https://www.twilio.com/docs/voice/twiml/conference) hands the
 * transcription and the conference to the local REST stand-in, which carries them
 * (twilio-calls.ts); while there the caller's words are spoken into the conference (the
 * stand-in transcribes them) instead of answering a Gather, and when the conference ends or
 * the caller is removed, Twilio requests the <Dial action> and the call goes on with its answer
 * (https://www.twilio.com/docs/voice/twiml/dial#action).
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import type { CallUpdate, ConferenceNotice, MemberView } from './twilio-calls.ts';
import { parseTwimlDoc } from './twiml-doc.ts';

const require = createRequire(import.meta.url);
const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks') as {
  getExpectedTwilioSignature: (
    token: string,
    url: string,
    params: Record<string, string>,
  ) => string;
};

export type TwimlTurn = {
  status: number;
  body: string;
  /** What Aurora said, in order. */
  said: string[];
  /** The Gather action URL, if Aurora is listening. */
  gatherAction: string | null;
  hungUp: boolean;
  /** The number a <Dial> connects the caller to. */
  dialed: string | null;
  /** Where the Gather posts partial speech results, if it asks for them. */
  partialAction: string | null;
  /** Wall time of the HTTP round trip, ms. */
  ms: number;
  /** The handler's own timings from its Server-Timing header (handler, responder), ms. */
  serverTiming: Record<string, number>;
  /** Set when the voice webhook failed with this HTTP status and Twilio played the number's fallback URL instead. */
  fallbackFrom?: number;
};

export type SimOptions = {
  /** Where requests go, e.g. http://127.0.0.1:5000. */
  baseUrl: string;
  /** The URL Twilio is configured with and signs; defaults to baseUrl. */
  publicBaseUrl?: string;
  authToken: string;
  from: string;
  to?: string;
  /** The local Twilio REST stand-in, where admin actions' call updates for this call arrive. */
  twilioApi?: string;
  /**
   * The number's fallback URL (a public URL, fetched with GET as preflight configures it): when
   * the voice webhook answers an HTTP error, Twilio fetches this and plays it instead of its own
   * error message. Without it a failed webhook is returned as it is.
   */
  fallbackUrl?: string;
  /** Told each conference notice (who joined, left, muted, what they said) as nextUpdate reads it. */
  onConference?: (notice: ConferenceNotice) => void;
};

/** An update an admin action made to the live call, as the caller experiences it. */
export type CallUpdateHeard = Pick<
  TwimlTurn,
  'said' | 'gatherAction' | 'hungUp' | 'dialed' | 'partialAction'
> & {
  /** The conference the update put the caller in, and who was in it when the caller arrived. */
  conference?: { name: string; members: MemberView[] };
  /** The caller left a conference (it ended, or the caller was removed): this is its <Dial action>'s answer. */
  leftConference?: 'ended' | 'kicked';
};

/** The conference a simulated caller is in, and what it has seen there. */
export type SimConference = {
  name: string;
  sid: string;
  /** Where Twilio asks what next when the caller leaves (the <Dial action>); null: the call ends. */
  dialAction: string | null;
  /** Who else is in it, by CallSid. */
  members: Map<string, string>;
  /** What the others said, as the caller heard it. */
  heard: Array<{ who: string; text: string }>;
};

const nothingHeard = (): CallUpdateHeard => ({
  said: [],
  gatherAction: null,
  hungUp: false,
  dialed: null,
  partialAction: null,
});

export const newCallSid = () => `CA${randomBytes(16).toString('hex')}`;

const decode = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

/** Reads the verbs Aurora uses out of a TwiML document. */
export function parseTwiml(xml: string): CallUpdateHeard {
  const said = [...xml.matchAll(/<Say[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => decode(m[1]!));
  const gather = /<Gather\b[^>]*\baction="([^"]*)"/.exec(xml);
  const dial = /<Dial[^>]*>([^<]+)<\/Dial>/.exec(xml);
  // A <Dial> of several <Number>s rings them all at once (the fallback line's on-call staff).
  const numbers = [
    ...(/<Dial[^>]*>([\s\S]*?)<\/Dial>/.exec(xml)?.[1] ?? '').matchAll(
      /<Number[^>]*>([^<]+)<\/Number>/g,
    ),
  ].map((m) => decode(m[1]!));
  const partial = /<Gather\b[^>]*\bpartialResultCallback="([^"]*)"/.exec(xml);
  return {
    said,
    gatherAction: gather ? decode(gather[1]!) : null,
    hungUp: /<Hangup\s*\/?>/.test(xml),
    dialed: dial ? decode(dial[1]!) : numbers.length > 0 ? numbers.join(', ') : null,
    partialAction: partial ? decode(partial[1]!) : null,
  };
}

export function parseServerTiming(header: string | null): Record<string, number> {
  const timings: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (match) timings[match[1]!] = Number(match[2]);
  }
  return timings;
}

/** Signs and posts one webhook; `timeoutMs` gives up on an answer that takes longer. */
export async function postSigned(
  options: Pick<SimOptions, 'baseUrl' | 'publicBaseUrl' | 'authToken'> & { timeoutMs?: number },
  publicUrl: string,
  params: Record<string, string>,
  signatureOverride?: string | null,
): Promise<TwimlTurn> {
  const publicBase = options.publicBaseUrl ?? options.baseUrl;
  const target = publicUrl.startsWith(publicBase)
    ? options.baseUrl + publicUrl.slice(publicBase.length)
    : publicUrl;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const signature =
    signatureOverride === undefined
      ? getExpectedTwilioSignature(options.authToken, publicUrl, params)
      : signatureOverride;
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  const started = performance.now();
  const res = await fetch(target, {
    method: 'POST',
    headers,
    body: new URLSearchParams(params).toString(),
    ...(options.timeoutMs ? { signal: AbortSignal.timeout(options.timeoutMs) } : {}),
  });
  const body = await res.text();
  const ms = performance.now() - started;
  return {
    status: res.status,
    body,
    ms,
    serverTiming: parseServerTiming(res.headers.get('server-timing')),
    ...parseTwiml(body),
  };
}

/** One phone call, driven step by step. */
export class SimulatedCall {
  readonly callSid = newCallSid();
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  private nextAction: string | null = null;
  private partialAction: string | null = null;
  private partialSequence = 0;
  private updatesSeen = 0;
  private readonly startedAt = Date.now();
  /** The conference the caller is in, while a call update has it there. */
  conference: SimConference | null = null;
  /** Every conference notice this call has read, in order. */
  readonly notices: ConferenceNotice[] = [];
  private readonly options: SimOptions;
  constructor(options: SimOptions) {
    this.options = options;
  }

  private get publicBase() {
    return this.options.publicBaseUrl ?? this.options.baseUrl;
  }

  private params(extra: Record<string, string>): Record<string, string> {
    return {
      AccountSid: this.accountSid,
      CallSid: this.callSid,
      From: this.options.from,
      To: this.options.to ?? '+15550199999',
      Direction: 'inbound',
      ApiVersion: '2010-04-01',
      ...extra,
    };
  }

  private remember<T extends CallUpdateHeard>(turn: T): T {
    this.nextAction = turn.gatherAction;
    this.partialAction = turn.partialAction;
    return turn;
  }

  /** The caller is mid-sentence: Twilio's partial speech result for the current Gather. */
  async speaking(soFar: string, stable = ''): Promise<TwimlTurn> {
    if (!this.partialAction) throw new Error('the current Gather asks for no partial results');
    // As Twilio posts them: the words its recogniser will no longer revise, then the rest so far.
    const params = {
      AccountSid: this.accountSid,
      CallSid: this.callSid,
      SequenceNumber: String(++this.partialSequence),
      StableSpeechResult: stable,
      UnstableSpeechResult: soFar,
    };
    return postSigned(this.options, this.partialAction, params);
  }

  /** The incoming call webhook. */
  async ring(): Promise<TwimlTurn> {
    if (this.options.twilioApi)
      await fetch(`${this.options.twilioApi}/sim/calls/${this.callSid}`, {
        method: 'PUT',
        body: JSON.stringify({ from: this.options.from, to: this.options.to ?? '+15550199999' }),
      });
    const turn = await postSigned(
      this.options,
      `${this.publicBase}/twilio/voice`,
      this.params({ CallStatus: 'ringing' }),
    );
    if (turn.status < 400 || !this.options.fallbackUrl)
      return this.remember(await this.answered(turn));
    return this.remember(await this.fallback(this.options.fallbackUrl, turn.status));
  }

  /** Twilio's fallback request: a GET of the fallback URL, with the failure in ErrorCode (11200: HTTP retrieval failure). */
  private async fallback(publicUrl: string, failedStatus: number): Promise<TwimlTurn> {
    const target = publicUrl.startsWith(this.publicBase)
      ? this.options.baseUrl + publicUrl.slice(this.publicBase.length)
      : publicUrl;
    const query = new URLSearchParams(
      this.params({
        CallStatus: 'ringing',
        ErrorCode: '11200',
        ErrorUrl: `${this.publicBase}/twilio/voice`,
      }),
    );
    const started = performance.now();
    const res = await fetch(`${target}?${query.toString()}`);
    const body = await res.text();
    return {
      status: res.status,
      body,
      ms: performance.now() - started,
      serverTiming: {},
      ...parseTwiml(body),
      fallbackFrom: failedStatus,
    };
  }

  /**
   * The caller speaks (empty: silence); posts to the Gather action Aurora gave last, or, in a
   * conference, speaks into it.
   */
  async say(speech: string): Promise<TwimlTurn> {
    if (this.conference) return this.speak(speech);
    if (!this.nextAction) throw new Error('Aurora is not listening: no Gather action to follow');
    const extra: Record<string, string> = { CallStatus: 'in-progress' };
    if (speech) Object.assign(extra, { SpeechResult: speech, Confidence: '0.92' });
    const turn = await postSigned(this.options, this.nextAction, this.params(extra));
    return this.remember(await this.answered(turn));
  }

  /**
   * The next update an admin action made to this call (waiting up to `waitMs` for one), played
   * as Twilio would: its <Gather> becomes where the caller's next words go, a hang-up ends the
   * call with its status callback, and a <Dial><Conference> puts the caller in the stand-in's
   * conference. Conference notices read meanwhile go to `onConference`; the caller leaving the
   * conference counts as an update: what its <Dial action> answered. Null if none came.
   */
  async nextUpdate(waitMs = 10_000): Promise<CallUpdateHeard | null> {
    const api = this.options.twilioApi;
    if (!api) throw new Error('this call was placed without the Twilio API stand-in');
    const deadline = Date.now() + waitMs;
    for (;;) {
      const wait = Math.max(0, deadline - Date.now());
      const url = `${api}/sim/calls/${this.callSid}/updates?after=${this.updatesSeen}&waitMs=${wait}`;
      const { updates } = (await (await fetch(url)).json()) as { updates: CallUpdate[] };
      if (updates.length === 0) return null;
      for (const update of updates) {
        this.updatesSeen++;
        const heard = update.notice ? await this.notice(update.notice) : await this.play(update);
        if (heard) return heard;
      }
      if (Date.now() >= deadline) return null;
    }
  }

  /** A webhook's answer: what of it only Twilio carries out goes to the stand-in, when there is one. */
  private async answered(turn: TwimlTurn): Promise<TwimlTurn> {
    if (turn.status < 400 && this.options.twilioApi) await this.carryOut(turn.body, turn);
    return turn;
  }

  /** A call update, as the caller hears it; a new document takes the caller out of any conference. */
  private async play(update: CallUpdate): Promise<CallUpdateHeard> {
    const heard: CallUpdateHeard = update.twiml
      ? parseTwiml(update.twiml)
      : { ...nothingHeard(), hungUp: true };
    if (update.status === 'completed') heard.hungUp = true;
    this.conference = null;
    if (update.twiml) await this.carryOut(update.twiml, heard);
    this.remember(heard);
    if (heard.hungUp) await this.status('completed');
    return heard;
  }

  /**
   * What of a TwiML document only Twilio does (transcriptions, a conference) is handed to the
   * stand-in; joining a conference makes it where the caller's words go.
   */
  private async carryOut(twiml: string, heard: CallUpdateHeard) {
    if (!/<(Start|Stop|Conference)\b/.test(twiml)) return;
    const res = await fetch(`${this.options.twilioApi}/sim/calls/${this.callSid}/twiml`, {
      method: 'POST',
      body: JSON.stringify({ twiml }),
    });
    if (!res.ok) throw new Error(`the stand-in refused the call's TwiML: ${await res.text()}`);
    const { conference } = (await res.json()) as {
      conference: { sid: string; name: string; members: MemberView[] } | null;
    };
    if (!conference) return;
    const dial = parseTwimlDoc(twiml).find(
      (verb) => verb.name === 'Dial' && verb.children.some((c) => c.name === 'Conference'),
    );
    const others = conference.members.filter((m) => m.callSid !== this.callSid);
    this.conference = {
      name: conference.name,
      sid: conference.sid,
      dialAction: dial?.attrs.action ?? null,
      members: new Map(others.map((m) => [m.callSid, m.who])),
      heard: [],
    };
    heard.conference = { name: conference.name, members: others };
  }

  /** A conference notice; the caller's own leaving asks its <Dial action> what next, and is heard. */
  private async notice(notice: ConferenceNotice): Promise<CallUpdateHeard | null> {
    this.notices.push(notice);
    this.options.onConference?.(notice);
    const conference = this.conference;
    if (notice.kind === 'join') conference?.members.set(notice.callSid, notice.who);
    if (notice.kind === 'leave') conference?.members.delete(notice.callSid);
    if (notice.kind === 'spoken') conference?.heard.push({ who: notice.who, text: notice.text });
    if (notice.kind !== 'left') return null;
    this.conference = null;
    if (!conference?.dialAction) {
      // Nothing after the <Dial>: the document has run out, and Twilio hangs up.
      await this.status('completed');
      return { ...nothingHeard(), hungUp: true, leftConference: notice.reason };
    }
    const turn = await postSigned(
      this.options,
      conference.dialAction,
      // A <Dial><Conference> that ended was answered (https://www.twilio.com/docs/voice/twiml/dial#dialcallstatus-values).
      this.params({ CallStatus: 'in-progress', DialCallStatus: 'answered' }),
    );
    const heard: CallUpdateHeard = {
      said: turn.said,
      gatherAction: turn.gatherAction,
      // An action Twilio cannot fetch ends the call (https://www.twilio.com/docs/api/errors/11200).
      hungUp: turn.hungUp || turn.status >= 400,
      dialed: turn.dialed,
      partialAction: turn.partialAction,
      leftConference: notice.reason,
    };
    if (turn.status < 400) await this.carryOut(turn.body, heard);
    this.remember(heard);
    if (heard.hungUp) await this.status('completed');
    return heard;
  }

  /** The caller speaks in the conference: the stand-in transcribes it and the others hear it. */
  private async speak(text: string): Promise<TwimlTurn> {
    const started = performance.now();
    const res = text
      ? await fetch(`${this.options.twilioApi}/sim/calls/${this.callSid}/speak`, {
          method: 'POST',
          body: JSON.stringify({ text }),
        })
      : null; // silence: nothing to transcribe
    return {
      ...nothingHeard(),
      status: res?.status ?? 200,
      body: res ? await res.text() : '',
      ms: performance.now() - started,
      serverTiming: {},
    };
  }

  /** Twilio's status callback; terminal statuses carry the call's duration. */
  async status(callStatus: string): Promise<TwimlTurn> {
    if (
      this.options.twilioApi &&
      ['completed', 'busy', 'failed', 'no-answer', 'canceled'].includes(callStatus)
    ) {
      await fetch(`${this.options.twilioApi}/sim/calls/${this.callSid}/end`, { method: 'POST' });
    }
    const extra: Record<string, string> = { CallStatus: callStatus };
    if (callStatus === 'completed')
      extra.CallDuration = String(Math.max(1, Math.round((Date.now() - this.startedAt) / 1000)));
    return postSigned(this.options, `${this.publicBase}/twilio/status`, this.params(extra));
  }
}
