/**
 * A simulated Twilio: signed form posts to Aurora's webhooks, exactly as Twilio sends them.
 * It follows the Gather action URL from each TwiML response, and maps the public base URL
 * (what Twilio is configured with and signs) onto the address it actually posts to, as a
 * tunnel or load balancer would.
 */
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { getExpectedTwilioSignature } = require('twilio/lib/webhooks/webhooks') as {
  getExpectedTwilioSignature(token: string, url: string, params: Record<string, string>): string;
};

export type TwimlTurn = {
  status: number;
  body: string;
  /** What Aurora said, in order. */
  said: string[];
  /** The Gather action URL, if Aurora is listening. */
  gatherAction: string | null;
  hungUp: boolean;
  /** Wall time of the HTTP round trip, ms. */
  ms: number;
  /** The handler's own timings from its Server-Timing header (handler, responder), ms. */
  serverTiming: Record<string, number>;
};

export type SimOptions = {
  /** Where requests go, e.g. http://127.0.0.1:5000. */
  baseUrl: string;
  /** The URL Twilio is configured with and signs; defaults to baseUrl. */
  publicBaseUrl?: string;
  authToken: string;
  from: string;
  to?: string;
};

export const newCallSid = () => `CA${randomBytes(16).toString('hex')}`;

const decode = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

/** Reads the verbs Aurora uses out of a TwiML document. */
export function parseTwiml(xml: string): Pick<TwimlTurn, 'said' | 'gatherAction' | 'hungUp'> {
  const said = [...xml.matchAll(/<Say[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => decode(m[1]!));
  const gather = /<Gather\b[^>]*\baction="([^"]*)"/.exec(xml);
  return { said, gatherAction: gather ? decode(gather[1]!) : null, hungUp: /<Hangup\s*\/?>/.test(xml) };
}

export function parseServerTiming(header: string | null): Record<string, number> {
  const timings: Record<string, number> = {};
  for (const part of (header ?? '').split(',')) {
    const match = /^\s*([\w-]+);dur=([\d.]+)/.exec(part);
    if (match) timings[match[1]!] = Number(match[2]);
  }
  return timings;
}

/** Signs and posts one webhook. */
export async function postSigned(
  options: Pick<SimOptions, 'baseUrl' | 'publicBaseUrl' | 'authToken'>,
  publicUrl: string,
  params: Record<string, string>,
  signatureOverride?: string | null,
): Promise<TwimlTurn> {
  const publicBase = options.publicBaseUrl ?? options.baseUrl;
  const target = publicUrl.startsWith(publicBase) ? options.baseUrl + publicUrl.slice(publicBase.length) : publicUrl;
  const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded' };
  const signature = signatureOverride === undefined ? getExpectedTwilioSignature(options.authToken, publicUrl, params) : signatureOverride;
  if (signature !== null) headers['X-Twilio-Signature'] = signature;
  const started = performance.now();
  const res = await fetch(target, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
  const body = await res.text();
  const ms = performance.now() - started;
  return { status: res.status, body, ms, serverTiming: parseServerTiming(res.headers.get('server-timing')), ...parseTwiml(body) };
}

/** One phone call, driven step by step. */
export class SimulatedCall {
  readonly callSid = newCallSid();
  readonly accountSid = `AC${randomBytes(16).toString('hex')}`;
  private nextAction: string | null = null;
  private readonly startedAt = Date.now();
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

  private remember(turn: TwimlTurn): TwimlTurn {
    this.nextAction = turn.gatherAction;
    return turn;
  }

  /** The incoming call webhook. */
  async ring(): Promise<TwimlTurn> {
    return this.remember(await postSigned(this.options, `${this.publicBase}/twilio/voice`, this.params({ CallStatus: 'ringing' })));
  }

  /** The caller speaks (empty: silence); posts to the Gather action Aurora gave last. */
  async say(speech: string): Promise<TwimlTurn> {
    if (!this.nextAction) throw new Error('Aurora is not listening: no Gather action to follow');
    const extra: Record<string, string> = { CallStatus: 'in-progress' };
    if (speech) Object.assign(extra, { SpeechResult: speech, Confidence: '0.92' });
    return this.remember(await postSigned(this.options, this.nextAction, this.params(extra)));
  }

  /** Twilio's status callback; terminal statuses carry the call's duration. */
  async status(callStatus: string): Promise<TwimlTurn> {
    const extra: Record<string, string> = { CallStatus: callStatus };
    if (callStatus === 'completed') extra.CallDuration = String(Math.max(1, Math.round((Date.now() - this.startedAt) / 1000)));
    return postSigned(this.options, `${this.publicBase}/twilio/status`, this.params(extra));
  }
}
