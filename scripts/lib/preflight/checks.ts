/**
 * Preflight's judgement: pure functions over the facts gathered about one deployment
 * (scripts/lib/preflight/gather.ts), each finding said in plain words with what to do about
 * it. No I/O here, so every rule is tested on facts made up in a unit test.
 */
import {
  FALLBACK_METHOD,
  FALLBACK_SCREEN_PATH,
  LEGACY_FALLBACK_PATH,
  deploymentFallbackPath,
} from '../fallback-twiml.ts';
import { E164, functionsRegion, numberList } from '../deploy-env.ts';
import type { QueueReport } from '../queues.ts';
import { voiceSdkFindings, type VoiceSdkFacts } from './voice.ts';

/** A Twilio number's voice configuration, as the IncomingPhoneNumbers resource gives it. */
export type NumberConfig = {
  sid: string;
  phoneNumber: string;
  voiceUrl: string;
  voiceMethod: string;
  voiceFallbackUrl: string;
  voiceFallbackMethod: string;
  statusCallback: string;
  statusCallbackMethod: string;
  voiceApplicationSid: string;
  capabilities: { voice: boolean; sms: boolean };
};

/** Something preflight could not find out, and why. */
export type Unknown = { error: string };
const isUnknown = (value: unknown): value is Unknown =>
  typeof value === 'object' && value !== null && 'error' in value;

export type Facts = {
  projectId: string;
  /** Where the params came from, as the operator should look for them. */
  paramsSource: string;
  /** Local (the emulators and stand-ins) or a real project: a few rules differ (http, example values). */
  local: boolean;
  params: Record<string, string>;
  /** functions/.env.example's values, to catch a copy that was never filled in. */
  exampleParams: Record<string, string>;
  /** The number workers call (TWILIO_VOICE_NUMBER, or --number). */
  voiceNumber: string;
  secrets: Record<string, 'set' | 'missing' | Unknown>;
  /** The default Realtime Database instance, which the functions use. */
  database: { url: string; region: string } | null | Unknown;
  /** The account's numbers matching the voice number and the SMS sender; null when Twilio was not asked (no account or token). */
  twilioNumbers: NumberConfig[] | null | Unknown;
  /** GET of the fallback line on Hosting, at its unguessable path (deploymentFallbackPath). */
  fallback: { status: number; contentType: string; body: string } | Unknown;
  /** GET of the guessable path earlier builds served the fallback line at; absent when not asked. */
  legacyFallback?: { status: number; body: string } | Unknown;
  /** GET of the screening the fallback line's on-call staff hear before being connected; absent when not asked. */
  fallbackScreening?: { status: number; contentType: string; body: string } | Unknown;
  /** An unsigned POST to the voice webhook: a deployed function refuses it with 403. */
  webhook: { status: number } | Unknown;
  queues: QueueReport[] | null | Unknown;
  admins: string[] | Unknown;
  /** What stops texts and calls reaching the on-call numbers; null when not asked (the local stack), absent in older callers. */
  delivery?: Delivery | null | Unknown;
  /** The dashboard's voice: its API key and TwiML App at Twilio (voice.ts); null when Twilio was not asked, absent in older callers. */
  voiceSdk?: VoiceSdkFacts | null | Unknown;
};

export type Finding = { area: string; ok: boolean; says: string; fix?: string };

/**
 * What decides whether an escalation text or the fallback line's dial reaches the on-call
 * numbers, as Twilio's REST API tells it (gather.ts, deliveryFacts).
 */
export type Delivery = {
  /** The Accounts resource: `type` is Trial or Full, `status` active, suspended or closed (https://www.twilio.com/docs/iam/api/account). */
  account: { type: string; status: string } | Unknown;
  /** On a trial account, the on-call numbers that are verified caller IDs; null on a full account (not asked). */
  verified: string[] | null | Unknown;
  /** Each number's country (ISO 3166-1 alpha-2) by Lookup; null for a number Lookup calls invalid. */
  countries: Record<string, string | null | Unknown>;
  /**
   * When TWILIO_SMS_FROM is a US long code: the Messaging Services holding it and their A2P
   * 10DLC campaigns' statuses; null when the sender is not a US long code (10DLC does not apply).
   */
  a2p: Array<{ sid: string; name: string; campaigns: string[] }> | null | Unknown;
  /** Voice geographic permission (low-risk numbers) for each on-call country. */
  voicePermissions: Record<string, boolean | Unknown>;
  /** SMS geographic permission for each on-call country. */
  smsPermissions: Record<string, boolean | Unknown>;
};

