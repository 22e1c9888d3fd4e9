/**
 * Preflight's judgement of the dashboard's voice (issue 24): the API key that signs the Voice
 * SDK's tokens and the TwiML App a supervisor's browser calls through, as Twilio's REST API
 * describes them (gather.ts, voiceSdkFacts). Pure, like checks.ts, which lists these findings.
 */
import type { Facts, Finding, Unknown } from './checks.ts';

/** The path of the browser leg's webhook: WEBHOOK_PATHS.browser in functions/src/core/twiml.ts (a test keeps them equal). */
export const BROWSER_PATH = '/twilio/browser';

/** A TwiML App's voice settings, as the Applications resource gives them (https://www.twilio.com/docs/usage/api/applications). */
export type TwimlAppConfig = {
  sid: string;
  friendlyName: string;
  voiceUrl: string;
  voiceMethod: string;
};

/**
 * What Twilio says of TWILIO_API_KEY_SID and TWILIO_TWIML_APP_SID: each found, not on the
 * account (null), or unreadable; absent when its param is unset or malformed (not asked).
 */
export type VoiceSdkFacts = {
  key?: { sid: string; friendlyName: string } | null | Unknown;
  app?: TwimlAppConfig | null | Unknown;
};

export const API_KEY_SID = /^SK[0-9a-fA-F]{32}$/;
export const TWIML_APP_SID = /^AP[0-9a-fA-F]{32}$/;

const isUnknown = (value: unknown): value is Unknown =>
  typeof value === 'object' && value !== null && 'error' in value;

/** Where in Twilio's console each is made. */
const CONSOLE = {
  keys: 'https://console.twilio.com/us1/account/keys-credentials/api-keys',
  apps: 'https://console.twilio.com/us1/develop/voice/manage/twiml-apps',
};

/** What the TwiML App must say for this deployment: Twilio POSTs a browser's call to the browser webhook. */
export function wantedAppConfig(publicBaseUrl: string): { voiceUrl: string; voiceMethod: string } {
  return { voiceUrl: `${publicBaseUrl.replace(/\/+$/, '')}${BROWSER_PATH}`, voiceMethod: 'POST' };
}

/** The update that makes the App what `want` says, or {} when nothing differs, in the twilio SDK's option names. */
export function appUpdate(
  want: { voiceUrl: string; voiceMethod: string },
  have: TwimlAppConfig,
): Partial<{ voiceUrl: string; voiceMethod: string }> {
  return {
    ...(have.voiceUrl === want.voiceUrl ? {} : { voiceUrl: want.voiceUrl }),
    ...(have.voiceMethod.toUpperCase() === want.voiceMethod
      ? {}
      : { voiceMethod: want.voiceMethod }),
  };
}

/** The params' own problems: unset or malformed SIDs, which Twilio is then not asked about. */
function paramFindings(f: Facts): Finding[] {
  const keySid = f.params.TWILIO_API_KEY_SID ?? '';
  const appSid = f.params.TWILIO_TWIML_APP_SID ?? '';
  const secretFix = `firebase functions:secrets:set TWILIO_API_KEY_SECRET --project ${f.projectId}`;
  const findings: Finding[] = [];
  if (!keySid)
    findings.push({
      area: 'voice',
      ok: false,
      says: 'TWILIO_API_KEY_SID is not set: supervisors cannot talk from the dashboard (it names the API key that signs their voice tokens)',
      fix: `create a Standard API key at ${CONSOLE.keys}, set TWILIO_API_KEY_SID in ${f.paramsSource} and its secret with ${secretFix}`,
    });
  else if (!API_KEY_SID.test(keySid))
    findings.push({
      area: 'voice',
      ok: false,
      says: `TWILIO_API_KEY_SID is not an API key SID (SK and 32 hex digits): ${keySid}`,
      fix: `set the key's SID from ${CONSOLE.keys} in ${f.paramsSource}`,
    });
  if (!appSid)
    findings.push({
      area: 'voice',
      ok: false,
      says: 'TWILIO_TWIML_APP_SID is not set: supervisors cannot talk from the dashboard (it names the TwiML App their browsers call through)',
      fix: `create a TwiML App at ${CONSOLE.apps}, set TWILIO_TWIML_APP_SID in ${f.paramsSource}, then npm run preflight -- --project ${f.projectId} --fix`,
    });
  else if (!TWIML_APP_SID.test(appSid))
    findings.push({
      area: 'voice',
      ok: false,
      says: `TWILIO_TWIML_APP_SID is not a TwiML App SID (AP and 32 hex digits): ${appSid}`,
      fix: `set the App's SID from ${CONSOLE.apps} in ${f.paramsSource}`,
    });
  return findings;
}

