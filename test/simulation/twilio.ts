/**
 * Twilio as the simulation plays it: what a TwiML document makes a call do, and each call's
 * state at Twilio (talking at a Gather, bridged, ended) with every line Aurora sent it.
 */

/** What Twilio does with one TwiML document, in the order it runs the verbs. */
export type Twiml = {
  /** Every <Say>, as the caller hears it. */
  says: string[];
  /** A <Gather input="speech">: where the caller's words go, and their partial results. */
  gather?: { action: string; partial?: string };
  /** A <Dial>: the number, its action (requested when the dialled leg ends), the screening URL of its <Number>. */
  dial?: { number: string; action?: string; screen?: string };
  /** An explicit <Hangup/>. */
  hangup: boolean;
};

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** XML text or attribute value, unescaped. */
export function unescapeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

const attribute = (attributes: string, name: string): string | undefined => {
  const match = new RegExp(`\\b${name}="([^"]*)"`).exec(attributes);
  return match ? unescapeXml(match[1]) : undefined;
};

/** Reads the verbs of a TwiML document (the twilio library's VoiceResponse output). */
export function parseTwiml(xml: string): Twiml {
  const says = [...xml.matchAll(/<Say\b[^>]*>([\s\S]*?)<\/Say>/g)].map((m) => unescapeXml(m[1]));
  const gatherTag = /<Gather\b([^>]*)>/.exec(xml) ?? /<Gather\b([^>]*)\/>/.exec(xml);
  const dialTag = /<Dial\b([^>]*)>([\s\S]*?)<\/Dial>/.exec(xml);
  const gatherAction = gatherTag ? attribute(gatherTag[1], 'action') : undefined;
  let dial: Twiml['dial'];
  if (dialTag) {
    const numberTag = /<Number\b([^>]*)>([\s\S]*?)<\/Number>/.exec(dialTag[2]);
    dial = {
      number: unescapeXml(numberTag ? numberTag[2] : dialTag[2]).trim(),
      action: attribute(dialTag[1], 'action'),
      screen: numberTag ? attribute(numberTag[1], 'url') : undefined,
    };
  }
  return {
    says,
    gather:
      gatherTag && gatherAction
        ? { action: gatherAction, partial: attribute(gatherTag[1], 'partialResultCallback') }
        : undefined,
    dial,
    hangup: /<Hangup\s*\/>/.test(xml),
  };
}

export type CallState = 'gather' | 'bridged' | 'ended';

/** One call as Twilio has it. */
export type TwilioCall = {
  slot: number;
  callSid: string;
  from: string;
  startedMs: number;
  state: CallState;
  /** The Gather the caller is answering, or the Dial that holds them. */
  doc: Twiml;
  /** Bumped by every call update (redirect): a webhook answer for an older document is dropped. */
  epoch: number;
  /** Every line sent to Twilio for this call: webhook answers and call updates. */
  sent: string[];
  /** Partial results sent so far (their SequenceNumber). */
  partials: number;
  /** Requests so far (each gets its own I-Twilio-Idempotency-Token). */
  requests: number;
  /** Why the call ended, when it has. */
  endedBy?: string;
};

/**
 * What Twilio does after running `doc`: waits at its Gather, or stays in its Dial, or ends the
 * call (an explicit <Hangup/>, or no verb left to run: "If there is no next verb, Twilio will
 * end the phone call", https://www.twilio.com/docs/voice/twiml/dial#action).
 */
export function nextState(doc: Twiml): CallState {
  if (doc.hangup) return 'ended';
  if (doc.gather) return 'gather';
  if (doc.dial) return 'bridged';
  return 'ended';
}

/** The call id and Gather id a Gather's action or partial URL names. */
export function urlParams(url: string): URLSearchParams {
  return new URL(url).searchParams;
}
