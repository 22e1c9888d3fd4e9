/**
 * The local project: where it lives, its demo project id, the ports firebase.json gives the
 * emulators (and those of the servers beside them), its local defaults, and the Admin SDK app
 * every local script and test reaches the stack with.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getApps, initializeApp, type App } from 'firebase-admin/app';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PROJECT_ID = 'demo-aurora';
/** What the stack generates (its emulators' config, the functions' local params, logs): git-ignored, outside the sources. */
export const STACK_DIR = join(ROOT, '.stack');
/** The project's Admin SDK options: the default database's URL, which the emulators serve under the same name. */
export const LOCAL_FIREBASE_CONFIG = {
  projectId: PROJECT_ID,
  databaseURL: `https://${PROJECT_ID}-default-rtdb.firebaseio.com`,
};

/** The project's firebase.json, which the stack's emulators run with. */
export const FIREBASE_JSON = JSON.parse(readFileSync(join(ROOT, 'firebase.json'), 'utf8')) as {
  emulators: Record<string, { port?: number }>;
  [key: string]: unknown;
};

function emulatorPort(name: string): number {
  const port = FIREBASE_JSON.emulators[name]?.port;
  if (typeof port !== 'number') throw new Error(`firebase.json gives the ${name} emulator no port`);
  return port;
}

/** The emulators' ports from firebase.json, and the Twilio REST stand-in's, which the stack serves beside them. */
export const PORTS = {
  hosting: emulatorPort('hosting'),
  functions: emulatorPort('functions'),
  firestore: emulatorPort('firestore'),
  database: emulatorPort('database'),
  auth: emulatorPort('auth'),
  tasks: emulatorPort('tasks'),
  hub: emulatorPort('hub'),
  twilioApi: 9600,
  /** The local scheduler's trigger (POST /sweep): the sweeper on demand, beside its clock. */
  scheduler: 9610,
};
/** The local OpenAI-compatible model server (`npm start -- --local-model`, the integration tests); not part of the stack. */
export const MODEL_PORT = 9555;

/** Local defaults; TWILIO_AUTH_TOKEN, TWILIO_ACCOUNT_SID and PUBLIC_BASE_URL in the environment override them. */
export const LOCAL_DEFAULTS = {
  twilioAuthToken: 'aurora-local-twilio-token',
  twilioAccountSid: `AC${'0'.repeat(31)}1`,
  publicBaseUrl: `http://127.0.0.1:${PORTS.hosting}`,
};

/**
 * The dashboard's voice on the local stack: an API key (its secret signs the voiceToken
 * callable's tokens) and a TwiML App whose Voice URL is the local /twilio/browser, both created
 * in the stack's Twilio stand-in (scripts/lib/stack.ts). Only the stand-in knows them.
 */
export const LOCAL_VOICE_SDK = {
  apiKeySid: `SK${'0'.repeat(31)}1`,
  apiKeySecret: 'aurora-local-api-key-secret',
  twimlAppSid: `AP${'0'.repeat(31)}1`,
};

/**
 * The on-call numbers and the Twilio sender the local stack's escalation SMS use; the local
 * build's fallback line dials the same numbers (scripts/lib/hosting-build.ts).
 */
export const LOCAL_ON_CALL = { numbers: ['+15550190001', '+15550190002'], smsFrom: '+15550199999' };

/** Numbers supervisors may bridge a caller to on the local stack (the on-call numbers always). */
export const LOCAL_BRIDGE_NUMBERS = ['+15557654321', '+1555010*'];

/** The official RTDB emulator, if firebase-tools has downloaded it on this machine. */
export function realRtdbEmulatorAvailable(): boolean {
  if (process.env.AURORA_RTDB === 'stand-in') return false;
  const cache = join(homedir(), '.cache', 'firebase', 'emulators');
  return (
    existsSync(cache) &&
    readdirSync(cache).some((f) => /^firebase-database-emulator-.*\.jar$/.test(f))
  );
}

/** The environment every local client (Admin SDK scripts, tests) uses to reach the stack. */
export function emulatorEnv(): Record<string, string> {
  return {
    GCLOUD_PROJECT: PROJECT_ID,
    FIREBASE_DATABASE_EMULATOR_HOST: `127.0.0.1:${PORTS.database}`,
    FIRESTORE_EMULATOR_HOST: `127.0.0.1:${PORTS.firestore}`,
    FIREBASE_AUTH_EMULATOR_HOST: `127.0.0.1:${PORTS.auth}`,
    CLOUD_TASKS_EMULATOR_HOST: `127.0.0.1:${PORTS.tasks}`,
    // No Google metadata server here: do not let the SDKs go looking for one.
    METADATA_SERVER_DETECTION: 'none',
  };
}

/**
 * The Admin SDK app named `name` (the default app without one) on the local stack, created on
 * first use, once the emulator hosts are in the environment (the SDKs read them from there).
 */
export function localAdminApp(name?: string): App {
  Object.assign(process.env, emulatorEnv());
  return (
    getApps().find((app) => app.name === (name ?? '[DEFAULT]')) ??
    initializeApp(LOCAL_FIREBASE_CONFIG, name)
  );
}
