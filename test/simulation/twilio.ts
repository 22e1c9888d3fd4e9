/**
 * Twilio as the simulation plays it: what a TwiML document makes a call do, and each call's
 * state at Twilio (talking at a Gather, bridged, in a conference, ended) with every line Aurora sent it.
 */

/** What Twilio does with one TwiML document, in the order it runs the verbs. */
export type Twiml = {
  /** Every <Say>, as the caller hears it. */
  says: string[];
  /** A <Gather input="speech">: where the caller's words go, and their partial results. */
  gather?: { action: string; partial?: string };
  /** A <Dial>: the number, its action (requested when the dialled leg ends), the screening URL of its <Number>. */
  dial?: { number: string; action?: string; screen?: string; conference?: ConferenceJoin };
  /** An explicit <Hangup/>. */
  hangup: boolean;
  /** <Start><Transcription>: real-time transcriptions started (https://www.twilio.com/docs/voice/twiml/transcription). */
  transcribe: TranscriptionStart[];
  /** <Stop><Transcription name>: the transcriptions stopped, by name. */
  stopTranscriptions: string[];
};

/** <Dial><Conference>: the room and how this participant is in it (https://www.twilio.com/docs/voice/twiml/conference). */
export type ConferenceJoin = {
  name: string;
  statusCallback?: string;
  muted: boolean;
  endConferenceOnExit: boolean;
};

/** One <Start><Transcription>: its name (what <Stop> names), where its callbacks go, and which audio it hears. */
export type TranscriptionStart = { name: string; url?: string; track: string };

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
    const conferenceTag = /<Conference\b([^>]*)>([\s\S]*?)<\/Conference>/.exec(dialTag[2]);
    dial = conferenceTag
      ? {
          number: '',
          action: attribute(dialTag[1], 'action'),
          conference: {
            name: unescapeXml(conferenceTag[2]).trim(),
            statusCallback: attribute(conferenceTag[1], 'statusCallback'),
            // Twilio's defaults: not muted, and leaving does not end the conference.
            muted: attribute(conferenceTag[1], 'muted') === 'true',
            endConferenceOnExit: attribute(conferenceTag[1], 'endConferenceOnExit') === 'true',
          },
        }
      : {
          number: unescapeXml(numberTag ? numberTag[2] : dialTag[2]).trim(),
          action: attribute(dialTag[1], 'action'),
          screen: numberTag ? attribute(numberTag[1], 'url') : undefined,
        };
  }
  const transcriptions = (verb: 'Start' | 'Stop') =>
    [...xml.matchAll(new RegExp(`<${verb}>([\\s\\S]*?)</${verb}>`, 'g'))].flatMap((block) =>
      [...block[1].matchAll(/<Transcription\b([^>]*?)\/?>/g)].map((t) => t[1]),
    );
  return {
    says,
    gather:
      gatherTag && gatherAction
        ? { action: gatherAction, partial: attribute(gatherTag[1], 'partialResultCallback') }
        : undefined,
    dial,
    hangup: /<Hangup\s*\/>/.test(xml),
    // Twilio's default track is both_tracks (https://www.twilio.com/docs/voice/twiml/transcription#track).
    transcribe: transcriptions('Start').map((attributes) => ({
      name: attribute(attributes, 'name') ?? '',
      url: attribute(attributes, 'statusCallbackUrl'),
      track: attribute(attributes, 'track') ?? 'both_tracks',
    })),
    stopTranscriptions: transcriptions('Stop').map((a) => attribute(a, 'name') ?? ''),
  };
}

export type CallState = 'gather' | 'bridged' | 'conference' | 'ended';

/** A real-time transcription running on a call: its TranscriptionSid, callback URL, and the last SequenceId it sent. */
export type Transcription = { sid: string; name: string; url?: string; sequence: number };

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
  /** Its real-time transcriptions running, by name. */
  transcriptions: Map<string, Transcription>;
  /** The ConferenceSid of the conference it is in, while it is a participant. */
  conference?: string;
};

/**
 * What Twilio does after running `doc`: waits at its Gather, or stays in its Dial, or ends the
 * call (an explicit <Hangup/>, or no verb left to run: "If there is no next verb, Twilio will
 * end the phone call", https://www.twilio.com/docs/voice/twiml/dial#action).
 */
export function nextState(doc: Twiml): CallState {
  if (doc.hangup) return 'ended';
  if (doc.gather) return 'gather';
  if (doc.dial?.conference) return 'conference';
  if (doc.dial) return 'bridged';
  return 'ended';
}

/** The call id and Gather id a Gather's action or partial URL names. */
export function urlParams(url: string): URLSearchParams {
  return new URL(url).searchParams;
}
