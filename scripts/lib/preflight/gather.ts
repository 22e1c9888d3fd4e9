/**
 * Preflight's facts about one deployment, gathered with I/O (checks.ts judges them). A real
 * project is read through Google's APIs with Application Default Credentials (Secret Manager
 * for the secrets' presence and the Twilio token, the Realtime Database management API for the
 * instance's region, Cloud Tasks for the queues, the Admin SDK for the admins) and Twilio's REST
 * API; a demo- project is read from the local stack: the params and secrets the stack wrote,
 * the emulators, and the Twilio REST stand-in.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { deleteApp, initializeApp, type App } from 'firebase-admin/app';
import { getAuth } from 'firebase-admin/auth';
import { getDatabase } from 'firebase-admin/database';
import { GoogleAuth } from 'google-auth-library';
import { createRequire } from 'node:module';
import type { Twilio } from 'twilio';
import { listAdmins } from '../admins.ts';
import {
  defaultDatabaseUrl,
  deployParams,
  envFiles,
  functionsRegion,
  isDemoProject,
  numberList,
  parseEnv,
} from '../deploy-env.ts';
import {
  FALLBACK_SCREEN_PATH,
  LEGACY_FALLBACK_PATH,
  deploymentFallbackPath,
} from '../fallback-twiml.ts';
import { FUNCTIONS_PARAMS_FILE, FUNCTIONS_SECRETS_FILE } from '../functions-env.ts';
import { LOCAL_FIREBASE_CONFIG, ROOT, localAdminApp } from '../project.ts';
import { QUEUE_NAMES } from '@aurora/model/tasks';
import { cloudTasksClient, queueReport } from '../queues.ts';
import {
  databaseRegion,
  isUsLongCode,
  type Delivery,
  type Facts,
  type NumberConfig,
  type Unknown,
} from './checks.ts';
import {
  API_KEY_SID,
  TWIML_APP_SID,
  appUpdate,
  wantedAppConfig,
  type TwimlAppConfig,
  type VoiceSdkFacts,
} from './voice.ts';

const require = createRequire(import.meta.url);

export type GatherOptions = {
  projectId: string;
  /** The number workers call, if not TWILIO_VOICE_NUMBER. */
  voiceNumber?: string;
  /** Twilio's REST origin, if not the params' TWILIO_API_BASE_URL (a stand-in, in tests). */
  twilioApi?: string;
  /** A Cloud Tasks REST endpoint (a stand-in); a real project uses Google's. */
  tasksApi?: string;
  functionsDir?: string;
};

const SECRETS = ['TWILIO_AUTH_TOKEN', 'OPENAI_API_KEY', 'TWILIO_API_KEY_SECRET'] as const;
const unknown = (err: unknown): Unknown => ({ error: String((err as Error)?.message ?? err) });
const settle = <T>(promise: Promise<T>): Promise<T | Unknown> => promise.catch(unknown);

/**
 * Twilio's REST client with every request sent to `apiBaseUrl`: the functions' own adapter
 * (functions/src/adapters/twilioVoice.ts), compiled, since plain Node cannot load their
 * TypeScript (`npm run preflight` builds the functions first).
 */
export function twilioRest(accountSid: string, authToken: string, apiBaseUrl: string): TwilioRest {
  const { twilioClient } =
    require('aurora-functions/lib/adapters/twilioVoice.js') as typeof import('aurora-functions/lib/adapters/twilioVoice.js');
  return twilioClient({ accountSid, authToken, apiBaseUrl, smsFrom: '' });
}

export type TwilioRest = Twilio;

/** The project's Twilio account (its SID from the params, its token from the secrets), or null when either is missing. */
function twilioFor(
  params: Record<string, string>,
  token: string | null | undefined,
  apiBaseUrl: string | null | undefined,
): TwilioRest | null {
  if (!params.TWILIO_ACCOUNT_SID || !token) return null;
  return twilioRest(
    params.TWILIO_ACCOUNT_SID,
    token,
    apiBaseUrl ?? params.TWILIO_API_BASE_URL ?? 'https://api.twilio.com',
  );
}

type ApiNumber = {
  sid: string;
  phoneNumber: string;
  voiceUrl: string | null;
  voiceMethod: string | null;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: string | null;
  statusCallback: string | null;
  statusCallbackMethod: string | null;
  voiceApplicationSid: string | null;
  capabilities: { voice?: boolean; sms?: boolean } | null;
};

