import type { Log } from '../core/log';
import { AuroraError, NotConfigured } from '../core/errors';
import { maskPhone } from '../core/masking';
import { MAX_UPDATE_TWIML_CHARS } from '../core/twiml';
import type { LiveVoice, Sms } from '../ports';

/** Twilio's answer for a call that is not in progress (completed, or never existed). */
const CALL_NOT_IN_PROGRESS = 21220;
/** Twilio's "resource not found" (a conference or participant that has gone): https://www.twilio.com/docs/api/errors/20404 */
const NOT_FOUND = 20404;
/**
 * Twilio's answer (HTTP 400) to an update of a conference that has ended: "Conference does not
 * exist or is completed" (https://www.twilio.com/docs/api/errors/16022; a 400 "Bad request" on
 * ending a conference whose last participant had left: https://github.com/twilio/twilio-node/issues/663).
 */
const CONFERENCE_COMPLETED = 16022;
/** Twilio's call states while a call is still going; the rest are final. */
const LIVE_STATES = new Set(['queued', 'ringing', 'in-progress']);

export type TwilioAccount = {
  accountSid: string;
  authToken: string;
  /** Where Twilio's REST API is; a local stand-in in development. */
  apiBaseUrl: string;
  /** The Twilio number text messages come from; empty when none is configured. */
  smsFrom: string;
};

type RestError = { status?: number; code?: number; message?: string };
const isGone = (err: unknown) => {
  const { status, code } = (err ?? {}) as RestError;
  return (
    status === 404 ||
    code === NOT_FOUND ||
    code === CALL_NOT_IN_PROGRESS ||
    code === CONFERENCE_COMPLETED
  );
};

/** A Twilio refusal (or an unreachable Twilio) as an error whose message an admin can read. */
export function twilioRefusal(what: string, err: unknown): AuroraError {
  const { status, code, message } = (err ?? {}) as RestError;
  const reason = code
    ? `Twilio error ${code}: ${message ?? 'refused'}`
    : status
      ? `HTTP ${status}`
      : `Twilio could not be reached (${String(err)})`;
  return new AuroraError(`${what} failed: ${reason}`, {
    retryable: !code || (status ?? 500) >= 500 || status === 429,
    cause: err,
  });
}

/**
 * A twilio SDK client whose requests go to `apiBaseUrl` (Twilio's own by default): the SDK's
 * request client is kept and only the origin of each URI is swapped.
 */
export function twilioClient(account: TwilioAccount) {
  const twilio = require('twilio') as typeof import('twilio');
  const inner = new twilio.RequestClient({ timeout: 5000 });
  const base = new URL(account.apiBaseUrl);
  const httpClient = Object.assign(Object.create(inner) as typeof inner, {
    request: (opts: Parameters<typeof inner.request>[0]) => {
      const uri = new URL(opts.uri);
      uri.protocol = base.protocol;
      uri.host = base.host;
      return inner.request({ ...opts, uri: uri.href });
    },
  });
  return twilio(account.accountSid, account.authToken, { httpClient });
}

/**
 * The live call through Twilio's "update a call" and "fetch a call"; announcements through
 * "create a call" from `callerId` (a number on the account, https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource).
 */