function keyFindings(f: Facts, key: VoiceSdkFacts['key']): Finding[] {
  if (key === undefined) return [];
  const sid = f.params.TWILIO_API_KEY_SID ?? '';
  if (isUnknown(key))
    return [{ area: 'voice', ok: false, says: `could not read API key ${sid}: ${key.error}` }];
  if (key === null)
    return [
      {
        area: 'voice',
        ok: false,
        says: `API key ${sid} is not on Twilio account ${f.params.TWILIO_ACCOUNT_SID ?? ''}: Twilio would refuse every voice token it signs`,
        fix: `create a Standard API key at ${CONSOLE.keys}, set TWILIO_API_KEY_SID in ${f.paramsSource} and its secret with firebase functions:secrets:set TWILIO_API_KEY_SECRET --project ${f.projectId}`,
      },
    ];
  return [
    {
      area: 'voice',
      ok: true,
      says: `API key ${key.sid}${key.friendlyName ? ` (${key.friendlyName})` : ''} signs the dashboard's voice tokens`,
    },
  ];
}

function appFindings(f: Facts, app: VoiceSdkFacts['app']): Finding[] {
  if (app === undefined) return [];
  const sid = f.params.TWILIO_TWIML_APP_SID ?? '';
  if (isUnknown(app))
    return [{ area: 'voice', ok: false, says: `could not read TwiML App ${sid}: ${app.error}` }];
  if (app === null)
    return [
      {
        area: 'voice',
        ok: false,
        says: `TwiML App ${sid} is not on Twilio account ${f.params.TWILIO_ACCOUNT_SID ?? ''}: supervisors' browsers could not join a call`,
        fix: `create a TwiML App at ${CONSOLE.apps}, set TWILIO_TWIML_APP_SID in ${f.paramsSource}, then npm run preflight -- --project ${f.projectId} --fix`,
      },
    ];
  // Without PUBLIC_BASE_URL there is no address to want (the params findings say so).
  if (!f.params.PUBLIC_BASE_URL) return [];
  const want = wantedAppConfig(f.params.PUBLIC_BASE_URL);
  const fix = `npm run preflight -- --project ${f.projectId} --fix`;
  if (app.voiceUrl !== want.voiceUrl)
    return [
      {
        area: 'voice',
        ok: false,
        says: `TwiML App ${app.sid}'s Voice URL is ${app.voiceUrl || 'not set'}; it must be ${want.voiceUrl}`,
        fix,
      },
    ];
  if (app.voiceMethod.toUpperCase() !== want.voiceMethod)
    return [
      {
        area: 'voice',
        ok: false,
        says: `TwiML App ${app.sid}'s Voice URL is fetched with ${app.voiceMethod}; it must be ${want.voiceMethod}`,
        fix,
      },
    ];
  return [
    {
      area: 'voice',
      ok: true,
      says: `TwiML App ${app.sid} sends supervisors' browser calls to ${want.voiceUrl}`,
    },
  ];
}

/**
 * Whether supervisors can talk from the dashboard: nothing when the facts were not gathered
 * (older callers), the params' problems, then what Twilio says of the key and the App. When
 * Twilio was not asked (null), the twilio findings already say why.
 */
export function voiceSdkFindings(f: Facts): Finding[] {
  const v = f.voiceSdk;
  if (v === undefined) return [];
  const findings = paramFindings(f);
  if (v === null) return findings;
  if (isUnknown(v))
    return [
      ...findings,
      {
        area: 'voice',
        ok: false,
        says: `could not ask Twilio about the voice key and App: ${v.error}`,
      },
    ];
  return [...findings, ...keyFindings(f, v.key), ...appFindings(f, v.app)];
}