/** Toll-free codes of the North American Numbering Plan (https://www.twilio.com/docs/messaging/compliance/toll-free/console-onboarding): not 10DLC, verified another way. */
export const isTollFree = (n: string) => /^\+1(800|833|844|855|866|877|888)\d{7}$/.test(n);
/** A US ten-digit long code, which carriers hold to A2P 10DLC registration (https://www.twilio.com/docs/messaging/compliance/a2p-10dlc). */
export const isUsLongCode = (n: string, country: string | null | Unknown | undefined) =>
  // When Lookup could not answer, a +1 number is held to 10DLC rather than waved through.
  /^\+1\d{10}$/.test(n) && !isTollFree(n) && (country === 'US' || isUnknown(country));

export type WantedNumberConfig = {
  voiceUrl: string;
  voiceMethod: string;
  statusCallback: string;
  statusCallbackMethod: string;
  /** Absent while the fallback line has no path (FALLBACK_PATH_TOKEN unusable): left as it is. */
  voiceFallbackUrl?: string;
  voiceFallbackMethod?: string;
};

/**
 * What the number must say for this deployment: every URL, and the method Twilio uses for each.
 * `fallbackPath` is the fallback line's unguessable path (deploymentFallbackPath), or null when
 * it has none yet: then the number's fallback is not touched rather than pointed at nothing.
 */
export function wantedNumberConfig(
  publicBaseUrl: string,
  fallbackPath: string | null,
): WantedNumberConfig {
  const base = publicBaseUrl.replace(/\/+$/, '');
  return {
    voiceUrl: `${base}/twilio/voice`,
    voiceMethod: 'POST',
    statusCallback: `${base}/twilio/status`,
    statusCallbackMethod: 'POST',
    ...(fallbackPath === null
      ? {}
      : { voiceFallbackUrl: `${base}${fallbackPath}`, voiceFallbackMethod: FALLBACK_METHOD }),
  };
}

/** The fallback line's path for this deployment, as the Hosting build wrote it. */
const fallbackPathOf = (f: Facts) => deploymentFallbackPath(f.projectId, f.params);

/** What the number must say for the deployment these facts describe: what `--fix` sets. */
export function deploymentNumberConfig(f: Facts): WantedNumberConfig {
  const fallback = fallbackPathOf(f);
  return wantedNumberConfig(
    f.params.PUBLIC_BASE_URL ?? '',
    'path' in fallback ? fallback.path : null,
  );
}

/**
 * The update that makes `have` what `want` says, or {} when nothing differs, in the twilio SDK's
 * option names (it sends them as Twilio's VoiceUrl, VoiceFallbackMethod, …).
 */
export function numberUpdate(
  want: WantedNumberConfig,
  have: NumberConfig,
): Partial<Record<keyof WantedNumberConfig | 'voiceApplicationSid', string>> {
  const update: Partial<Record<keyof WantedNumberConfig | 'voiceApplicationSid', string>> = {};
  for (const field of Object.keys(want) as Array<keyof WantedNumberConfig>) {
    const wanted = want[field];
    if (wanted === undefined) continue;
    const same = field.endsWith('Method')
      ? have[field].toUpperCase() === wanted
      : have[field] === wanted;
    if (!same) update[field] = wanted;
  }
  // A voice application on the number overrides every URL on it (Twilio then ignores VoiceUrl).
  if (have.voiceApplicationSid) update.voiceApplicationSid = '';
  return update;
}

/** The region a Realtime Database URL is in: firebaseio.com is us-central1, the others name theirs. */
export function databaseRegion(url: string): string | null {
  const host = new URL(url).hostname;
  if (host.endsWith('.firebaseio.com')) return 'us-central1';
  return /^[^.]+\.([a-z]+-[a-z]+\d+)\.firebasedatabase\.app$/.exec(host)?.[1] ?? null;
}

/** The params without which calls are answered but nobody can act on them, and what each is for. */
const REQUIRED_PARAMS: Record<string, string> = {
  PUBLIC_BASE_URL: 'the address Twilio signs webhooks for',
  TWILIO_ACCOUNT_SID: "supervisors' actions and escalation texts",
  TWILIO_SMS_FROM: 'the number escalation texts come from',
  ON_CALL_NUMBERS: 'who is texted, and dialled by the fallback line',
};

