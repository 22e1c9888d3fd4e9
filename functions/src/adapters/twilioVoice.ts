import type { LiveVoice, Sms } from '../ports';
import type { Log } from '../core/log';
import { maskPhone } from '../core/masking';

/** Twilio's answer for a call that is not in progress (completed, or never existed). */
const CALL_NOT_IN_PROGRESS = 21220;

export type TwilioAccount = {
  accountSid: string;
  authToken: string;
  /** Where Twilio's REST API is; a local stand-in in development. */
  apiBaseUrl: string;
  /** The Twilio number text messages come from. */
  smsFrom: string;
};

type RestError = { status?: number; code?: number };
const isGone = (err: unknown) => {
  const { status, code } = (err ?? {}) as RestError;
  return status === 404 || code === CALL_NOT_IN_PROGRESS;
};

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

/** The live call through Twilio's "update a call". */
export function twilioVoice(client: ReturnType<typeof twilioClient>): LiveVoice {
  const update = async (callSid: string, params: { twiml: string } | { status: 'completed' }) => {
    try {
      await client.calls(callSid).update(params);
      return 'done' as const;
    } catch (err) {
      if (isGone(err)) return 'gone' as const;
      throw err;
    }
  };
  return {
    redirect: (callSid, twiml) => update(callSid, { twiml }),
    hangUp: (callSid) => update(callSid, { status: 'completed' }),
  };
}

export function twilioSms(client: ReturnType<typeof twilioClient>, from: string): Sms {
  return {
    async send(to, body) {
      await client.messages.create({ to, from, body });
    },
  };
}

/**
 * Without Twilio credentials: logs what would have been sent (which verbs, not the words: they
 * are transcript) and reports the call reached.
 */
export function recordingVoice(log: Log): LiveVoice {
  return {
    async redirect(callSid, twiml) {
      const verbs = [...twiml.matchAll(/<(Say|Gather|Dial|Hangup)\b/g)].map((m) => m[1]);
      log.info('twilio call update (not sent: no TWILIO_ACCOUNT_SID)', { callSid, verbs });
      return 'done';
    },
    async hangUp(callSid) {
      log.info('twilio call hang-up (not sent: no TWILIO_ACCOUNT_SID)', { callSid });
      return 'done';
    },
  };
}

export function recordingSms(log: Log): Sms {
  return {
    async send(to, body) {
      log.warn('escalation SMS (not sent: no TWILIO_ACCOUNT_SID)', { to: maskPhone(to), body: body.replace(/\+\d{6,15}/g, maskPhone) });
    },
  };
}
