import { defineBoolean, defineInt, defineSecret, defineString } from 'firebase-functions/params';
import type { Limits } from './core/limits';
import type { SpeechSettings } from './core/twiml';

/** What the use cases are told about the site, read from the params once per request. */
export type Settings = {
  publicBaseUrl: string;
  timeZone: string;
  /** An ACTIVE call silent this long without a status callback is ended by the sweeper. */
  staleCallMinutes: number;
  /** An ENDED call still live this long after ending has its archival re-driven. */
  archiveStallMinutes: number;
  /** How long one archive read or write may take before the attempt fails and is retried. */
  archiveDeadlineMs: number;
  speech: SpeechSettings;
  /** Start replies on the caller's stable partial words, so a turn whose final words say the same answers at once. */
  speculate: boolean;
  escalation: EscalationSettings;
  bridge: BridgeSettings;
  limits: Limits;
};

/** Where an admin may bridge a caller, and for how long: a bridge is a paid outbound call. */
export type BridgeSettings = {
  /** E.164 numbers, or prefixes ending in `*` (+1555019*); the on-call numbers are always allowed. */
  allowed: string[];
  /** The most a bridged leg may last (Twilio's <Dial timeLimit>). */
  timeLimitSeconds: number;
};

export type EscalationSettings = {
  /** A CRITICAL call nobody acknowledges in this time escalates beyond the dashboard. */
  afterSeconds: number;
  /** Who gets the SMS (E.164 numbers). */
  onCallNumbers: string[];
  /** The dashboard's address, linked from SMS and push. */
  dashboardUrl: string;
};

/** Params and secrets, declared once; read inside handlers only. */
export const TWILIO_AUTH_TOKEN = defineSecret('TWILIO_AUTH_TOKEN');

export const TWILIO_ACCOUNT_SID = defineString('TWILIO_ACCOUNT_SID', {
  default: '',
  description:
    'The Twilio account (AC…) whose calls admins drive; empty records what would be sent instead.',
});

export const TWILIO_API_BASE_URL = defineString('TWILIO_API_BASE_URL', {
  default: 'https://api.twilio.com',
  description: "Twilio's REST API origin; the local stack points it at its Twilio stand-in.",
});

/**
 * The dashboard's own voice (issue 24): the Voice JavaScript SDK connects a supervisor's browser
 * with a short-lived Access Token, a JWT signed with an API key's secret
 * (https://www.twilio.com/docs/iam/access-tokens). Its Voice grant names a TwiML App, whose
 * Voice URL Twilio asks what a browser's call does
 * (https://www.twilio.com/docs/voice/sdks#twiml-apps). Empty: nobody can talk from
 * the dashboard (the voiceToken callable says what to set); typing still works.
 */
export const TWILIO_API_KEY_SID = defineString('TWILIO_API_KEY_SID', {
  default: '',
  description:
    "The API key (SK…) that signs the dashboard's voice tokens, on the TWILIO_ACCOUNT_SID account; its secret is the TWILIO_API_KEY_SECRET secret. Empty: supervisors cannot talk from the dashboard.",
});

export const TWILIO_API_KEY_SECRET = defineSecret('TWILIO_API_KEY_SECRET');

export const TWILIO_TWIML_APP_SID = defineString('TWILIO_TWIML_APP_SID', {
  default: '',
  description:
    "The TwiML App (AP…) a supervisor's browser calls through: its Voice URL must be PUBLIC_BASE_URL/twilio/browser (POST); preflight --fix sets it. Empty: supervisors cannot talk from the dashboard.",
});

/**
 * Where every function runs. The database trigger must run where the Realtime Database instance
 * is (firebase-tools refuses a database trigger in another region), so this is the database's
 * region; Hosting's rewrites find the functions wherever they are (firebase.json names no region).
 */
export const FUNCTIONS_REGION = defineString('FUNCTIONS_REGION', {
  default: 'us-central1',
  description:
    "The region the functions deploy to: the Realtime Database instance's region (us-central1 for <project>-default-rtdb.firebaseio.com).",
});

/**
 * Who may call the task queue functions: the service account the functions run as, since the
 * Admin SDK enqueues each task with that account's identity token and Cloud Tasks presents it.
 * A param because the default account's name holds the project's number, which the code cannot
 * know; firebase deploy resolves it and makes it the run.invoker of those functions on every
 * deploy (index.ts). No default: a deploy without it stops before creating anything.
 */