function paramFindings(f: Facts): Finding[] {
  const findings: Finding[] = [];
  const p = f.params;
  if (Object.keys(p).length === 0) {
    return [
      {
        area: 'params',
        ok: false,
        says: `no params for ${f.projectId} in ${f.paramsSource}`,
        fix: `copy functions/.env.example to functions/.env.${f.projectId} and fill it in`,
      },
    ];
  }
  const missing = Object.keys(REQUIRED_PARAMS).filter((k) => !p[k]);
  for (const key of missing)
    findings.push({
      area: 'params',
      ok: false,
      says: `${key} is not set (${REQUIRED_PARAMS[key]})`,
      fix: `set it in ${f.paramsSource}`,
    });
  if (!f.local) {
    const values: Record<string, string | undefined> = { ...p, TWILIO_VOICE_NUMBER: f.voiceNumber };
    const unfilled = Object.keys(REQUIRED_PARAMS)
      .concat('TWILIO_VOICE_NUMBER')
      .filter((k) => values[k] && values[k] === f.exampleParams[k]);
    for (const key of unfilled)
      findings.push({
        area: 'params',
        ok: false,
        says: `${key} is still functions/.env.example's value (${values[key]})`,
        fix: `set your own in ${f.paramsSource}`,
      });
  }
  const base = p.PUBLIC_BASE_URL;
  if (base) {
    let url: URL | null = null;
    try {
      url = new URL(base);
    } catch {
      findings.push({ area: 'params', ok: false, says: `PUBLIC_BASE_URL is not a URL: ${base}` });
    }
    if (url && url.protocol !== 'https:' && !f.local)
      findings.push({
        area: 'params',
        ok: false,
        says: `PUBLIC_BASE_URL is ${url.protocol} (Twilio must reach it over https)`,
        fix: 'use https://<project-id>.web.app or your Hosting domain',
      });
    if (url && (url.pathname !== '/' || base.endsWith('/')))
      findings.push({
        area: 'params',
        ok: false,
        says: `PUBLIC_BASE_URL must be an origin only (no path, no trailing slash): ${base}`,
      });
  }
  if (p.TWILIO_ACCOUNT_SID && !/^AC[0-9a-fA-F]{32}$/.test(p.TWILIO_ACCOUNT_SID))
    findings.push({
      area: 'params',
      ok: false,
      says: `TWILIO_ACCOUNT_SID is not an account SID (AC and 32 hex digits): ${p.TWILIO_ACCOUNT_SID}`,
    });
  if (!f.voiceNumber)
    findings.push({
      area: 'params',
      ok: false,
      says: 'TWILIO_VOICE_NUMBER is not set (the number workers call)',
      fix: `set it in ${f.paramsSource}, or pass --number`,
    });
  else if (!E164.test(f.voiceNumber))
    findings.push({
      area: 'params',
      ok: false,
      says: `TWILIO_VOICE_NUMBER is not an E.164 number: ${f.voiceNumber}`,
    });
  if (p.TWILIO_SMS_FROM && !E164.test(p.TWILIO_SMS_FROM))
    findings.push({
      area: 'params',
      ok: false,
      says: `TWILIO_SMS_FROM is not an E.164 number: ${p.TWILIO_SMS_FROM}`,
    });
  const onCall = numberList(p.ON_CALL_NUMBERS);
  const badOnCall = onCall.filter((n) => !E164.test(n));
  if (badOnCall.length)
    findings.push({
      area: 'params',
      ok: false,
      says: `ON_CALL_NUMBERS has numbers that are not E.164: ${badOnCall.join(', ')}`,
    });
  if (f.voiceNumber && onCall.includes(f.voiceNumber))
    findings.push({
      area: 'params',
      ok: false,
      says: `ON_CALL_NUMBERS includes the hotline's own number ${f.voiceNumber}: the fallback line would dial itself`,
    });
  const fallback = fallbackPathOf(f);
  if ('problem' in fallback)
    findings.push({ area: 'params', ok: false, says: fallback.problem, fix: fallback.fix });
  const badBridge = numberList(p.BRIDGE_NUMBERS).filter((n) => !/^\+\d{1,15}\*?$/.test(n));
  if (badBridge.length)
    findings.push({
      area: 'params',
      ok: false,
      says: `BRIDGE_NUMBERS has entries that are neither E.164 numbers nor +prefix*: ${badBridge.join(', ')}`,
    });
  if (findings.length === 0)
    findings.push({ area: 'params', ok: true, says: `every param is set (${f.paramsSource})` });
  return findings;
}

/** What the value none means, for the secrets that take it. */
const SECRET_HINTS: Record<string, string> = {
  OPENAI_API_KEY: ' (the value none answers every call offline)',
  TWILIO_API_KEY_SECRET:
    " (TWILIO_API_KEY_SID's secret; the value none leaves supervisors typing, not talking)",
};