export const numberConfig = (n: ApiNumber): NumberConfig => ({
  sid: n.sid,
  phoneNumber: n.phoneNumber,
  voiceUrl: n.voiceUrl ?? '',
  voiceMethod: n.voiceMethod ?? 'POST',
  voiceFallbackUrl: n.voiceFallbackUrl ?? '',
  voiceFallbackMethod: n.voiceFallbackMethod ?? 'POST',
  statusCallback: n.statusCallback ?? '',
  statusCallbackMethod: n.statusCallbackMethod ?? 'POST',
  voiceApplicationSid: n.voiceApplicationSid ?? '',
  capabilities: { voice: Boolean(n.capabilities?.voice), sms: Boolean(n.capabilities?.sms) },
});

/** The account's numbers that are the voice number or the SMS sender (IncomingPhoneNumbers, filtered by PhoneNumber). */
export async function twilioNumbers(
  client: TwilioRest,
  numbers: string[],
): Promise<NumberConfig[]> {
  const found = new Map<string, NumberConfig>();
  for (const phoneNumber of new Set(numbers.filter(Boolean))) {
    for (const n of await client.incomingPhoneNumbers.list({ phoneNumber, limit: 20 })) {
      if (n.phoneNumber === phoneNumber) found.set(n.sid, numberConfig(n as unknown as ApiNumber));
    }
  }
  return [...found.values()];
}

/**
 * What decides whether texts and calls reach the on-call numbers, asked of Twilio's REST API
 * with the account's own credentials. Each question is settled on its own, so one refusal
 * (an API the account may not use) leaves the other findings standing.
 */
export async function deliveryFacts(
  client: TwilioRest,
  accountSid: string,
  smsFrom: string,
  onCall: string[],
): Promise<Delivery> {
  // The account's type (Trial or Full) and status (https://www.twilio.com/docs/iam/api/account).
  const account = await settle(
    client.api.v2010
      .accounts(accountSid)
      .fetch()
      .then((a) => ({ type: a.type, status: a.status })),
  );
  // Each number's country, by Lookup v2's free basic lookup (https://www.twilio.com/docs/lookup/v2-api).
  const countries: Delivery['countries'] = {};
  for (const n of new Set([smsFrom, ...onCall].filter(Boolean)))
    countries[n] = await settle(
      client.lookups.v2
        .phoneNumbers(n)
        .fetch()
        .then((r) => (r.valid ? (r.countryCode ?? null) : null)),
    );
  // A trial account reaches only verified caller IDs (https://www.twilio.com/docs/voice/api/outgoing-caller-ids).
  const trial = !('error' in account) && account.type === 'Trial';
  const verified = trial ? await settle(verifiedAmong(client, onCall)) : null;
  const a2p = isUsLongCode(smsFrom, countries[smsFrom])
    ? await settle(servicesHolding(client, smsFrom))
    : null;
  const voicePermissions: Delivery['voicePermissions'] = {};
  const smsPermissions: Delivery['smsPermissions'] = {};
  const onCallCountries = new Set(
    onCall.map((n) => countries[n]).filter((c): c is string => typeof c === 'string'),
  );
  for (const iso of onCallCountries) {
    // Voice dialing permissions per country (https://www.twilio.com/docs/voice/api/dialingpermissions-country-resource):
    // ordinary mobile and landline numbers are its low-risk numbers.
    voicePermissions[iso] = await settle(
      client.voice.v1.dialingPermissions
        .countries(iso)
        .fetch()
        .then((c) => c.lowRiskNumbersEnabled),
    );
    // SMS geographic permissions: Accounts v1 Messaging/GeoPermissions, filtered by CountryCode
    // (in twilio-node as accounts.v1.messagingGeopermissions; fields described with error 30649,
    // https://www.twilio.com/docs/api/errors/30649). A country it does not list is not permitted.
    smsPermissions[iso] = await settle(
      client.accounts.v1.messagingGeopermissions.fetch({ countryCode: iso }).then((r) => {
        const permissions = (r.permissions ?? []) as Array<{
          country_code?: string;
          enabled?: boolean;
        }>;
        return permissions.some((p) => p.country_code === iso && p.enabled === true);
      }),
    );
  }
  return { account, verified, countries, a2p, voicePermissions, smsPermissions };
}

/** The on-call numbers that are verified caller IDs (OutgoingCallerIds, filtered by PhoneNumber). */
async function verifiedAmong(client: TwilioRest, numbers: string[]): Promise<string[]> {
  const verified: string[] = [];
  for (const phoneNumber of numbers) {
    const found = await client.outgoingCallerIds.list({ phoneNumber, limit: 20 });
    if (found.some((c) => c.phoneNumber === phoneNumber)) verified.push(phoneNumber);
  }
  return verified;
}