export const TASK_QUEUE_INVOKER = defineString('TASK_QUEUE_INVOKER', {
  description:
    'The service account the functions run as, which enqueues the archive, purge and escalation tasks and so must be allowed to invoke them: <project-number>-compute@developer.gserviceaccount.com unless you changed it.',
});

export const PUBLIC_BASE_URL = defineString('PUBLIC_BASE_URL', {
  description:
    'The public origin Twilio is configured with (https://your-host); webhook signatures are checked against it.',
});

export const SITE_TIME_ZONE = defineString('SITE_TIME_ZONE', {
  default: 'Asia/Kolkata',
  description:
    'IANA time zone of the site: call ids and timestamps use its wall clock and UTC offset.',
});

export const WEBHOOK_MIN_INSTANCES = defineInt('WEBHOOK_MIN_INSTANCES', {
  default: 0,
  description:
    'Instances of each Twilio webhook kept warm. 0 costs nothing idle; 1 removes the cold start (seconds) from the first call after a quiet spell, for a small monthly fee per function.',
});

export const SPECULATIVE_REPLIES = defineBoolean('SPECULATIVE_REPLIES', {
  default: true,
  description:
    "Start Aurora's reply on the caller's stable partial words (more model calls, faster answers); false waits for the final words.",
});

export const STALE_CALL_MINUTES = defineInt('STALE_CALL_MINUTES', {
  default: 30,
  description:
    'An ACTIVE call with no message and no status callback for this long is ended and archived.',
});

export const ARCHIVE_STALL_MINUTES = defineInt('ARCHIVE_STALL_MINUTES', {
  default: 5,
  description:
    'An ENDED call still in the Realtime Database this long after ending has its archival re-driven.',
});

export const OPENAI_API_KEY = defineSecret('OPENAI_API_KEY');

export const OPENAI_BASE_URL = defineString('OPENAI_BASE_URL', {
  default: 'https://api.openai.com/v1',
  description: 'Base URL of any OpenAI-compatible chat completions API.',
});

export const OPENAI_MODEL = defineString('OPENAI_MODEL', {
  default: 'gpt-4o-mini',
  description: 'The model that answers callers.',
});

export const OPENAI_FALLBACK_MODEL = defineString('OPENAI_FALLBACK_MODEL', {
  default: '',
  description:
    'A second model tried when the first fails; empty for none (the offline responder still answers).',
});

export const TURN_BUDGET_MS = defineInt('TURN_BUDGET_MS', {
  default: 8000,
  description:
    "Time a turn may spend on model calls before the offline responder answers; Twilio's limit is 15 s.",
});

export const SPEECH_LANGUAGE = defineString('SPEECH_LANGUAGE', {
  default: 'en-US',
  description: 'BCP-47 language of callers, for Twilio speech recognition.',
});
export const SPEECH_MODEL = defineString('SPEECH_MODEL', {
  default: '',
  description: 'Twilio speechModel; empty lets Twilio choose.',
});
export const SPEECH_TIMEOUT = defineString('SPEECH_TIMEOUT', {
  default: 'auto',
  description:
    "Seconds of silence that end the caller's speech, or auto (not allowed with a speech model: 2 is used then).",
});

export const ESCALATE_AFTER_SECONDS = defineInt('ESCALATE_AFTER_SECONDS', {
  default: 60,
  description:
    'A CRITICAL call nobody acknowledges in this many seconds is escalated by SMS and web push.',
});

export const ON_CALL_NUMBERS = defineString('ON_CALL_NUMBERS', {
  default: '',
  description: 'Comma-separated E.164 numbers that get the escalation SMS; empty sends none.',
});

export const TWILIO_SMS_FROM = defineString('TWILIO_SMS_FROM', {
  default: '',
  description:
    'The Twilio number (E.164) escalation SMS are sent from, and an on-call number whose text did not arrive is phoned from (it needs voice too).',
});

export const BRIDGE_NUMBERS = defineString('BRIDGE_NUMBERS', {
  default: '',
  description:
    'Comma-separated E.164 numbers or prefixes ending in * (+1555019*) supervisors may bridge a caller to, besides ON_CALL_NUMBERS.',
});