function secretFindings(f: Facts): Finding[] {
  return Object.entries(f.secrets).map(([name, state]) =>
    state === 'set'
      ? { area: 'secrets', ok: true, says: `${name} is set` }
      : state === 'missing'
        ? {
            area: 'secrets',
            ok: false,
            says: `${name} is not set`,
            fix: `firebase functions:secrets:set ${name} --project ${f.projectId}${SECRET_HINTS[name] ?? ''}`,
          }
        : { area: 'secrets', ok: false, says: `could not read ${name}: ${state.error}` },
  );
}

function regionFindings(f: Facts): Finding[] {
  const region = functionsRegion(f.params);
  if (f.database === null)
    return [
      {
        area: 'database',
        ok: false,
        says: `${f.projectId} has no Realtime Database`,
        fix: `create it in the console (Build > Realtime Database) in ${region}`,
      },
    ];
  if (isUnknown(f.database))
    return [
      {
        area: 'database',
        ok: false,
        says: `could not read the Realtime Database instances: ${f.database.error}`,
      },
    ];
  if (f.database.region !== region) {
    return [
      {
        area: 'database',
        ok: false,
        says: `the Realtime Database is in ${f.database.region} but the functions deploy to ${region} (the call fan-out trigger must run where the database is)`,
        fix: `set FUNCTIONS_REGION=${f.database.region} in ${f.paramsSource} and deploy again`,
      },
    ];
  }
  return [
    {
      area: 'database',
      ok: true,
      says: `the Realtime Database (${f.database.url}) and the functions are both in ${region}`,
    },
  ];
}

function twilioFindings(f: Facts): Finding[] {
  const numbers = f.twilioNumbers;
  if (numbers === null)
    return [
      {
        area: 'twilio',
        ok: false,
        says: 'Twilio was not asked: the account SID or the TWILIO_AUTH_TOKEN secret is missing (above)',
      },
    ];
  if (isUnknown(numbers))
    return [
      {
        area: 'twilio',
        ok: false,
        says: `Twilio refused or could not be reached: ${numbers.error}`,
        fix: 'check TWILIO_ACCOUNT_SID and the TWILIO_AUTH_TOKEN secret belong to the same account',
      },
    ];
  const findings: Finding[] = [];
  const fixCommand = `npm run preflight -- --project ${f.projectId} --fix`;
  const voice = numbers.find((n) => n.phoneNumber === f.voiceNumber);
  if (f.voiceNumber && !voice)
    findings.push({
      area: 'twilio',
      ok: false,
      says: `${f.voiceNumber} is not a number on Twilio account ${f.params.TWILIO_ACCOUNT_SID}`,
      fix: 'buy or port it into this account, or correct TWILIO_VOICE_NUMBER',
    });
  if (voice && f.params.PUBLIC_BASE_URL) {
    const want = deploymentNumberConfig(f);
    if (!voice.capabilities.voice)
      findings.push({
        area: 'twilio',
        ok: false,
        says: `${voice.phoneNumber} cannot take voice calls`,
      });
    if (voice.voiceApplicationSid)
      findings.push({
        area: 'twilio',
        ok: false,
        says: `${voice.phoneNumber} is attached to voice application ${voice.voiceApplicationSid}, which overrides its URLs`,
        fix: fixCommand,
      });
    const pairs: Array<[string, string, string, string, string]> = [
      [
        'voice URL ("A call comes in")',
        voice.voiceUrl,
        want.voiceUrl,
        voice.voiceMethod,
        want.voiceMethod,
      ],
      [
        'status callback ("Call status changes")',
        voice.statusCallback,
        want.statusCallback,
        voice.statusCallbackMethod,
        want.statusCallbackMethod,
      ],
    ];
    // Without a usable FALLBACK_PATH_TOKEN there is no address to want (the params say why).
    // Any other address, the old guessable /twilio/fallback.xml included, is wrong.
    if (want.voiceFallbackUrl !== undefined && want.voiceFallbackMethod !== undefined)
      pairs.push([
        'fallback URL ("Primary handler fails")',
        voice.voiceFallbackUrl,
        want.voiceFallbackUrl,
        voice.voiceFallbackMethod,
        want.voiceFallbackMethod,
      ]);
    for (const [what, have, wanted, haveMethod, wantedMethod] of pairs) {
      if (have !== wanted)
        findings.push({
          area: 'twilio',
          ok: false,
          says: `${voice.phoneNumber}'s ${what} is ${have ? have : 'not set'}; it must be ${wanted}`,
          fix: fixCommand,
        });
      else if (haveMethod.toUpperCase() !== wantedMethod)
        findings.push({
          area: 'twilio',
          ok: false,
          says: `${voice.phoneNumber}'s ${what} is fetched with ${haveMethod}; it must be ${wantedMethod}`,
          fix: fixCommand,
        });
    }
    if (findings.length === 0)
      findings.push({
        area: 'twilio',
        ok: true,
        says: `${voice.phoneNumber} sends calls, status changes and failures to this deployment`,
      });
  }
  const from = f.params.TWILIO_SMS_FROM;
  if (from) {
    const sender = numbers.find((n) => n.phoneNumber === from);
    if (!sender)
      findings.push({
        area: 'twilio',
        ok: false,
        says: `the SMS sender ${from} is not a number on this Twilio account: escalation texts would fail`,
        fix: "set TWILIO_SMS_FROM to one of the account's numbers",
      });
    else if (!sender.capabilities.sms)
      findings.push({
        area: 'twilio',
        ok: false,
        says: `the SMS sender ${from} cannot send SMS`,
        fix: 'use an SMS-capable number for TWILIO_SMS_FROM',
      });
    else
      findings.push({
        area: 'twilio',
        ok: true,
        says: `escalation texts come from ${from}, an SMS-capable number on the account`,
      });
  }
  return findings;
}