export function twilioVoice(client: ReturnType<typeof twilioClient>, callerId = ''): LiveVoice {
  const update = async (callSid: string, params: { twiml: string } | { status: 'completed' }) => {
    try {
      await client.calls(callSid).update(params);
      return 'done' as const;
    } catch (err) {
      if (isGone(err)) return 'gone' as const;
      throw twilioRefusal('Updating the call', err);
    }
  };
  return {
    redirect: async (callSid, twiml) => {
      // Refused here as Twilio would refuse it, without a round trip.
      if (twiml.length > MAX_UPDATE_TWIML_CHARS) {
        throw new AuroraError(
          `Updating the call failed: ${twiml.length} characters of TwiML is over Twilio's ${MAX_UPDATE_TWIML_CHARS} (error 32018)`,
        );
      }
      return update(callSid, { twiml });
    },
    hangUp: (callSid) => update(callSid, { status: 'completed' }),
    async status(callSid) {
      try {
        const call = await client.calls(callSid).fetch();
        return LIVE_STATES.has(call.status) ? 'live' : 'ended';
      } catch (err) {
        if ((err as RestError).status === 404) return 'ended';
        throw twilioRefusal('Asking Twilio about the call', err);
      }
    },
    async announce(to, twiml) {
      if (!callerId)
        throw new NotConfigured(
          'No number to call from is configured (TWILIO_SMS_FROM): nobody was phoned.',
        );
      // Inline TwiML, as in a call update: at most 4,000 characters (https://www.twilio.com/docs/api/errors/32018).
      if (twiml.length > MAX_UPDATE_TWIML_CHARS)
        throw new AuroraError(
          `Phoning ${maskPhone(to)} failed: ${twiml.length} characters of TwiML is over Twilio's ${MAX_UPDATE_TWIML_CHARS}`,
        );
      try {
        const call = await client.calls.create({ to, from: callerId, twiml });
        return { sid: call.sid };
      } catch (err) {
        throw twilioRefusal(`Phoning ${maskPhone(to)}`, err);
      }
    },
    async dial(to, twiml, { statusCallback, ringSeconds, timeLimitSeconds }) {
      if (!callerId)
        throw new NotConfigured(
          'No number to call from is configured (TWILIO_SMS_FROM): nobody was rung.',
        );
      if (twiml.length > MAX_UPDATE_TWIML_CHARS)
        throw new AuroraError(
          `Ringing ${maskPhone(to)} failed: ${twiml.length} characters of TwiML is over Twilio's ${MAX_UPDATE_TWIML_CHARS}`,
        );
      try {
        // Create a call (https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource):
        // Timeout is how long it rings before no-answer, TimeLimit the longest it may last, and
        // StatusCallbackEvent asks for the answered and completed callbacks (completed alone is the default).
        const call = await client.calls.create({
          to,
          from: callerId,
          twiml,
          statusCallback,
          statusCallbackMethod: 'POST',
          statusCallbackEvent: ['answered', 'completed'],
          timeout: ringSeconds,
          ...(timeLimitSeconds ? { timeLimit: timeLimitSeconds } : {}),
        });
        return { sid: call.sid };
      } catch (err) {
        throw twilioRefusal(`Ringing ${maskPhone(to)}`, err);
      }
    },
    async muteMember(conferenceSid, callSid, muted) {
      try {
        // Update a participant's Muted (https://www.twilio.com/docs/voice/api/conference-participant-resource#update-a-participant-resource).
        await client.conferences(conferenceSid).participants(callSid).update({ muted });
        return 'done';
      } catch (err) {
        if (isGone(err)) return 'gone';
        throw twilioRefusal(muted ? 'Muting the line' : 'Unmuting the line', err);
      }
    },
    async endConference(conferenceSid) {
      try {
        // Status=completed ends the conference and drops every participant
        // (https://www.twilio.com/docs/voice/api/conference-resource#update-a-conference-resource).
        await client.conferences(conferenceSid).update({ status: 'completed' });
        return 'done';
      } catch (err) {
        if (isGone(err)) return 'gone';
        throw twilioRefusal('Ending the conference', err);
      }
    },
    async announceToConference(conferenceSid, announceUrl) {
      try {
        // AnnounceUrl on the Conference resource: Twilio requests it with AnnounceMethod (POST,
        // as every webhook here) and plays what it answers to every participant
        // (https://www.twilio.com/docs/voice/api/conference-resource#update-a-conference-resource).
        await client.conferences(conferenceSid).update({ announceUrl, announceMethod: 'POST' });
        return 'done';
      } catch (err) {
        if (isGone(err)) return 'gone';
        throw twilioRefusal('Speaking into the conference', err);
      }
    },
    async conferenceSid(name) {
      try {
        // Read conferences by FriendlyName and Status (https://www.twilio.com/docs/voice/api/conference-resource#read-multiple-conference-resources).
        const running = await client.conferences.list({
          friendlyName: name,
          status: 'in-progress',
          limit: 1,
        });
        return running[0]?.sid ?? null;
      } catch (err) {
        throw twilioRefusal('Finding the conference', err);
      }
    },
    async participants(conferenceSid) {
      try {
        // Read multiple Participant resources (https://www.twilio.com/docs/voice/api/conference-participant-resource):
        // only participants of a conference not completed are listed, and list() follows
        // next_page_uri through every page. A conference that has gone is not found (20404).
        const listed = await client.conferences(conferenceSid).participants.list();
        return listed.map((p) => ({
          callSid: p.callSid,
          endConferenceOnExit: p.endConferenceOnExit,
          muted: p.muted,
          hold: p.hold,
          status: p.status,
        }));
      } catch (err) {
        if (isGone(err)) return [];
        throw twilioRefusal('Listing the conference', err);
      }
    },
  };
}