export const BRIDGE_TIME_LIMIT_SECONDS = defineInt('BRIDGE_TIME_LIMIT_SECONDS', {
  default: 3600,
  description: 'The longest a bridged call may last, in seconds (Twilio would allow four hours).',
});

export const MAX_MODEL_TURNS_PER_CALL = defineInt('MAX_MODEL_TURNS_PER_CALL', {
  default: 40,
  description:
    'Model answers per call; later turns are answered by the offline responder (which still triages and escalates).',
});

export const MODEL_CALLS_PER_NUMBER_PER_HOUR = defineInt('MODEL_CALLS_PER_NUMBER_PER_HOUR', {
  default: 20,
  description:
    'Calls per caller number per hour the model answers; later calls are answered by the offline responder.',
});

export const ESCALATION_TEXTS_PER_HOUR = defineInt('ESCALATION_TEXTS_PER_HOUR', {
  default: 30,
  description:
    'Escalation texts per on-call number per hour; the next one is a summary, later ones wait for the dashboard and web push.',
});

const list = (value: string) =>
  value
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);

/** The model settings, or null when no API key is configured (the offline responder answers). */
export function readModelSettings(): {
  apiKey: string;
  baseUrl: string;
  model: string;
  fallbackModel?: string;
  budgetMs: number;
} | null {
  const apiKey = OPENAI_API_KEY.value();
  if (!apiKey || apiKey === 'none') return null;
  return {
    apiKey,
    baseUrl: OPENAI_BASE_URL.value(),
    model: OPENAI_MODEL.value(),
    fallbackModel: OPENAI_FALLBACK_MODEL.value() || undefined,
    budgetMs: TURN_BUDGET_MS.value(),
  };
}

export function readSettings(): Settings {
  return {
    publicBaseUrl: PUBLIC_BASE_URL.value().replace(/\/+$/, ''),
    timeZone: SITE_TIME_ZONE.value(),
    staleCallMinutes: STALE_CALL_MINUTES.value(),
    archiveStallMinutes: ARCHIVE_STALL_MINUTES.value(),
    archiveDeadlineMs: 20_000,
    speech: {
      language: SPEECH_LANGUAGE.value(),
      model: SPEECH_MODEL.value(),
      timeout: SPEECH_TIMEOUT.value(),
    },
    speculate: SPECULATIVE_REPLIES.value(),
    escalation: {
      afterSeconds: ESCALATE_AFTER_SECONDS.value(),
      onCallNumbers: list(ON_CALL_NUMBERS.value()),
      dashboardUrl: PUBLIC_BASE_URL.value().replace(/\/+$/, ''),
    },
    bridge: {
      allowed: list(BRIDGE_NUMBERS.value()),
      timeLimitSeconds: BRIDGE_TIME_LIMIT_SECONDS.value(),
    },
    limits: {
      modelTurnsPerCall: MAX_MODEL_TURNS_PER_CALL.value(),
      modelCallsPerNumberPerHour: MODEL_CALLS_PER_NUMBER_PER_HOUR.value(),
      escalationTextsPerHour: ESCALATION_TEXTS_PER_HOUR.value(),
    },
  };
}

/** The Twilio account admin actions drive live calls with, or null when none is configured. */
export function readTwilioAccount(): {
  accountSid: string;
  authToken: string;
  apiBaseUrl: string;
  smsFrom: string;
} | null {
  const accountSid = TWILIO_ACCOUNT_SID.value();
  if (!accountSid) return null;
  return {
    accountSid,
    authToken: TWILIO_AUTH_TOKEN.value(),
    apiBaseUrl: TWILIO_API_BASE_URL.value(),
    smsFrom: TWILIO_SMS_FROM.value(),
  };
}

/** The Voice SDK's settings as configured, unchecked (adapters/voiceAccessToken.ts checks them before minting). */
export function readVoiceSdkParams(): {
  accountSid: string;
  apiKeySid: string;
  apiKeySecret: string;
  twimlAppSid: string;
} {
  return {
    accountSid: TWILIO_ACCOUNT_SID.value(),
    apiKeySid: TWILIO_API_KEY_SID.value(),
    apiKeySecret: TWILIO_API_KEY_SECRET.value(),
    twimlAppSid: TWILIO_TWIML_APP_SID.value(),
  };
}

/** True in the local emulators, where services with no emulator (FCM) must not be called. */
export const inEmulator = () => process.env.FUNCTIONS_EMULATOR === 'true';