/** What redeploys the fallback line's files; the Hosting build writes them (scripts/lib/hosting-build.ts). */
const hostingFix = (f: Facts) => `firebase deploy --only hosting --project ${f.projectId}`;
/** TwiML served as XML, as Twilio wants it (firebase.json sets the Content-Type). */
const isXml = (contentType: string) => /^(text|application)\/xml\b/.test(contentType);

function fallbackFindings(f: Facts): Finding[] {
  const path = fallbackPathOf(f);
  if ('problem' in path)
    return [
      {
        area: 'fallback',
        ok: false,
        says: 'the fallback line has no address until FALLBACK_PATH_TOKEN is set (above), so it was not checked',
      },
      ...legacyFallbackFindings(f),
    ];
  const url = `${f.params.PUBLIC_BASE_URL ?? ''}${path.path}`;
  if (isUnknown(f.fallback))
    return [
      {
        area: 'fallback',
        ok: false,
        says: `the fallback line ${url} could not be fetched: ${f.fallback.error}`,
      },
    ];
  const deployHosting = hostingFix(f);
  if (f.fallback.status !== 200)
    return [
      {
        area: 'fallback',
        ok: false,
        says: `the fallback line ${url} answers HTTP ${f.fallback.status}`,
        fix: deployHosting,
      },
    ];
  if (!isXml(f.fallback.contentType))
    return [
      {
        area: 'fallback',
        ok: false,
        says: `the fallback line is served as ${f.fallback.contentType || 'no content type'}, not XML`,
        fix: `${deployHosting} (firebase.json sets its Content-Type)`,
      },
    ];
  // Each <Number> carries its screening's url and method: the number is the element's text.
  const dialled = [...f.fallback.body.matchAll(/<Number\b[^>]*>([^<]+)<\/Number>/g)].map(
    (m) => m[1]!,
  );
  const onCall = numberList(f.params.ON_CALL_NUMBERS);
  const notDialled = onCall.filter((n) => !dialled.includes(n));
  if (!f.fallback.body.includes('<Dial') || dialled.length === 0)
    return [
      { area: 'fallback', ok: false, says: 'the fallback line dials nobody', fix: deployHosting },
    ];
  if (notDialled.length > 0 || dialled.some((n) => !onCall.includes(n))) {
    return [
      {
        area: 'fallback',
        ok: false,
        says: `the fallback line dials ${dialled.join(', ')} but ON_CALL_NUMBERS is ${onCall.join(', ') || 'empty'}`,
        fix: `${deployHosting} (it is built from ON_CALL_NUMBERS)`,
      },
    ];
  }
  return [
    {
      area: 'fallback',
      ok: true,
      says: `the fallback line says the safety line and dials ${dialled.join(', ')}`,
    },
    ...fallbackScreeningFindings(f),
    ...legacyFallbackFindings(f),
  ];
}

/**
 * Nothing may be served at the guessable path earlier builds used: a Hosting release from before
 * FALLBACK_PATH_TOKEN still lists every on-call number there for anyone who asks.
 */