export function twilioSms(client: ReturnType<typeof twilioClient>, from: string): Sms {
  return {
    async send(to, body, statusCallback) {
      if (!from)
        throw new NotConfigured(
          'No sender number is configured (TWILIO_SMS_FROM): the text was not sent.',
        );
      try {
        // Twilio posts the text's status changes to statusCallback (https://www.twilio.com/docs/messaging/guides/track-outbound-message-status).
        const message = await client.messages.create({
          to,
          from,
          body,
          ...(statusCallback ? { statusCallback } : {}),
        });
        return { sid: message.sid };
      } catch (err) {
        throw twilioRefusal(`Texting ${maskPhone(to)}`, err);
      }
    },
  };
}

const NO_ACCOUNT = 'Twilio is not configured on this deployment (TWILIO_ACCOUNT_SID is empty)';

/** Deployed without a Twilio account: every request fails loudly, so nothing reports success that did not happen. */
export function unconfiguredVoice(): LiveVoice {
  const refuse = async (): Promise<never> => {
    throw new NotConfigured(`${NO_ACCOUNT}: nothing was sent to the call.`);
  };
  return {
    redirect: refuse,
    hangUp: refuse,
    status: refuse,
    announce: refuse,
    dial: refuse,
    muteMember: refuse,
    endConference: refuse,
    announceToConference: refuse,
    conferenceSid: refuse,
    participants: refuse,
  };
}

export function unconfiguredSms(): Sms {
  return {
    async send() {
      throw new NotConfigured(`${NO_ACCOUNT}: the text was not sent.`);
    },
  };
}

/** The TwiML verbs a document uses, which is what the emulators log of it (its words are transcript). */
const verbsOf = (twiml: string) =>
  [...twiml.matchAll(/<(Say|Gather|Dial|Hangup)\b/g)].map((m) => m[1]);

/**
 * In the local emulators without a Twilio account: logs what would have been sent (which
 * verbs, not the words: they are transcript) and reports the call reached. Never deployed.
 */
export function recordingVoice(log: Log): LiveVoice {
  let placed = 0;
  return {
    async redirect(callSid, twiml) {
      log.info('twilio call update (not sent: emulators without TWILIO_ACCOUNT_SID)', {
        callSid,
        verbs: verbsOf(twiml),
      });
      return 'done';
    },
    async hangUp(callSid) {
      log.info('twilio call hang-up (not sent: emulators without TWILIO_ACCOUNT_SID)', { callSid });
      return 'done';
    },
    async status() {
      return 'ended';
    },
    async announce(to, twiml) {
      log.warn('twilio outbound call (not placed: emulators without TWILIO_ACCOUNT_SID)', {
        to: maskPhone(to),
        verbs: verbsOf(twiml),
      });
      return { sid: `CAlocal${++placed}` };
    },
    async dial(to, twiml) {
      log.warn('twilio phone leg (not placed: emulators without TWILIO_ACCOUNT_SID)', {
        to: maskPhone(to),
        verbs: verbsOf(twiml),
      });
      return { sid: `CAlocal${++placed}` };
    },
    async muteMember(conferenceSid, callSid, muted) {
      log.info('twilio participant update (not sent: emulators without TWILIO_ACCOUNT_SID)', {
        conferenceSid,
        callSid,
        muted,
      });
      return 'done';
    },
    async endConference(conferenceSid) {
      log.info('twilio conference end (not sent: emulators without TWILIO_ACCOUNT_SID)', {
        conferenceSid,
      });
      return 'done';
    },
    async announceToConference(conferenceSid) {
      log.info('twilio conference announcement (not sent: emulators without TWILIO_ACCOUNT_SID)', {
        conferenceSid,
      });
      return 'done';
    },
    // No conference runs without Twilio.
    async conferenceSid() {
      return null;
    },
    async participants() {
      return [];
    },
  };
}

export function recordingSms(log: Log): Sms {
  let sent = 0;
  return {
    async send(to, body) {
      log.warn('escalation SMS (not sent: emulators without TWILIO_ACCOUNT_SID)', {
        to: maskPhone(to),
        body: body.replace(/\+\d{6,15}/g, maskPhone),
      });
      return { sid: `SMlocal${++sent}` };
    },
  };
}