/**
 * The Messaging Services holding `phoneNumber`, each with its A2P 10DLC campaigns' statuses:
 * Services (https://www.twilio.com/docs/messaging/api/service-resource), their PhoneNumbers
 * (https://www.twilio.com/docs/messaging/api/phonenumber-resource) and their UsAppToPerson
 * campaigns (https://www.twilio.com/docs/messaging/api/usapptoperson-resource). The SDK follows
 * each list's pages (meta.next_page_url).
 */
async function servicesHolding(client: TwilioRest, phoneNumber: string) {
  const holding: Array<{ sid: string; name: string; campaigns: string[] }> = [];
  for (const service of await client.messaging.v1.services.list()) {
    const numbers = await client.messaging.v1.services(service.sid).phoneNumbers.list();
    if (!numbers.some((n) => n.phoneNumber === phoneNumber)) continue;
    const campaigns = await client.messaging.v1.services(service.sid).usAppToPerson.list();
    holding.push({
      sid: service.sid,
      name: service.friendlyName || service.sid,
      campaigns: campaigns.map((c) => c.campaignStatus),
    });
  }
  return holding;
}

/** A 404 from Twilio: the account has no such resource (null), as opposed to a refusal. */
const absentOn404 = (err: unknown): null => {
  if ((err as { status?: number }).status === 404) return null;
  throw err;
};

const appConfig = (a: {
  sid: string;
  friendlyName: string | null;
  voiceUrl: string | null;
  voiceMethod: string | null;
}): TwimlAppConfig => ({
  sid: a.sid,
  friendlyName: a.friendlyName ?? '',
  voiceUrl: a.voiceUrl ?? '',
  voiceMethod: a.voiceMethod ?? 'POST',
});

/**
 * The API key and the TwiML App the voice params name, each asked only when its SID is well
 * formed: the Keys resource v2010 (https://www.twilio.com/docs/iam/api-keys/key-resource-v2010,
 * readable with the account's own credentials) and Applications
 * (https://www.twilio.com/docs/usage/api/applications). Each is settled on its own.
 */
export async function voiceSdkFacts(
  client: TwilioRest,
  params: Record<string, string>,
): Promise<VoiceSdkFacts> {
  const keySid = params.TWILIO_API_KEY_SID ?? '';
  const appSid = params.TWILIO_TWIML_APP_SID ?? '';
  const [key, app] = await Promise.all([
    API_KEY_SID.test(keySid)
      ? settle(
          client
            .keys(keySid)
            .fetch()
            .then((k) => ({ sid: k.sid, friendlyName: k.friendlyName ?? '' }), absentOn404),
        )
      : undefined,
    TWIML_APP_SID.test(appSid)
      ? settle(client.applications(appSid).fetch().then(appConfig, absentOn404))
      : undefined,
  ]);
  return { ...(key === undefined ? {} : { key }), ...(app === undefined ? {} : { app }) };
}

/**
 * `--fix` for the dashboard's voice: points the TwiML App's Voice URL (and method) at this
 * deployment's browser webhook when it says otherwise. Says what it did in a line, and gives the
 * facts with the App asked again; null when there is no App or address to fix with (the
 * findings say why).
 */
export async function fixVoiceApp(
  client: TwilioRest,
  facts: Facts,
): Promise<{ said: string; facts: Facts } | null> {
  const app = facts.voiceSdk && !('error' in facts.voiceSdk) ? facts.voiceSdk.app : undefined;
  const base = facts.params.PUBLIC_BASE_URL;
  if (!app || 'error' in app || !base) return null;
  const update = appUpdate(wantedAppConfig(base), app);
  if (Object.keys(update).length === 0)
    return {
      said: `--fix: TwiML App ${app.sid} already sends supervisors' browser calls here.`,
      facts,
    };
  try {
    await client.applications(app.sid).update(update);
  } catch (err) {
    const { code, message } = err as { code?: number; message?: string };
    return {
      said: `--fix: Twilio refused the TwiML App's update${code ? ` (error ${code})` : ''}: ${message ?? String(err)}`,
      facts,
    };
  }
  return {
    said: `--fix: set TwiML App ${app.sid}'s ${Object.entries(update)
      .map(([k, v]) => `${k} to ${v}`)
      .join(', ')}`,
    facts: { ...facts, voiceSdk: await settle(voiceSdkFacts(client, facts.params)) },
  };
}