function legacyFallbackFindings(f: Facts): Finding[] {
  const legacy = f.legacyFallback;
  if (legacy === undefined || isUnknown(legacy)) return [];
  const url = `${f.params.PUBLIC_BASE_URL ?? ''}${LEGACY_FALLBACK_PATH}`;
  if (legacy.status === 200 && /<Dial\b/.test(legacy.body))
    return [
      {
        area: 'fallback',
        ok: false,
        says: `${url} still lists the on-call numbers to anyone who asks (a Hosting release from before FALLBACK_PATH_TOKEN)`,
        fix: `${hostingFix(f)}, then npm run preflight -- --project ${f.projectId} --fix`,
      },
    ];
  return [];
}

/** The screening must be served too: Twilio cannot fetch it, and the on-call person who answers is never connected. */
function fallbackScreeningFindings(f: Facts): Finding[] {
  const screening = f.fallbackScreening;
  if (screening === undefined) return [];
  const url = `${f.params.PUBLIC_BASE_URL ?? ''}${FALLBACK_SCREEN_PATH}`;
  const unusable = (why: string): Finding[] => [
    {
      area: 'fallback',
      ok: false,
      says: `the fallback line's screening ${url} ${why}: an on-call person who answers would never be connected`,
      fix: hostingFix(f),
    },
  ];
  if (isUnknown(screening)) return unusable(`could not be fetched (${screening.error})`);
  if (screening.status !== 200) return unusable(`answers HTTP ${screening.status}`);
  if (!isXml(screening.contentType) || !screening.body.includes('<Gather'))
    return unusable(`is not the screening TwiML (${screening.contentType || 'no content type'})`);
  return [
    {
      area: 'fallback',
      ok: true,
      says: 'the fallback line asks each on-call person to press a key before connecting them (no voicemail takes the call)',
    },
  ];
}

function webhookFindings(f: Facts): Finding[] {
  const url = `${f.params.PUBLIC_BASE_URL ?? ''}/twilio/voice`;
  if (isUnknown(f.webhook))
    return [
      { area: 'webhook', ok: false, says: `${url} could not be reached: ${f.webhook.error}` },
    ];
  if (f.webhook.status === 403)
    return [
      { area: 'webhook', ok: true, says: `${url} is deployed and refuses unsigned requests` },
    ];
  return [
    {
      area: 'webhook',
      ok: false,
      says: `${url} answered an unsigned request with HTTP ${f.webhook.status} (a deployed webhook answers 403)`,
      fix: `firebase deploy --only functions,hosting --project ${f.projectId}`,
    },
  ];
}

function queueFindings(f: Facts): Finding[] {
  if (f.queues === null)
    return [
      {
        area: 'queues',
        ok: true,
        says: 'not checked: the local tasks emulator has no Cloud Tasks API (pass --tasks-api to check a stand-in)',
      },
    ];
  if (isUnknown(f.queues))
    return [
      {
        area: 'queues',
        ok: false,
        says: `could not read the task queues: ${f.queues.error}`,
        fix: 'grant your account Cloud Tasks Viewer',
      },
    ];
  return f.queues.map((q) =>
    !q.found
      ? {
          area: 'queues',
          ok: false,
          says: q.problem,
          fix: `firebase deploy --only functions --project ${f.projectId} (each task queue function creates its queue)`,
        }
      : q.state !== 'RUNNING'
        ? {
            area: 'queues',
            ok: false,
            says: `queue ${q.queue} is ${q.state}: its tasks are not dispatched`,
            fix: `gcloud tasks queues resume ${q.queue} --location ${functionsRegion(f.params)} --project ${f.projectId}`,
          }
        : {
            area: 'queues',
            ok: true,
            says: `queue ${q.queue} is running (${q.depth} task${q.depth === 1 ? '' : 's'} waiting)`,
          },
  );
}

function adminFindings(f: Facts): Finding[] {
  if (isUnknown(f.admins))
    return [{ area: 'admins', ok: false, says: `could not list the admins: ${f.admins.error}` }];
  if (f.admins.length === 0)
    return [
      {
        area: 'admins',
        ok: false,
        says: 'nobody can use the dashboard or gets alerts: there is no admin',
        fix: `npm run admin -- grant you@example.com --password <p> --project ${f.projectId}`,
      },
    ];
  return [
    {
      area: 'admins',
      ok: true,
      says: `${f.admins.length} admin${f.admins.length === 1 ? '' : 's'}: ${f.admins.join(', ')}`,
    },
  ];
}

/** Where in Twilio's console each of these is fixed. */
const CONSOLE = {
  upgrade: 'https://console.twilio.com/us1/billing/manage-billing/upgrade',
  verifiedCallerIds: 'https://console.twilio.com/us1/develop/phone-numbers/manage/verified',
  a2p: 'https://console.twilio.com/us1/develop/sms/regulatory-compliance/a2p-10dlc-overview',
  voiceGeo: 'https://console.twilio.com/us1/develop/voice/settings/geo-permissions',
  smsGeo: 'https://console.twilio.com/us1/develop/sms/settings/geo-permissions',
};