async function fetchFallback(base: string, path: string) {
  const res = await fetch(`${base}${path}`, { signal: AbortSignal.timeout(10_000) });
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    body: await res.text(),
  };
}

/** An unsigned POST, as a stranger would send: a deployed voice webhook answers 403 and records nothing. */
async function probeWebhook(base: string) {
  const res = await fetch(`${base}/twilio/voice`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: 'CallSid=CApreflight',
    signal: AbortSignal.timeout(15_000),
  });
  await res.arrayBuffer();
  return { status: res.status };
}

async function admins(app: App): Promise<string[]> {
  const directory = (await getDatabase(app).ref('admins').get()).val() as Record<
    string,
    { email?: string }
  > | null;
  const withClaim = await listAdmins(getAuth(app));
  // Both are needed: the claim to sign in as an admin, the directory entry to be alerted and let in by the rules.
  const listed = new Set(Object.values(directory ?? {}).map((a) => a.email));
  return withClaim.filter((email) => listed.has(email));
}

function readEnv(path: string): Record<string, string> {
  return existsSync(path) ? parseEnv(readFileSync(path, 'utf8')) : {};
}

type Base = Omit<
  Facts,
  | 'params'
  | 'paramsSource'
  | 'secrets'
  | 'database'
  | 'twilioNumbers'
  | 'fallback'
  | 'fallbackScreening'
  | 'legacyFallback'
  | 'webhook'
  | 'queues'
  | 'admins'
  | 'delivery'
  | 'voiceSdk'
>;
type Queues = ReturnType<typeof cloudTasksClient>;

/**
 * What the local stack and a real project are asked alike: Twilio's numbers, the fallback line,
 * the webhook, the queues (when there is a queues API to ask) and the admins. Closes the queues
 * client and the app it is given.
 */
async function askAlike(
  o: GatherOptions,
  base: Base,
  params: Record<string, string>,
  client: TwilioRest | null,
  tasks: Queues | null,
  app: App,
) {
  const target = { projectId: o.projectId, region: functionsRegion(params) };
  // The path the Hosting build wrote the fallback line to; without a usable token there is none
  // to fetch (checks.ts says why from the params).
  const fallbackPath = deploymentFallbackPath(o.projectId, params);
  const publicBase = params.PUBLIC_BASE_URL ?? '';
  const [
    twilioFacts,
    delivery,
    fallback,
    fallbackScreening,
    legacyFallback,
    webhook,
    queues,
    adminList,
    voiceSdk,
  ] = await Promise.all([
    client ? settle(numbersOf(client, base.voiceNumber, params)) : null,
    // The local stack's texts and calls reach no phone: nothing to deliver to (null). Without
    // a Twilio client nothing is asked (undefined): the twilio findings already say why.
    base.local
      ? null
      : client
        ? settle(
            deliveryFacts(
              client,
              params.TWILIO_ACCOUNT_SID ?? '',
              params.TWILIO_SMS_FROM ?? '',
              numberList(params.ON_CALL_NUMBERS),
            ),
          )
        : undefined,
    'path' in fallbackPath
      ? settle(fetchFallback(publicBase, fallbackPath.path))
      : { error: fallbackPath.problem },
    settle(fetchFallback(publicBase, FALLBACK_SCREEN_PATH)),
    settle(fetchFallback(publicBase, LEGACY_FALLBACK_PATH)),
    settle(probeWebhook(params.PUBLIC_BASE_URL ?? '')),
    tasks ? settle(Promise.all(QUEUE_NAMES.map((q) => queueReport(tasks, target, q)))) : null,
    settle(admins(app)),
    client ? settle(voiceSdkFacts(client, params)) : null,
  ]);
  await tasks?.close();
  await deleteApp(app);
  return {
    twilioNumbers: twilioFacts,
    delivery,
    fallback,
    fallbackScreening,
    legacyFallback,
    webhook,
    queues,
    admins: adminList,
    voiceSdk,
  };
}

/** The voice number's and the SMS sender's configuration at Twilio: what `--fix` changes, and asks again after. */
export const numbersOf = (
  client: TwilioRest,
  voiceNumber: string,
  params: Record<string, string>,
) => twilioNumbers(client, [voiceNumber, params.TWILIO_SMS_FROM ?? '']);