/**
 * What stops an escalation text or the fallback line's dial from reaching the on-call numbers:
 * an unregistered US 10DLC sender, a trial account, missing geographic permissions.
 */
function deliveryFindings(f: Facts): Finding[] {
  const d = f.delivery;
  if (d === undefined) return [];
  if (d === null)
    return [
      {
        area: 'delivery',
        ok: true,
        says: "not checked: the local stack's texts and calls go to the Twilio stand-in, not to phones",
      },
    ];
  if (isUnknown(d))
    return [
      { area: 'delivery', ok: false, says: `could not ask Twilio about delivery: ${d.error}` },
    ];
  const onCall = numberList(f.params.ON_CALL_NUMBERS);
  const from = f.params.TWILIO_SMS_FROM ?? '';
  return [
    ...accountFindings(d, onCall),
    ...a2pFindings(d, from, onCall),
    ...geoFindings(d, onCall),
  ];
}

function accountFindings(d: Delivery, onCall: string[]): Finding[] {
  if (isUnknown(d.account))
    return [
      {
        area: 'delivery',
        ok: false,
        says: `could not read the Twilio account: ${d.account.error}`,
      },
    ];
  const findings: Finding[] = [];
  // A suspended or closed account sends nothing (https://www.twilio.com/docs/iam/api/account).
  if (d.account.status !== 'active')
    findings.push({
      area: 'delivery',
      ok: false,
      says: `the Twilio account is ${d.account.status}: it sends no texts and places no calls`,
      fix: 'https://console.twilio.com/us1/billing/manage-billing/billing-overview',
    });
  if (d.account.type !== 'Trial') {
    findings.push({
      area: 'delivery',
      ok: true,
      says: 'the Twilio account is a full (upgraded) account',
    });
    return findings;
  }
  // Trial accounts text and call only verified numbers, and every call they place starts with a
  // spoken trial message (https://www.twilio.com/docs/usage/tutorials/how-to-use-your-free-trial-account).
  findings.push({
    area: 'delivery',
    ok: false,
    says: 'the Twilio account is a trial: every call it places starts with a spoken trial message, and it texts and calls only verified numbers',
    fix: `upgrade the account: ${CONSOLE.upgrade}`,
  });
  const verified = d.verified;
  if (isUnknown(verified))
    findings.push({
      area: 'delivery',
      ok: false,
      says: `could not list the verified caller IDs: ${verified.error}`,
    });
  else {
    const unverified = onCall.filter((n) => !(verified ?? []).includes(n));
    if (unverified.length)
      findings.push({
        area: 'delivery',
        ok: false,
        says: `on a trial account, texts and the fallback dial cannot reach ${unverified.join(', ')}: not verified caller IDs`,
        fix: `verify them at ${CONSOLE.verifiedCallerIds}, or upgrade the account`,
      });
  }
  return findings;
}

function a2pFindings(d: Delivery, from: string, onCall: string[]): Finding[] {
  if (d.a2p === null || !from) return [];
  if (isUnknown(d.a2p))
    return [
      {
        area: 'delivery',
        ok: false,
        says: `could not read the Messaging Services holding ${from} (its A2P 10DLC registration): ${d.a2p.error}`,
      },
    ];
  // Unregistered 10DLC traffic to US numbers is blocked since 2023-09-01 (https://www.twilio.com/docs/api/errors/30034).
  const toUs = onCall.filter((n) => d.countries[n] === 'US');
  if (toUs.length === 0) return [];
  const blocked = `US carriers block its texts to ${toUs.join(', ')} (error 30034)`;
  if (d.a2p.length === 0)
    return [
      {
        area: 'delivery',
        ok: false,
        says: `the SMS sender ${from} is a US long code in no Messaging Service with an A2P 10DLC campaign: ${blocked}`,
        fix: `register a brand and campaign and add ${from} to the campaign's Messaging Service: ${CONSOLE.a2p}`,
      },
    ];
  const verified = d.a2p.find((s) => s.campaigns.includes('VERIFIED'));
  if (verified)
    return [
      {
        area: 'delivery',
        ok: true,
        says: `the SMS sender ${from} is registered for A2P 10DLC (Messaging Service ${verified.name}, campaign VERIFIED)`,
      },
    ];
  const states = d.a2p
    .map((s) => `${s.name}: ${s.campaigns.length ? s.campaigns.join(', ') : 'no campaign'}`)
    .join('; ');
  return [
    {
      area: 'delivery',
      ok: false,
      says: `the SMS sender ${from} has no VERIFIED A2P 10DLC campaign (${states}): ${blocked}`,
      fix: `complete the campaign's registration, or move ${from} to a service with a verified one: ${CONSOLE.a2p}`,
    },
  ];
}

function geoFindings(d: Delivery, onCall: string[]): Finding[] {
  const findings: Finding[] = [];
  const byCountry = new Map<string, string[]>();
  for (const n of onCall) {
    const country = d.countries[n];
    if (country === undefined) continue;
    if (isUnknown(country) || country === null) {
      findings.push({
        area: 'delivery',
        ok: false,
        says: `could not tell ${n}'s country${isUnknown(country) ? ` (${country.error})` : ': Twilio Lookup calls it invalid'}, so not its geographic permissions`,
        fix: 'correct it in ON_CALL_NUMBERS',
      });
      continue;
    }
    byCountry.set(country, [...(byCountry.get(country) ?? []), n]);
  }
  for (const [country, numbers] of byCountry) {
    const who = `${numbers.join(', ')} (${country})`;
    const voice = d.voicePermissions[country];
    if (voice !== undefined && isUnknown(voice))
      findings.push({
        area: 'delivery',
        ok: false,
        says: `could not read the voice geographic permission for ${country}: ${voice.error}`,
        fix: `check it at ${CONSOLE.voiceGeo}`,
      });
    else if (voice === false)
      findings.push({
        area: 'delivery',
        ok: false,
        says: `the fallback line cannot dial ${who}: voice geographic permission for ${country} is off`,
        fix: `enable ${country} at ${CONSOLE.voiceGeo}`,
      });
    const sms = d.smsPermissions[country];
    if (sms !== undefined && isUnknown(sms))
      findings.push({
        area: 'delivery',
        ok: false,
        says: `could not read the SMS geographic permission for ${country}: ${sms.error}`,
        fix: `check it at ${CONSOLE.smsGeo}`,
      });
    else if (sms === false)
      findings.push({
        area: 'delivery',
        ok: false,
        says: `escalation texts cannot reach ${who}: SMS geographic permission for ${country} is off`,
        fix: `enable ${country} at ${CONSOLE.smsGeo}`,
      });
    if (voice === true && sms === true)
      findings.push({
        area: 'delivery',
        ok: true,
        says: `texts and calls to ${who} are permitted`,
      });
  }
  return findings;
}

/** Every finding about the deployment, in the order an operator fixes them. */
/**
 * A real deployment's fallback token is a secret, and preflight's report ends up in terminals
 * and CI logs: it names the token instead of printing it (and any other token, such as one
 * rotated away, as another). The local stack's token is in the repository: shown as it is.
 */
export function withoutFallbackToken(text: string, f: Pick<Facts, 'local' | 'params'>): string {
  if (f.local) return text;
  return text.replace(
    /\/twilio\/fallback-([0-9a-fA-F]{32,})\.xml/g,
    (_, token: string) =>
      `/twilio/fallback-<${token === f.params.FALLBACK_PATH_TOKEN ? 'FALLBACK_PATH_TOKEN' : 'another token'}>.xml`,
  );
}

export function checkDeployment(f: Facts): Finding[] {
  return [
    ...paramFindings(f),
    ...secretFindings(f),
    ...regionFindings(f),
    ...twilioFindings(f),
    ...voiceSdkFindings(f),
    ...deliveryFindings(f),
    ...fallbackFindings(f),
    ...webhookFindings(f),
    ...queueFindings(f),
    ...adminFindings(f),
  ].map((x) => ({ ...x, says: withoutFallbackToken(x.says, f) }));
}

/** The report as printed: one line per finding, the fix under each problem, a count at the end. */
export function formatFindings(projectId: string, findings: Finding[]): string {
  const problems = findings.filter((x) => !x.ok).length;
  const lines = findings.flatMap((x) => [
    `  ${x.ok ? 'ok  ' : 'FAIL'}  ${x.area.padEnd(9)} ${x.says}`,
    ...(x.fix && !x.ok ? [`        ${''.padEnd(9)} → ${x.fix}`] : []),
  ]);
  const verdict =
    problems === 0
      ? `${projectId} is ready for calls.`
      : `${problems} problem${problems === 1 ? '' : 's'}: ${projectId} is not ready for calls.`;
  return [`Preflight for ${projectId}:`, ...lines, verdict].join('\n');
}