/** The local stack: what it configured the functions with, its emulators, its stand-ins. */
async function gatherLocal(
  o: GatherOptions,
  base: Base,
): Promise<{ facts: Facts; twilio: TwilioRest | null }> {
  const params = readEnv(FUNCTIONS_PARAMS_FILE);
  const secretsFile = readEnv(FUNCTIONS_SECRETS_FILE);
  const secrets = Object.fromEntries(
    SECRETS.map((name) => [name, secretsFile[name] ? 'set' : 'missing'] as const),
  );
  const token = secretsFile.TWILIO_AUTH_TOKEN;
  const client = twilioFor(params, token, o.twilioApi);
  const app = localAdminApp('preflight');
  const region = databaseRegion(LOCAL_FIREBASE_CONFIG.databaseURL)!;
  const tasks = o.tasksApi ? cloudTasksClient(o.tasksApi) : null;
  const asked = await askAlike(o, base, params, client, tasks, app);
  return {
    facts: {
      ...base,
      params,
      paramsSource: `${FUNCTIONS_PARAMS_FILE} (written by the local stack)`,
      secrets,
      database: { url: LOCAL_FIREBASE_CONFIG.databaseURL, region },
      ...asked,
    },
    twilio: client,
  };
}

/** Google's REST APIs with Application Default Credentials (and their quota project). */
function googleApi() {
  const auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] });
  return async <T>(url: string): Promise<{ status: number; data: T | null }> => {
    const client = await auth.getClient();
    try {
      const res = await client.request<T>({ url });
      return { status: res.status, data: res.data };
    } catch (err) {
      const status = (err as { response?: { status?: number } }).response?.status;
      if (status === 404) return { status, data: null };
      throw err;
    }
  };
}

/** A real project, through Google's APIs and Twilio's. */
async function gatherReal(
  o: GatherOptions,
  base: Base,
  params: Record<string, string>,
): Promise<{ facts: Facts; twilio: TwilioRest | null }> {
  const get = googleApi();
  const secretsApi = `https://secretmanager.googleapis.com/v1/projects/${o.projectId}/secrets`;
  const secrets: Facts['secrets'] = {};
  for (const name of SECRETS) {
    secrets[name] = await get(`${secretsApi}/${name}/versions/latest`).then(
      (r) => (r.data ? ('set' as const) : ('missing' as const)),
      unknown,
    );
  }
  // The token itself, to ask Twilio as the functions will (needs Secret Manager Secret Accessor).
  const token =
    process.env.TWILIO_AUTH_TOKEN ??
    (await get<{ payload?: { data?: string } }>(
      `${secretsApi}/TWILIO_AUTH_TOKEN/versions/latest:access`,
    ).then(
      (r) =>
        r.data?.payload?.data ? Buffer.from(r.data.payload.data, 'base64').toString('utf8') : null,
      () => null,
    ));
  const database = await get<{
    instances?: Array<{ name: string; databaseUrl: string; type: string }>;
  }>(
    `https://firebasedatabase.googleapis.com/v1beta/projects/${o.projectId}/locations/-/instances`,
  ).then((r) => {
    const instance = r.data?.instances?.find((i) => i.type === 'DEFAULT_DATABASE');
    return instance
      ? {
          url: instance.databaseUrl,
          region:
            /\/locations\/([^/]+)\//.exec(instance.name)?.[1] ??
            databaseRegion(instance.databaseUrl) ??
            'unknown',
        }
      : null;
  }, unknown);
  const client = twilioFor(params, token, o.twilioApi);
  // When the instance could not be listed, the default one where the functions are (the admin script's guess too).
  const databaseURL =
    database && !('error' in database)
      ? database.url
      : defaultDatabaseUrl(o.projectId, functionsRegion(params));
  const app = initializeApp({ projectId: o.projectId, databaseURL }, 'preflight');
  const asked = await askAlike(o, base, params, client, cloudTasksClient(o.tasksApi), app);
  return {
    facts: {
      ...base,
      params,
      paramsSource: envFiles('functions', o.projectId).join(' then '),
      secrets,
      database,
      ...asked,
    },
    twilio: client,
  };
}

/** Everything preflight judges, and the Twilio client `--fix` updates the number with. */
export async function gatherFacts(
  o: GatherOptions,
): Promise<{ facts: Facts; twilio: TwilioRest | null }> {
  const functionsDir = o.functionsDir ?? join(ROOT, 'functions');
  const local = isDemoProject(o.projectId);
  const params = local ? readEnv(FUNCTIONS_PARAMS_FILE) : deployParams(functionsDir, o.projectId);
  const base = {
    projectId: o.projectId,
    local,
    exampleParams: readEnv(join(functionsDir, '.env.example')),
    voiceNumber: o.voiceNumber ?? params.TWILIO_VOICE_NUMBER ?? '',
  };
  return local ? gatherLocal(o, base) : gatherReal(o, base, params);
}
